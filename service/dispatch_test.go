package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
	"lotse/geo"
	"lotse/mail"
	"lotse/mail/mailtest"
	"lotse/service"
	"lotse/store"
	"lotse/store/storetest"
	"lotse/templates"
)

// fakeClock is the one clock of a service and its store in dispatch tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// dispatchFixture is a service on a fresh database with a fake clock, an
// in-process SMTP server and a sender to it.
type dispatchFixture struct {
	svc    *service.Service
	tn     *domain.Tenant
	db     string // the database's name, for writing behind the store's back
	clock  *fakeClock
	smtp   *mailtest.Server
	sender *mail.Sender
}

func newDispatchFixture(t testing.TB) *dispatchFixture {
	t.Helper()
	st, db := storetest.NewNamed(t)
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(st, geo.Default(), tr, slog.New(slog.DiscardHandler), "http://lotse.test", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	svc.ReproposeDelay = time.Hour
	t.Cleanup(func() { svc.CloseProposals(false) })
	tn := &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539"}}}}
	if err := st.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	svc.Now = clock.Now
	svc.Store.SetClock(clock.Now)
	srv := mailtest.NewServer(t)
	cfg, err := mail.ParseURL(srv.URL(), "Lotse <noreply@lotse.example.org>")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &dispatchFixture{svc: svc, tn: tn, db: db, clock: clock, smtp: srv, sender: sender}
}

func (f *dispatchFixture) queue(t testing.TB, key, to string, att ...mail.Attachment) {
	t.Helper()
	if err := f.svc.QueueTestMail(context.Background(), f.tn, key, to, "de", "Jürgen Müller", att); err != nil {
		t.Fatal(err)
	}
}

func (f *dispatchFixture) dispatch(t testing.TB) int {
	t.Helper()
	n, err := f.svc.DispatchOutbox(context.Background(), f.sender)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mail returns the outbox record with key, failing the test if it is gone.
func (f *dispatchFixture) mail(t testing.TB, key string) store.OutboxMessage {
	t.Helper()
	m, err := f.svc.Store.OutboxMail(context.Background(), f.tn.ID, key)
	if err != nil {
		t.Fatalf("outbox %s: %v", key, err)
	}
	return m
}

const rcpt = "juergen.mueller@example.net"

// TestDispatchRetriesWithBackoff: a server that refuses the first three
// attempts with 451 gets the mail on the fourth; the delays between attempts
// double (1, 2, 4 minutes, plus at most 10 % jitter), nothing is sent before
// its time, and the stored error never names the recipient.
func TestDispatchRetriesWithBackoff(t *testing.T) {
	f := newDispatchFixture(t)
	const key = "test:retry"
	f.queue(t, key, rcpt)
	f.smtp.FailNextN(451, 3)

	var last time.Duration
	for attempt := 1; attempt <= 3; attempt++ {
		if n := f.dispatch(t); n != 0 {
			t.Fatalf("attempt %d: sent %d, want 0", attempt, n)
		}
		m := f.mail(t, key)
		if m.Status != store.OutboxPending || m.Attempts != attempt {
			t.Fatalf("attempt %d: status %q, attempts %d", attempt, m.Status, m.Attempts)
		}
		if !strings.Contains(m.LastError, "451") || strings.Contains(m.LastError, rcpt) || strings.Contains(m.LastError, "juergen.mueller") {
			t.Errorf("attempt %d: last error %q: want the 451 without the address", attempt, m.LastError)
		}
		delay := m.NextAttemptAt.Sub(f.clock.Now())
		want := time.Minute << (attempt - 1)
		if delay < want || delay > want+want/10+time.Millisecond {
			t.Errorf("attempt %d: next attempt in %v, want %v plus at most 10 %%", attempt, delay, want)
		}
		if delay <= last {
			t.Errorf("attempt %d: delay %v not longer than the one before (%v)", attempt, delay, last)
		}
		last = delay
		// Not yet due: a dispatcher a moment before the time leaves it alone.
		f.clock.Set(m.NextAttemptAt.Add(-time.Second))
		if n := f.dispatch(t); n != 0 || f.mail(t, key).Attempts != attempt {
			t.Fatalf("attempt %d: mail was tried before its time", attempt)
		}
		f.clock.Set(m.NextAttemptAt)
	}
	if n := f.dispatch(t); n != 1 {
		t.Fatalf("fourth attempt: sent %d, want 1", n)
	}
	got := f.smtp.WaitFor(t, 1, 5*time.Second)
	if len(got) != 1 || got[0].To[0] != rcpt {
		t.Fatalf("received %d messages (%v)", len(got), got)
	}
	if id := got[0].Header.Get("Message-Id"); id != mail.MessageID(key, "lotse.example.org") {
		t.Errorf("Message-ID %q", id)
	}
	if _, err := f.svc.Store.OutboxMail(context.Background(), f.tn.ID, key); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("sent mail still in the outbox: %v", err)
	}
	if done, _ := f.svc.Store.MailHandled(context.Background(), key); !done {
		t.Error("sent mail not in the mail log")
	}
}

// TestDispatchBackoffCap: the delay doubles up to MailBackoffMax and stays there.
func TestDispatchBackoffCap(t *testing.T) {
	f := newDispatchFixture(t)
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 9: 256 * time.Minute,
		10: 6 * time.Hour, 40: 6 * time.Hour, 1000: 6 * time.Hour} {
		got := time.Duration(f.svc.MailBackoffFor(attempts))
		if got < want || got > want+want/10 {
			t.Errorf("back-off after %d attempts: %v, want %v plus at most 10 %%", attempts, got, want)
		}
	}
}

// TestDispatchFailsAndResends: a server that always refuses gets
// MailMaxAttempts attempts; then the mail is failed, keeps its body and last
// error, is no longer tried, cannot be queued twice, and an admin's resend
// delivers it once the server accepts again.
func TestDispatchFailsAndResends(t *testing.T) {
	f := newDispatchFixture(t)
	ctx := context.Background()
	f.svc.MailMaxAttempts = 3
	const key = "test:fail"
	f.queue(t, key, rcpt)
	f.smtp.FailNextN(451, -1)

	for attempt := 1; attempt <= 3; attempt++ {
		f.dispatch(t)
		m := f.mail(t, key)
		if m.Attempts != attempt {
			t.Fatalf("attempt %d: attempts %d", attempt, m.Attempts)
		}
		if attempt < 3 {
			f.clock.Set(m.NextAttemptAt)
		}
	}
	m := f.mail(t, key)
	if m.Status != store.OutboxFailed || m.FailedAt.IsZero() || !strings.Contains(m.LastError, "451") ||
		strings.Contains(m.LastError, "juergen.mueller") {
		t.Fatalf("after 3 attempts: status %q, failed at %v, error %q", m.Status, m.FailedAt, m.LastError)
	}
	if !strings.Contains(m.Text, "Jürgen Müller") || m.To != rcpt {
		t.Errorf("failed mail lost its body or address: %q to %q", m.Text, m.To)
	}
	// Failed is final until someone acts: a day later, with the server
	// accepting again, new mail goes out and the failed one is not tried.
	f.clock.Set(f.clock.Now().Add(24 * time.Hour))
	f.smtp.StopFailing()
	f.queue(t, "test:other", "anna@example.net")
	if n := f.dispatch(t); n != 1 { // just the other mail
		t.Fatalf("a day later: sent %d, want 1 (the other mail)", n)
	}
	if got := f.mail(t, key); got.Status != store.OutboxFailed || got.Attempts != 3 {
		t.Fatalf("failed mail was tried again: %+v", got)
	}
	// Queueing the same key again does nothing: the failed one stays.
	f.queue(t, key, rcpt)
	if got := f.mail(t, key); got.Status != store.OutboxFailed {
		t.Fatalf("queueing again changed the failed mail to %q", got.Status)
	}

	// Only the tenant's admins may resend.
	coord := domain.Scope{Tenant: f.tn.ID, User: domain.NewID(time.Now()), Role: domain.RoleCoordinator}
	if err := f.svc.ResendMail(ctx, coord, key); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("coordinator resend: %v, want forbidden", err)
	}
	stranger := domain.Scope{Tenant: domain.NewID(time.Now()), User: domain.NewID(time.Now()), Role: domain.RoleAdmin}
	if err := f.svc.ResendMail(ctx, stranger, key); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other tenant's admin resend: %v, want not found", err)
	}
	admin := domain.Scope{Tenant: f.tn.ID, User: domain.NewID(time.Now()), Role: domain.RoleAdmin}
	if err := f.svc.ResendMail(ctx, admin, key); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if err := f.svc.ResendMail(ctx, admin, key); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second resend: %v, want conflict", err)
	}
	if got := f.mail(t, key); got.Status != store.OutboxPending || got.Attempts != 0 {
		t.Fatalf("after resend: status %q, attempts %d", got.Status, got.Attempts)
	}
	if n := f.dispatch(t); n != 1 {
		t.Fatalf("after resend: sent %d, want 1", n)
	}
	msgs := f.smtp.WaitFor(t, 2, 5*time.Second)
	var ours int
	for _, r := range msgs {
		if r.Header.Get("Message-Id") == mail.MessageID(key, "lotse.example.org") {
			ours++
		}
	}
	if ours != 1 || len(msgs) != 2 {
		t.Errorf("received %d messages, %d of them the resent one; want 2 and 1", len(msgs), ours)
	}
	log, err := f.svc.Store.AuditLog(ctx, f.tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var audited int
	for _, e := range log {
		if e.Action == "mail.resend" {
			audited++
			if e.ID != service.MailAuditID(key) || e.Actor != admin.User || e.Entity != "mail" {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if audited != 1 {
		t.Errorf("%d mail.resend audit entries, want 1", audited)
	}
}

// TestDispatchPermanentFailure: a 5xx rejection fails the mail at once.
func TestDispatchPermanentFailure(t *testing.T) {
	f := newDispatchFixture(t)
	f.queue(t, "test:550", rcpt)
	f.smtp.FailNext(550)
	f.dispatch(t)
	m := f.mail(t, "test:550")
	if m.Status != store.OutboxFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "550") ||
		strings.Contains(m.LastError, "juergen.mueller") {
		t.Fatalf("after a 550: %q, %d attempts, error %q", m.Status, m.Attempts, m.LastError)
	}
}

// TestDispatchLeaseAfterCrash: a dispatcher claims a mail and dies. Nobody
// touches the mail while its lease lasts; after that the next dispatcher sends
// it, and the dead one's late report changes nothing.
func TestDispatchLeaseAfterCrash(t *testing.T) {
	f := newDispatchFixture(t)
	ctx := context.Background()
	f.svc.MailLease = time.Minute
	f.queue(t, "test:crash", rcpt)
	dead, err := f.svc.Store.ClaimMail(ctx, "test:crash", f.clock.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Store.ClaimMail(ctx, "test:crash", f.clock.Now().Add(time.Minute)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second claim: %v, want conflict", err)
	}
	if n := f.dispatch(t); n != 0 {
		t.Fatalf("sent %d during the lease", n)
	}
	if m := f.mail(t, "test:crash"); m.Status != store.OutboxSending {
		t.Fatalf("status %q during the lease", m.Status)
	}
	f.clock.Set(f.clock.Now().Add(time.Minute))
	if n := f.dispatch(t); n != 1 {
		t.Fatalf("after the lease: sent %d, want 1", n)
	}
	if err := f.svc.Store.MailRetry(ctx, dead, f.clock.Now(), "late"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("dead dispatcher's late retry: %v, want conflict", err)
	}
	if done, _ := f.svc.Store.MailHandled(ctx, "test:crash"); !done {
		t.Error("not in the mail log")
	}
}

// TestDispatchGivesUpOnCrashLoop: a mail whose every claim ended without an
// outcome (its dispatchers keep dying) is failed instead of tried forever.
func TestDispatchGivesUpOnCrashLoop(t *testing.T) {
	f := newDispatchFixture(t)
	ctx := context.Background()
	f.svc.MailMaxAttempts = 2
	f.queue(t, "test:poison", rcpt)
	for range 2 {
		if _, err := f.svc.Store.ClaimMail(ctx, "test:poison", f.clock.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(f.clock.Now().Add(time.Minute))
	}
	if n := f.dispatch(t); n != 0 {
		t.Fatalf("sent %d", n)
	}
	if m := f.mail(t, "test:poison"); m.Status != store.OutboxFailed || !strings.Contains(m.LastError, "no outcome") {
		t.Fatalf("status %q, error %q", m.Status, m.LastError)
	}
	if got := len(f.smtp.Messages()); got != 0 {
		t.Errorf("%d messages sent", got)
	}
}

// TestDispatchConcurrentReplicas: three dispatchers on one database send 60
// mails; each arrives exactly once.
func TestDispatchConcurrentReplicas(t *testing.T) {
	f := newDispatchFixture(t)
	const n = 60
	for i := range n {
		f.queue(t, fmt.Sprintf("test:many:%03d", i), fmt.Sprintf("p%03d@example.net", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 3 {
		wg.Go(func() {
			k, err := f.svc.DispatchOutbox(context.Background(), f.sender)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += k
			mu.Unlock()
		})
	}
	wg.Wait()
	msgs := f.smtp.WaitFor(t, n, 10*time.Second)
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.Header.Get("Message-Id")]++
	}
	if total != n || len(msgs) != n || len(seen) != n {
		t.Errorf("reported %d sent, received %d messages with %d Message-IDs; want %d each", total, len(msgs), len(seen), n)
	}
}

// TestQueueMailWakesDispatcher: queueing signals MailQueued; queueing the same
// key again does not.
func TestQueueMailWakesDispatcher(t *testing.T) {
	f := newDispatchFixture(t)
	f.queue(t, "test:wake", rcpt)
	select {
	case <-f.svc.MailQueued():
	default:
		t.Fatal("no wake-up after queueing")
	}
	f.queue(t, "test:wake", rcpt)
	select {
	case <-f.svc.MailQueued():
		t.Fatal("wake-up for a mail that was already queued")
	default:
	}
}

// TestDispatchCalendarInvite sends a mail with an .ics invitation and a PDF
// through the outbox and parses what the server received: the calendar is an
// alternative of the body (text/calendar; method=REQUEST) and a file, the PDF
// a file, all bytes intact after the trip through the database.
func TestDispatchCalendarInvite(t *testing.T) {
	f := newDispatchFixture(t)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Lotse//DE\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n" +
		"UID:appointment-1@lotse.example.org\r\nDTSTAMP:20260314T090000Z\r\nDTSTART:20260402T073000Z\r\n" +
		"DTEND:20260402T090000Z\r\nSUMMARY:Begleitung Ausländerbehörde\r\nORGANIZER:mailto:noreply@lotse.example.org\r\n" +
		"ATTENDEE;RSVP=TRUE:mailto:" + rcpt + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	pdf := []byte("%PDF-1.4\n\x00\x01\x02\xff binary")
	f.queue(t, "test:ics", rcpt,
		mail.Attachment{Name: "termin.ics", ContentType: "text/calendar; method=REQUEST", Data: []byte(ics)},
		mail.Attachment{Name: "merkblatt.pdf", ContentType: "application/pdf", Data: pdf})
	if n := f.dispatch(t); n != 1 {
		t.Fatalf("sent %d", n)
	}
	r := f.smtp.WaitFor(t, 1, 5*time.Second)[0]
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Errorf("Content-Type %q, want multipart/mixed", ct)
	}
	for h, want := range map[string]string{"Auto-Submitted": "auto-generated", "Content-Language": "de",
		"Message-Id": mail.MessageID("test:ics", "lotse.example.org")} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if _, err := r.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if !strings.Contains(r.Text, "Jürgen Müller") || !strings.Contains(r.HTML, "Jürgen Müller") {
		t.Errorf("bodies: text %q, html %q", r.Text, r.HTML)
	}
	type seen struct{ media, disp, file, path string }
	var got []seen
	for _, p := range r.Parts {
		got = append(got, seen{p.MediaType, p.Disposition, p.Filename, strings.Join(p.Path, ">")})
		switch {
		case p.MediaType == "text/calendar":
			if p.Params["method"] != "REQUEST" || p.Disposition != "" {
				t.Errorf("calendar part %q, disposition %q", p.ContentType, p.Disposition)
			}
			if string(p.Data) != ics {
				t.Errorf("calendar part changed:\n%q\nwant\n%q", p.Data, ics)
			}
		case p.Filename == "termin.ics":
			if p.MediaType != "application/ics" || string(p.Data) != ics {
				t.Errorf("ics file %q, %d bytes", p.ContentType, len(p.Data))
			}
		case p.Filename == "merkblatt.pdf":
			if p.MediaType != "application/pdf" || string(p.Data) != string(pdf) {
				t.Errorf("pdf file %q, data %q", p.ContentType, p.Data)
			}
		}
	}
	alt := "multipart/mixed>multipart/alternative"
	want := []seen{{"text/plain", "", "", alt}, {"text/html", "", "", alt}, {"text/calendar", "", "", alt},
		{"application/ics", "attachment", "termin.ics", "multipart/mixed"},
		{"application/pdf", "attachment", "merkblatt.pdf", "multipart/mixed"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MIME parts\n%v\nwant\n%v", got, want)
	}
}

// TestDispatchFinishesLoggedMail: a dispatcher that died after logging the
// mail as sent but before removing it from the outbox left it "sending"; the
// next dispatcher finds it in the mail log and removes it without sending.
func TestDispatchFinishesLoggedMail(t *testing.T) {
	f := newDispatchFixture(t)
	ctx := context.Background()
	f.queue(t, "test:logged", rcpt)
	m, err := f.svc.Store.ClaimMail(ctx, "test:logged", f.clock.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// MailSent is "log, then delete"; recreate the record to stand for the
	// delete that never happened.
	if err := f.svc.Store.MailSent(ctx, m); err != nil {
		t.Fatal(err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(f.svc.Store.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	if _, err := client.Database(f.db).Collection("outbox").InsertOne(ctx, m); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(f.clock.Now().Add(time.Minute))
	if n := f.dispatch(t); n != 0 {
		t.Fatalf("sent %d", n)
	}
	if got := len(f.smtp.Messages()); got != 0 {
		t.Errorf("%d messages sent for a mail already in the log", got)
	}
	if _, err := f.svc.Store.OutboxMail(ctx, f.tn.ID, "test:logged"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("record still in the outbox: %v", err)
	}
}

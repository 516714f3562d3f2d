package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"text/template"
	"time"

	"lotse/domain"
	"lotse/mail"
	"lotse/store"
	"lotse/templates"
)

// mailWhy gives each message the footer line saying why its reader gets it;
// every message has one (parseMailTemplates checks).
var mailWhy = map[string]string{
	"signup_confirm": "mail.why.signup", "already_registered": "mail.why.signup",
	"offer": "mail.why.volunteer", "offer_reminder": "mail.why.volunteer", "portal_login": "mail.why.volunteer",
	"appointment_reminder": "mail.why.volunteer", "appointment_changed": "mail.why.volunteer",
	"background_check_due": "mail.why.volunteer",
	"offer_declined":       "mail.why.staff", "offer_expired": "mail.why.staff", "assignment_withdrawn": "mail.why.staff",
	"digest": "mail.why.staff", "claims_month": "mail.why.staff",
	"claims_month_volunteer": "mail.why.volunteer", "claim_reminder": "mail.why.volunteer",
	"allowance_statement": "mail.why.volunteer",
}

// withFooter adds what every mail's footer names: the tenant and how to
// reach its coordination.
func withFooter(data map[string]any, t *domain.Tenant) map[string]any {
	data["FooterTenant"], data["FooterContact"] = t.Name, t.Contact
	return data
}

// mailTemplates holds each message's text and HTML template. The subject is the
// catalog entry "mail.<name>.subject".
type mailTemplates struct {
	t    *templates.Translator
	text map[string]*template.Template
	html map[string]*htmltemplate.Template
}

func parseMailTemplates(t *templates.Translator) (*mailTemplates, error) {
	m := &mailTemplates{t: t, text: map[string]*template.Template{}, html: map[string]*htmltemplate.Template{}}
	files, err := fs.Glob(templates.FS, "email/*.txt")
	if err != nil {
		return nil, err
	}
	tf := func(key string, args ...any) string { return key }
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".txt")
		if strings.HasPrefix(name, "_") {
			continue // a part of every message, not one of its own
		}
		if _, ok := mailWhy[name]; !ok {
			return nil, fmt.Errorf("service: mail template %s: no entry in mailWhy", name)
		}
		tt, err := template.New(path.Base(f)).Funcs(template.FuncMap{"t": tf}).ParseFS(templates.FS, f, "email/_footer.txt")
		if err != nil {
			return nil, fmt.Errorf("service: mail template %s: %w", f, err)
		}
		ht, err := htmltemplate.New(name+".html").Funcs(htmltemplate.FuncMap{"t": tf}).ParseFS(templates.FS, "email/"+name+".html", "email/_footer.html")
		if err != nil {
			return nil, fmt.Errorf("service: mail template %s.html: %w", name, err)
		}
		m.text[name], m.html[name] = tt, ht
	}
	return m, nil
}

// Names lists the messages; a test renders each in every language.
func (m *mailTemplates) Names() []string {
	var out []string
	for n := range m.text {
		out = append(out, n)
	}
	return out
}

// render returns subject, text and HTML of message name in lang.
func (m *mailTemplates) render(name, lang string, data map[string]any) (string, string, string, error) {
	tt, ok := m.text[name]
	if !ok {
		return "", "", "", fmt.Errorf("service: no mail %q", name)
	}
	tf := func(key string, args ...any) string { return m.t.T(lang, key, args...) }
	data["Dir"] = "ltr"
	for _, l := range domain.RTLLanguages {
		if l == lang {
			data["Dir"] = "rtl"
		}
	}
	data["Lang"] = lang
	data["Why"] = mailWhy[name]
	var text, html bytes.Buffer
	t2, err := tt.Clone()
	if err != nil {
		return "", "", "", err
	}
	if err := t2.Funcs(template.FuncMap{"t": tf}).Execute(&text, data); err != nil {
		return "", "", "", fmt.Errorf("service: render mail %s: %w", name, err)
	}
	h2, err := m.html[name].Clone()
	if err != nil {
		return "", "", "", err
	}
	if err := h2.Funcs(htmltemplate.FuncMap{"t": tf}).Execute(&html, data); err != nil {
		return "", "", "", fmt.Errorf("service: render mail %s.html: %w", name, err)
	}
	return m.t.T(lang, "mail."+name+".subject"), text.String(), html.String(), nil
}

// RenderMail renders a message for previews and tests.
func (s *Service) RenderMail(name, lang string, data map[string]any) (subject, text, html string, err error) {
	return s.mails.render(name, lang, data)
}

// MailNames lists the mail templates.
func (s *Service) MailNames() []string { return s.mails.Names() }

// queueMail renders message name and puts it into the outbox under key; queueing
// the same key again does nothing.
func (s *Service) queueMail(ctx context.Context, tenant domain.ID, key, to, lang, name string, data map[string]any) error {
	_, err := s.queueMailOnceWith(ctx, tenant, key, to, lang, name, data, nil)
	return err
}

// queueMailOnce is queueMail that reports whether the mail was queued now,
// false when its key was queued or sent before.
func (s *Service) queueMailOnce(ctx context.Context, tenant domain.ID, key, to, lang, name string, data map[string]any) (bool, error) {
	return s.queueMailOnceWith(ctx, tenant, key, to, lang, name, data, nil)
}

// queueMailOnceWith is queueMailOnce with attachments, e.g. an appointment as
// {Name: "termin.ics", ContentType: "text/calendar; method=REQUEST"}, which
// mail clients show as an invitation (see mail.Attachment). The attachments
// are stored with the message, so keep them small.
func (s *Service) queueMailOnceWith(ctx context.Context, tenant domain.ID, key, to, lang, name string, data map[string]any, attachments []mail.Attachment) (bool, error) {
	t, err := s.cachedTenant(ctx, tenant)
	if err != nil {
		return false, err
	}
	subject, text, html, err := s.mails.render(name, lang, withFooter(data, t))
	if err != nil {
		return false, err
	}
	m := store.OutboxMessage{Key: key, To: to, Subject: subject, Text: text, HTML: html, Lang: lang}
	for _, a := range attachments {
		m.Attachments = append(m.Attachments, store.OutboxFile{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	queued, err := s.Store.Enqueue(ctx, tenant, m)
	if queued {
		s.notifyMail()
	}
	return queued, err
}

// notifyMail wakes this process's dispatcher (see MailQueued) without waiting.
func (s *Service) notifyMail() {
	select {
	case s.mailQueued <- struct{}{}:
	default: // a wake-up is already pending; it will see this mail too
	}
}

// MailQueued returns a channel that receives when this process has queued
// mail, so the dispatch loop can send it at once instead of at its next tick.
// Mail queued by other replicas is found by the tick.
func (s *Service) MailQueued() <-chan struct{} { return s.mailQueued }

// Outbox lists the tenant's unsent mail (pending, being sent and failed) for
// its admins; others get ErrForbidden.
func (s *Service) Outbox(ctx context.Context, sc domain.Scope) ([]store.OutboxMessage, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	return s.Store.Outbox(ctx, sc.Tenant)
}

// ResendMail sends a failed message again: an admin of its tenant sets it back
// to pending with its attempts reset, and the change is audited as
// "mail.resend". It returns ErrForbidden for anyone but an admin, ErrNotFound
// for a key not in the tenant's outbox and ErrConflict when the message is not
// failed (another admin resent it first).
//
// The audit entry names the mail by MailAuditID(key), since audit IDs are
// ObjectIDs and outbox keys are not.
func (s *Service) ResendMail(ctx context.Context, sc domain.Scope, key string) error {
	if sc.Role != domain.RoleAdmin {
		return domain.ErrForbidden
	}
	if err := s.Store.ResendMail(ctx, sc.Tenant, key); err != nil {
		return err
	}
	s.audit(ctx, sc, "mail.resend", "mail", MailAuditID(key), []string{"status", "attempts"})
	s.notifyMail()
	return nil
}

// MailAuditID is the ID under which the audit log names the outbox message
// with key: the first 12 bytes of sha256(key), so its hex form is the first
// 24 digits of the message's Message-ID (see mail.MessageID).
func MailAuditID(key string) domain.ID {
	sum := sha256.Sum256([]byte(key))
	var id domain.ID
	copy(id[:], sum[:len(id)])
	return id
}

// Defaults of the mail delivery settings on Service.
const (
	DefaultMailLease       = 2 * time.Minute
	DefaultMailBackoff     = time.Minute
	DefaultMailBackoffMax  = 6 * time.Hour
	DefaultMailMaxAttempts = 8
	DefaultMailWorkers     = 4
	// mailBatch is how many due messages one round of DispatchOutbox reads.
	mailBatch = 200
)

// DispatchOutbox sends due mail through sender until none is left and returns
// how many were sent. It runs MailWorkers deliveries at once; several
// dispatchers (one per replica) may run against one database.
//
// The delivery protocol and what it guarantees:
//
//  1. Claim: one guarded update moves the message from pending to sending and
//     stamps a lease, claimed_until = now + MailLease (store.ClaimMail). Of two
//     dispatchers exactly one wins; the other skips the message.
//  2. Deliver: one SMTP transaction, bounded by MailLease/2 so it ends long
//     before the lease does.
//  3. Record: on success the mail log gets the key and the message leaves the
//     outbox (store.MailSent); on a temporary failure it becomes pending again
//     with an exponential back-off (MailBackoff · 2^(attempt-1), at most
//     MailBackoffMax, plus up to 10 % jitter so replicas do not retry in
//     step); after MailMaxAttempts attempts or a permanent rejection it becomes
//     failed, keeps its body and last error, and waits for an admin (ResendMail).
//
// So in normal operation every message is sent exactly once. The remaining
// at-least-once window is between the server's "250 OK" after DATA (the mail
// is delivered) and the mail-log entry of step 3: if the process dies there
// (SIGKILL, power loss, OOM) or cannot reach the database, the message stays
// "sending" and is sent again once its lease expires. (A death after the log
// entry but before the record's removal sends nothing twice: a re-claimed
// message is checked against the mail log first.) At most the messages in flight at
// that moment can be duplicated: MailWorkers per dead dispatcher. The resent
// copy carries the same Message-ID, so receiving systems and mail clients that
// deduplicate by it show it once. A message that crashes its dispatcher again
// and again still counts an attempt per claim and so ends up failed.
//
// When ctx ends, no new message is claimed; deliveries under way are finished
// and recorded (bounded by MailLease/2), so a graceful stop duplicates nothing.
func (s *Service) DispatchOutbox(ctx context.Context, sender *mail.Sender) (int, error) {
	var (
		mu    sync.Mutex
		sent  int
		first error
	)
	workers := max(s.MailWorkers, 1)
	for ctx.Err() == nil {
		due, err := s.Store.DueMail(ctx, mailBatch)
		if err != nil || len(due) == 0 {
			if ctx.Err() != nil {
				err = nil // stopping, not failing
			}
			return sent, err
		}
		claimed := 0
		work := make(chan store.OutboxMessage)
		var wg sync.WaitGroup
		for range min(workers, len(due)) {
			wg.Go(func() {
				for m := range work {
					ok, did, err := s.deliver(ctx, sender, m)
					mu.Lock()
					if did {
						claimed++
					}
					if ok {
						sent++
					}
					if err != nil && first == nil {
						first = err
					}
					mu.Unlock()
				}
			})
		}
	feed:
		for _, m := range due {
			select {
			case work <- m:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		if first != nil {
			return sent, first
		}
		if claimed == 0 {
			// Everything read was taken by other dispatchers meanwhile.
			return sent, nil
		}
	}
	return sent, nil
}

// deliver claims m, sends it and records the outcome. It reports whether it
// sent m, whether it held the claim at all, and a store error.
func (s *Service) deliver(ctx context.Context, sender *mail.Sender, m store.OutboxMessage) (sent, claimed bool, err error) {
	if ctx.Err() != nil {
		return false, false, nil
	}
	lease := s.MailLease
	if lease <= 0 {
		lease = DefaultMailLease
	}
	m, err = s.Store.ClaimMail(ctx, m.Key, s.Now().Add(lease))
	if err == domain.ErrConflict {
		return false, false, nil // another dispatcher has it, or it is no longer due
	}
	if err != nil {
		return false, false, err
	}
	// From here on the claim is ours: finish even if ctx ends, so a stopping
	// process leaves no message "sending" behind to be sent twice.
	bg := context.WithoutCancel(ctx)
	if m.Attempts > 1 {
		// An earlier claim may have sent it and died between writing the
		// mail log and deleting the record: finish that instead of sending.
		done, err := s.Store.MailHandled(bg, m.Key)
		if err != nil {
			return false, true, err
		}
		if done {
			return false, true, s.Store.MailSent(bg, m)
		}
	}
	if m.Attempts > s.maxAttempts() {
		// Every earlier claim ended without a recorded outcome: the message
		// stops its dispatchers (or they keep dying with it). Give it up
		// rather than try forever.
		s.Log.Warn("mail failed", "key", m.Key, "tenant", m.Tenant().Hex(), "attempts", m.Attempts-1, "err", "no outcome recorded")
		err = s.Store.MailFailed(bg, m, fmt.Sprintf("no outcome recorded after %d attempts: the dispatcher stopped during delivery", m.Attempts-1))
		if err == domain.ErrConflict {
			err = nil
		}
		return false, true, err
	}
	sctx, cancel := context.WithTimeout(bg, lease/2)
	serr := sender.Send(sctx, outboxToMail(m))
	cancel()
	switch {
	case serr == nil:
		if err := s.Store.MailSent(bg, m); err != nil {
			return true, true, err
		}
		return true, true, nil
	case mail.IsPermanent(serr) || m.Attempts >= s.maxAttempts():
		s.Log.Warn("mail failed", "key", m.Key, "tenant", m.Tenant().Hex(), "attempts", m.Attempts, "err", serr)
		err = s.Store.MailFailed(bg, m, mail.Redact(serr.Error(), m.To))
	default:
		next := s.Now().Add(s.mailBackoff(m.Attempts))
		s.Log.Info("mail deferred", "key", m.Key, "attempts", m.Attempts, "next", next, "err", serr)
		err = s.Store.MailRetry(bg, m, next, mail.Redact(serr.Error(), m.To))
	}
	if err == domain.ErrConflict {
		// Our lease ran out and another dispatcher took over; its outcome counts.
		s.Log.Warn("mail claim lost", "key", m.Key)
		err = nil
	}
	return false, true, err
}

func (s *Service) maxAttempts() int {
	if s.MailMaxAttempts <= 0 {
		return DefaultMailMaxAttempts
	}
	return s.MailMaxAttempts
}

// mailBackoff is the delay after the attempts-th failed attempt (1, 2, …):
// MailBackoff · 2^(attempts-1), capped at MailBackoffMax, plus up to 10 %.
func (s *Service) mailBackoff(attempts int) time.Duration {
	base, limit := s.MailBackoff, s.MailBackoffMax
	if base <= 0 {
		base = DefaultMailBackoff
	}
	if limit <= 0 {
		limit = DefaultMailBackoffMax
	}
	d := base
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d + rand.N(d/10+1)
}

// outboxToMail turns an outbox record into what the sender takes.
func outboxToMail(m store.OutboxMessage) mail.Message {
	out := mail.Message{Key: m.Key, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Lang: m.Lang}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return out
}

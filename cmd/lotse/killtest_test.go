package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/mail"
	"lotse/mail/mailtest"
	"lotse/service"
	"lotse/store"
)

// childEnv marks a run of this test binary as the kill test's child: it then
// is `lotse` with the arguments that follow, not a test run.
const childEnv = "LOTSE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// Kill test settings: a short lease so the messages in flight at the kill
// come back soon; the dispatcher's tick (dispatchTick) finds them after that.
const (
	killMails   = 500
	termAfter   = 100
	killAfter   = 250
	killWorkers = service.DefaultMailWorkers
	killLease   = 5 * time.Second
	killFrom    = "Lotse <noreply@lotse.example.org>"
)

// TestDispatchSurvivesSIGKILL queues 500 mails and lets a child `lotse serve`
// dispatch them to an in-process SMTP server. The first child is stopped with
// SIGTERM after 100 mails (which must duplicate nothing), the second is killed
// with SIGKILL once 250 have arrived, and a third, on the same data
// directory, sends the rest. Every mail must arrive; duplicates are allowed
// only for the messages in flight at the kill (accepted by the server, not
// yet recorded), at most one per worker.
//
// The child is this test binary run again with LOTSE_TEST_CHILD=1 (see
// TestMain), which runs exactly what the lotse binary runs, without a second
// build.
func TestDispatchSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill test starts and kills a lotse serve process (about 20 s)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	smtp := mailtest.NewServer(t)
	keys := seedOutbox(t, dir, killMails)
	idDomain := "lotse.example.org"
	keyOf := make(map[string]string, len(keys)) // Message-ID → key
	for _, k := range keys {
		keyOf[mail.MessageID(k, idDomain)] = k
	}

	start := time.Now()
	// A graceful stop first: SIGTERM finishes the deliveries under way and
	// must duplicate nothing.
	first := startDispatcher(t, dir, smtp.URL(), "first")
	smtp.WaitFor(t, termAfter, 60*time.Second)
	first.stop(t)
	msgs := smtp.Messages()
	atTerm := len(msgs)
	if d := distinct(msgs); d != atTerm {
		t.Errorf("SIGTERM after %d mails: %d of them arrived twice", atTerm, atTerm-d)
	}
	t.Logf("stopped the first dispatcher with SIGTERM after %d mails (%.1f s)", atTerm, time.Since(start).Seconds())

	second := startDispatcher(t, dir, smtp.URL(), "second")
	smtp.WaitFor(t, killAfter, 60*time.Second)
	if err := second.cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup at all
		t.Fatal(err)
	}
	<-second.done
	killed := time.Now()
	// A delivery the child finished writing just before dying may still be
	// taken in by the server; give it a moment before counting.
	time.Sleep(300 * time.Millisecond)
	atKill := len(smtp.Messages())
	t.Logf("killed the second dispatcher with SIGKILL after %d of %d mails had arrived (%.1f s)", atKill, killMails, killed.Sub(start).Seconds())

	third := startDispatcher(t, dir, smtp.URL(), "third")
	// Wait for every key, then until the lease of the messages claimed at the
	// kill has run out and the next tick has had time to resend them, and the
	// server has been quiet for a second.
	deadline := time.Now().Add(60 * time.Second)
	lastCount, lastChange := 0, time.Now()
	for {
		msgs = smtp.Messages()
		if len(msgs) != lastCount {
			lastCount, lastChange = len(msgs), time.Now()
		}
		if distinct(msgs) == killMails && time.Since(killed) > killLease+dispatchTick+2*time.Second &&
			time.Since(lastChange) > time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d of %d mails arrived (%d messages)\nsecond child:\n%s\nthird child:\n%s",
				distinct(msgs), killMails, len(msgs), second.stderr.String(), third.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	third.stop(t)
	total := time.Since(start)

	// Every key arrived; which arrived more than once, and when first.
	count := map[string]int{}
	firstAt := map[string]int{}
	for i, m := range msgs {
		k, ok := keyOf[m.Header.Get("Message-Id")]
		if !ok {
			t.Fatalf("message %d has an unknown Message-ID %q", i, m.Header.Get("Message-Id"))
		}
		if count[k] == 0 {
			firstAt[k] = i
		}
		count[k]++
	}
	var dups []string
	for _, k := range keys {
		switch n := count[k]; {
		case n == 0:
			t.Errorf("mail %s never arrived", k)
		case n > 2:
			t.Errorf("mail %s arrived %d times", k, n)
		case n == 2:
			dups = append(dups, k)
			// A duplicate is a message that was in flight at the kill: its
			// first copy arrived from the killed dispatcher.
			if firstAt[k] < atTerm || firstAt[k] >= atKill {
				t.Errorf("mail %s duplicated but first arrived as #%d, not from the killed dispatcher (#%d to #%d)",
					k, firstAt[k]+1, atTerm+1, atKill)
			}
		}
	}
	if len(dups) > killWorkers {
		t.Errorf("%d duplicates %v, want at most %d (one per worker in flight at the kill)", len(dups), dups, killWorkers)
	}
	t.Logf("kill test: %d mails, %d messages received, %d duplicate(s) %v (bound %d), %.1f s in all",
		killMails, len(msgs), len(dups), dups, killWorkers, total.Seconds())

	// The database agrees: nothing left in the outbox, every key in the log.
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	tenants, err := st.Tenants(ctx)
	if err != nil || len(tenants) != 1 {
		t.Fatalf("tenants: %v, %v", tenants, err)
	}
	if left, err := st.Outbox(ctx, tenants[0].ID); err != nil || len(left) != 0 {
		t.Errorf("outbox after the run: %d messages (%v)", len(left), err)
	}
	for _, k := range keys {
		if done, err := st.MailHandled(ctx, k); err != nil || !done {
			t.Errorf("mail %s not in the mail log (%v)", k, err)
			break
		}
	}
}

// seedOutbox creates a tenant and queues n mails in the embedded database in
// dir, then closes it, and returns their keys.
func seedOutbox(t *testing.T, dir string, n int) []string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}()
	tn := &domain.Tenant{Slug: "killtest", Name: "Kill-Test", Kind: domain.KindStadt, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	if err := st.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("killtest:%03d", i)
		ok, err := st.Enqueue(ctx, tn.ID, store.OutboxMessage{Key: keys[i], To: fmt.Sprintf("person%03d@example.net", i),
			Subject: fmt.Sprintf("Nachricht %d", i), Text: "Hallo,\n\ndies ist Nachricht " + keys[i] + ".\n", Lang: "de"})
		if err != nil || !ok {
			t.Fatalf("enqueue %s: %v, %v", keys[i], ok, err)
		}
	}
	return keys
}

// distinct counts the different Message-IDs among msgs.
func distinct(msgs []mailtest.Received) int {
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.Header.Get("Message-Id")] = true
	}
	return len(seen)
}

// startDispatcher starts `lotse serve` (this test binary as lotse) on the
// data directory dir, dispatching to smtpURL.
func startDispatcher(t *testing.T, dir, smtpURL, name string) *child {
	t.Helper()
	return startChild(t, os.Args[0], name, []string{childEnv + "=1",
		"LOTSE_DATA_DIR=" + dir, "LOTSE_SMTP_URL=" + smtpURL, "LOTSE_MAIL_FROM=" + killFrom,
		"LOTSE_ADDR=127.0.0.1:0", "LOTSE_SECRET=" + strings.Repeat("k", 32), "LOTSE_LOG_LEVEL=warn", "MONGODB_URI="},
		"serve", "-mail-workers", fmt.Sprint(killWorkers), "-mail-lease", killLease.String())
}

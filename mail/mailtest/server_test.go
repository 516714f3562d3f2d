package mailtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"lotse/mail"
	"lotse/mail/mailtest"
)

// wait bounds every wait in these tests, so a broken server fails them instead
// of hanging until go test's own timeout.
const wait = 5 * time.Second

func newSender(t *testing.T, smtpURL string) *mail.Sender {
	t.Helper()
	cfg, err := mail.ParseURL(smtpURL, "Lotse <noreply@example.org>")
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", smtpURL, err)
	}
	s, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s
}

func send(s *mail.Sender, m mail.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return s.Send(ctx, m)
}

// hostPort returns the address in an SMTP URL.
func hostPort(t *testing.T, smtpURL string) string {
	t.Helper()
	u, err := url.Parse(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func message(key string) mail.Message {
	return mail.Message{
		Key:     key,
		To:      "Jürgen Müller <juergen@example.net>",
		Subject: "Bitte bestätigen Sie Ihre Anmeldung",
		Text:    "Hallo Jürgen,\nbitte bestätigen Sie: https://lotse.test/signup/confirm?id=1",
		HTML:    `<p>Hallo Jürgen,</p><p><a href="https://lotse.test/signup/confirm?id=1">bestätigen</a></p>`,
		Lang:    "de",
	}
}

func TestServerReceivesFromSender(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())
	m := message("confirm:1")

	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("new server holds %d messages", n)
	}
	if err := send(s, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// The server stores a message before it answers the final ".", so it is
	// there as soon as Send returns.
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("Messages() = %d messages, want 1", len(got))
	}
	if w := srv.WaitFor(t, 1, wait); len(w) != 1 || string(w[0].Raw) != string(got[0].Raw) {
		t.Fatalf("WaitFor returned %d messages, different from Messages()", len(w))
	}

	r := got[0]
	if r.From != "noreply@example.org" {
		t.Errorf("envelope From = %q", r.From)
	}
	if len(r.To) != 1 || r.To[0] != "juergen@example.net" {
		t.Errorf("envelope To = %q", r.To)
	}
	if r.Username != "" {
		t.Errorf("Username = %q without AUTH", r.Username)
	}
	if r.Subject != m.Subject {
		t.Errorf("Subject = %q, want %q", r.Subject, m.Subject)
	}
	for name, want := range map[string]string{
		"Content-Language": "de",
		"Auto-Submitted":   "auto-generated",
		"Message-Id":       mail.MessageID(m.Key, "example.org"),
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(r.Header.Get("From"), "noreply@example.org") {
		t.Errorf("From header = %q", r.Header.Get("From"))
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	if strings.TrimRight(r.Text, "\n") != m.Text {
		t.Errorf("Text = %q, want %q", r.Text, m.Text)
	}
	if strings.TrimRight(r.HTML, "\n") != m.HTML {
		t.Errorf("HTML = %q, want %q", r.HTML, m.HTML)
	}
	if !strings.Contains(string(r.Raw), "\r\nSubject: ") {
		t.Errorf("Raw does not hold the message as sent:\n%s", r.Raw)
	}

	// Messages returns a copy: changing it leaves the server's record alone.
	got[0].Subject = "changed"
	if srv.Messages()[0].Subject != m.Subject {
		t.Error("Messages() shares its slice with the server")
	}
}

func TestServerRecordsAuthUser(t *testing.T) {
	srv := mailtest.NewServer(t)
	u := strings.Replace(srv.URL(), "smtp://", "smtp://lotse%40example.org:geheim@", 1)
	if err := send(newSender(t, u), message("confirm:auth")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if r := srv.WaitFor(t, 1, wait)[0]; r.Username != "lotse@example.org" {
		t.Errorf("Username = %q, want lotse@example.org", r.Username)
	}
}

func TestServerWaitForWaitsForLaterMessages(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())

	errs := make(chan error, 3)
	go func() {
		for i := range 3 {
			time.Sleep(20 * time.Millisecond)
			errs <- send(s, message(fmt.Sprintf("confirm:%d", i)))
		}
	}()
	got := srv.WaitFor(t, 3, wait)
	if len(got) != 3 {
		t.Fatalf("WaitFor(3) returned %d messages", len(got))
	}
	for i, r := range got {
		if want := mail.MessageID(fmt.Sprintf("confirm:%d", i), "example.org"); r.Header.Get("Message-Id") != want {
			t.Errorf("message %d has Message-ID %q, want %q (oldest first)", i, r.Header.Get("Message-Id"), want)
		}
	}
	for range 3 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Send: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Send did not return")
		}
	}
}

// fatalRecorder stands in for a test in WaitFor, recording Fatalf instead of
// ending the goroutine.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestServerWaitForHasADeadline(t *testing.T) {
	srv := mailtest.NewServer(t)
	rec := &fatalRecorder{TB: t}

	start := time.Now()
	got := srv.WaitFor(rec, 1, 100*time.Millisecond)
	took := time.Since(start)

	if got != nil {
		t.Errorf("WaitFor returned %d messages from an idle server", len(got))
	}
	if took < 100*time.Millisecond || took > wait {
		t.Errorf("WaitFor gave up after %v, want about 100ms", took)
	}
	if !strings.Contains(rec.fatal, "got 0 messages") {
		t.Errorf("WaitFor failed the test with %q, want it to say how many arrived", rec.fatal)
	}
}

func TestServerFailNext(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(*mailtest.Server)
		code      int
		stage     string
		permanent bool
	}{
		{"FailNext 451", func(s *mailtest.Server) { s.FailNext(451) }, 451, "RCPT TO", false},
		{"FailNext 550", func(s *mailtest.Server) { s.FailNext(550) }, 550, "RCPT TO", true},
		{"FailNextData 452", func(s *mailtest.Server) { s.FailNextData(452) }, 452, "DATA", false},
		{"FailNextData 554", func(s *mailtest.Server) { s.FailNextData(554) }, 554, "DATA", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.NewServer(t)
			s := newSender(t, srv.URL())
			tt.fail(srv)

			err := send(s, message("confirm:fail"))
			var se *mail.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want a *mail.SendError", err)
			}
			if se.Code != tt.code {
				t.Errorf("reply code = %d, want %d (%v)", se.Code, tt.code, err)
			}
			if got := mail.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			if !strings.Contains(err.Error(), "at "+tt.stage) {
				t.Errorf("error %q, want the failure at %s", err, tt.stage)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages it rejected", n)
			}

			// The failure is used up: the retry goes through.
			if err := send(s, message("confirm:fail")); err != nil {
				t.Fatalf("retry: %v", err)
			}
			srv.WaitFor(t, 1, wait)
		})
	}
}

// dialSMTP opens a raw SMTP client with short timeouts, to see the server's
// replies without the Sender's interpretation.
func dialSMTP(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	c.CommandTimeout, c.SubmissionTimeout = wait, wait
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var se *smtp.SMTPError
	switch {
	case code == 0 && err != nil:
		t.Errorf("%s: %v, want success", what, err)
	case code != 0 && (!errors.As(err, &se) || se.Code != code):
		t.Errorf("%s: %v, want reply %d", what, err, code)
	}
}

func TestServerFailuresOnTheWire(t *testing.T) {
	srv := mailtest.NewServer(t)
	addr := hostPort(t, srv.URL())

	t.Run("FailNext hits one RCPT", func(t *testing.T) {
		c := dialSMTP(t, addr)
		srv.FailNext(450)
		wantCode(t, "MAIL", c.Mail("a@example.org", nil), 0)
		wantCode(t, "first RCPT", c.Rcpt("b@example.net", nil), 450)
		wantCode(t, "second RCPT", c.Rcpt("b@example.net", nil), 0)
		wantCode(t, "RSET", c.Reset(), 0)
	})
	t.Run("FailNextData hits DATA, not RCPT", func(t *testing.T) {
		c := dialSMTP(t, addr)
		srv.FailNextData(552)
		wantCode(t, "MAIL", c.Mail("a@example.org", nil), 0)
		wantCode(t, "RCPT", c.Rcpt("b@example.net", nil), 0)
		w, err := c.Data()
		if err != nil {
			t.Fatalf("DATA: %v", err)
		}
		if _, err := io.WriteString(w, "Subject: x\r\n\r\nbody\r\n"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "end of data", w.Close(), 552)
		wantCode(t, "QUIT", c.Quit(), 0)
	})
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server kept %d messages, want none", n)
	}
}

func TestServerFailNextRejectsSuccessCodes(t *testing.T) {
	srv := mailtest.NewServer(t)
	for _, code := range []int{0, 250, 354, 600} {
		for name, f := range map[string]func(int){"FailNext": srv.FailNext, "FailNextData": srv.FailNextData} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(%d) did not panic", name, code)
					}
				}()
				f(code)
			}()
		}
	}
}

// TestServerShutsDownWithTest checks that the end of a test stops the server:
// the port is closed and every connection ends, also one accepted a moment
// before the test ended. Before the fix, go-smtp's Close missed a connection
// its goroutine had not registered yet; the server then greeted it after the
// test and held it open for its 30 s idle timeout.
func TestServerShutsDownWithTest(t *testing.T) {
	for i := 0; i < 20 && !t.Failed(); i++ {
		var addr string
		var conns []net.Conn
		t.Run("server", func(t *testing.T) {
			srv := mailtest.NewServer(t)
			addr = hostPort(t, srv.URL())

			// One connection in the middle of a conversation …
			c, err := net.DialTimeout("tcp", addr, wait)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			_ = c.SetDeadline(time.Now().Add(wait))
			buf := make([]byte, 512)
			if _, err := c.Read(buf); err != nil {
				t.Fatalf("greeting: %v", err)
			}
			if _, err := io.WriteString(c, "EHLO client.test\r\n"); err != nil {
				t.Fatal(err)
			}
			// … and some the server has only just accepted.
			for range 3 {
				c, err := net.DialTimeout("tcp", addr, wait)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
		})

		deadline := time.Now().Add(wait)
		for j, c := range conns {
			_ = c.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("connection %d still open after the test ended", j)
			}
			c.Close()
		}
		if c, err := net.DialTimeout("tcp", addr, wait); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the test ended", addr)
		}
	}
}

// TestServerStopsWhenTestEndsAtOnce ends tests before the server's goroutine
// has started serving. A cleanup that only called go-smtp's Close left that
// goroutine blocked in Accept and the test waiting for it forever.
func TestServerStopsWhenTestEndsAtOnce(t *testing.T) {
	start := time.Now()
	for i := 0; i < 200 && !t.Failed(); i++ {
		t.Run("server", func(t *testing.T) { mailtest.NewServer(t) })
	}
	if took := time.Since(start); took > wait {
		t.Errorf("200 servers took %v to start and stop", took)
	}
}

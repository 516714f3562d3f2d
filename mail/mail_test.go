package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	lmail "lotse/mail"
	"lotse/mail/mailtest"
)

const from = "Lotse Team <noreply@example.org>"

// newSender returns a Sender that delivers to srv.
func newSender(t *testing.T, smtpURL string) *lmail.Sender {
	t.Helper()
	cfg, err := lmail.ParseURL(smtpURL, from)
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	s, err := lmail.NewSender(cfg)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s
}

func send(t *testing.T, s *lmail.Sender, m lmail.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func TestSendDeliversBothParts(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())

	m := lmail.Message{
		Key:     "confirm:42",
		To:      "jürgen.müller@example.net",
		Subject: "Bestätigung für Jürgen – تأكيد التسجيل",
		Text:    "Grüß Gott, Jürgen!\nمرحبا بك في لوتسه.\nA line that is long enough to be wrapped by quoted-printable encoding because it exceeds seventy-six characters.",
		HTML:    "<p>Grüß Gott, <b>Jürgen</b>!</p><p dir=\"rtl\">مرحبا بك في لوتسه.</p>",
		Lang:    "de",
	}
	send(t, s, m)

	got := srv.WaitFor(t, 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	r := got[0]
	if r.From != "noreply@example.org" {
		t.Errorf("envelope from = %q", r.From)
	}
	if len(r.To) != 1 || r.To[0] != m.To {
		t.Errorf("envelope to = %q, want [%q]", r.To, m.To)
	}
	hf, err := mail.ParseAddress(r.Header.Get("From"))
	if err != nil || hf.Name != "Lotse Team" || hf.Address != "noreply@example.org" {
		t.Errorf("From header = %q (%v)", r.Header.Get("From"), err)
	}
	if ht, err := mail.ParseAddress(r.Header.Get("To")); err != nil || ht.Address != m.To {
		t.Errorf("To header = %q (%v)", r.Header.Get("To"), err)
	}
	if r.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", r.Subject, m.Subject)
	}
	if raw := r.Header.Get("Subject"); !strings.Contains(raw, "=?UTF-8?") {
		t.Errorf("raw subject %q is not RFC 2047 encoded", raw)
	}
	if strings.TrimRight(r.Text, "\n") != m.Text {
		t.Errorf("text = %q, want %q", r.Text, m.Text)
	}
	if strings.TrimRight(r.HTML, "\n") != m.HTML {
		t.Errorf("html = %q, want %q", r.HTML, m.HTML)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("content type = %q, want multipart/alternative", ct)
	}
	if v := r.Header.Get("Content-Language"); v != "de" {
		t.Errorf("Content-Language = %q", v)
	}
	if v := r.Header.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
	if d, err := r.Header.Date(); err != nil || time.Since(d) > time.Minute || time.Until(d) > time.Minute {
		t.Errorf("Date = %q (%v)", r.Header.Get("Date"), err)
	}
	if id := r.Header.Get("Message-Id"); id != lmail.MessageID(m.Key, "example.org") {
		t.Errorf("Message-ID = %q, want %q", id, lmail.MessageID(m.Key, "example.org"))
	}
}

func TestSendArabicTextOnly(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())

	m := lmail.Message{
		Key:     "reminder:7",
		To:      "Amira <amira@example.net>",
		Subject: "تذكير: مناوبتك غدًا",
		Text:    "مرحبا أميرة،\nمناوبتك تبدأ غدًا الساعة ٩.",
		Lang:    "ar",
	}
	send(t, s, m)

	r := srv.WaitFor(t, 1, 5*time.Second)[0]
	if len(r.To) != 1 || r.To[0] != "amira@example.net" {
		t.Errorf("envelope to = %q", r.To)
	}
	if r.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", r.Subject, m.Subject)
	}
	if strings.TrimRight(r.Text, "\n") != m.Text {
		t.Errorf("text = %q, want %q", r.Text, m.Text)
	}
	if r.HTML != "" {
		t.Errorf("unexpected HTML part %q", r.HTML)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type = %q, want text/plain", ct)
	}
	if v := r.Header.Get("Content-Language"); v != "ar" {
		t.Errorf("Content-Language = %q", v)
	}
}

func TestMessageIDFollowsKey(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())

	for _, key := range []string{"confirm:1", "confirm:1", "confirm:2"} {
		send(t, s, lmail.Message{Key: key, To: "a@example.net", Subject: "Hallo", Text: "x"})
	}
	got := srv.WaitFor(t, 3, 5*time.Second)
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.Header.Get("Message-Id")
	}
	shape := regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`)
	for _, id := range ids {
		if !shape.MatchString(id) {
			t.Errorf("Message-ID %q does not look like <32 hex digits@example.org>", id)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("resend of the same key got a new Message-ID: %q vs %q", ids[0], ids[1])
	}
	if ids[0] == ids[2] {
		t.Errorf("different keys share Message-ID %q", ids[0])
	}
}

func TestSendFailureClassification(t *testing.T) {
	tests := []struct {
		name      string
		fail      func(*mailtest.Server)
		code      int
		permanent bool
	}{
		{"RCPT 550", func(s *mailtest.Server) { s.FailNext(550) }, 550, true},
		{"RCPT 451", func(s *mailtest.Server) { s.FailNext(451) }, 451, false},
		{"DATA 554", func(s *mailtest.Server) { s.FailNextData(554) }, 554, true},
		{"DATA 452", func(s *mailtest.Server) { s.FailNextData(452) }, 452, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.NewServer(t)
			s := newSender(t, srv.URL())
			m := lmail.Message{
				Key:     "confirm:99",
				To:      "Secret.Person@example.net",
				Subject: "Betreff",
				Text:    "body-with-private-content",
			}

			tt.fail(srv)
			err := s.Send(context.Background(), m)
			if err == nil {
				t.Fatal("Send succeeded, want failure")
			}
			if got := lmail.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v (err: %v)", got, tt.permanent, err)
			}
			var se *lmail.SendError
			if !errors.As(err, &se) || se.Code != tt.code || se.Key != m.Key {
				t.Errorf("err = %#v, want *SendError with code %d and key %q", err, tt.code, m.Key)
			}
			msg := strings.ToLower(err.Error())
			for _, private := range []string{"secret.person", "body-with-private-content"} {
				if strings.Contains(msg, private) {
					t.Errorf("error %q leaks %q", err, private)
				}
			}
			if !strings.Contains(err.Error(), m.Key) || !strings.Contains(err.Error(), fmt.Sprint(tt.code)) {
				t.Errorf("error %q should name the key and the reply code", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages after rejecting", n)
			}

			// The failure is used up: a retry goes through.
			send(t, s, m)
			srv.WaitFor(t, 1, 5*time.Second)
		})
	}
}

func TestSendRejectsInvalidMessage(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())
	ok := lmail.Message{Key: "k:1", To: "a@example.net", Subject: "s", Text: "t", Lang: "de-AT"}

	tests := []struct {
		name string
		edit func(*lmail.Message)
	}{
		{"no address", func(m *lmail.Message) { m.To = "private-person" }},
		{"two addresses", func(m *lmail.Message) { m.To = "private-person@example.net, b@example.net" }},
		{"header injection", func(m *lmail.Message) { m.To = "private-person@example.net\r\nBcc: x@example.net" }},
		{"empty key", func(m *lmail.Message) { m.Key = "" }},
		{"empty subject", func(m *lmail.Message) { m.Subject = "" }},
		{"multi-line subject", func(m *lmail.Message) { m.Subject = "a\r\nBcc: x@example.net" }},
		{"empty text", func(m *lmail.Message) { m.Text = "" }},
		{"bad language", func(m *lmail.Message) { m.Lang = "de\r\nX: y" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.edit(&m)
			err := s.Send(context.Background(), m)
			if err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if !lmail.IsPermanent(err) {
				t.Errorf("IsPermanent = false for %v", err)
			}
			if strings.Contains(err.Error(), "private-person") {
				t.Errorf("error %q leaks the recipient", err)
			}
		})
	}
	send(t, s, ok)
	if got := srv.WaitFor(t, 1, 5*time.Second); len(got) != 1 {
		t.Errorf("server got %d messages, want only the valid one", len(got))
	}
}

func TestSendAuthenticates(t *testing.T) {
	srv := mailtest.NewServer(t)
	u := strings.Replace(srv.URL(), "smtp://", "smtp://lotse%40example.org:p%40ss%3Aword@", 1)
	cfg, err := lmail.ParseURL(u, from)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "lotse@example.org" || cfg.Password != "p@ss:word" {
		t.Fatalf("credentials not URL-decoded: %q %q", cfg.Username, cfg.Password)
	}
	s, err := lmail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	send(t, s, lmail.Message{Key: "k:auth", To: "a@example.net", Subject: "s", Text: "t"})
	if r := srv.WaitFor(t, 1, 5*time.Second)[0]; r.Username != "lotse@example.org" {
		t.Errorf("AUTH user = %q, want lotse@example.org", r.Username)
	}
}

func TestSendStartTLSIsMandatory(t *testing.T) {
	srv := mailtest.NewServer(t) // offers no STARTTLS
	s := newSender(t, strings.Replace(srv.URL(), "tls=none", "tls=starttls", 1))
	err := s.Send(context.Background(), lmail.Message{Key: "k:tls", To: "a@example.net", Subject: "s", Text: "t"})
	if err == nil {
		t.Fatal("Send without STARTTLS succeeded, want error")
	}
	if lmail.IsPermanent(err) {
		t.Errorf("missing STARTTLS is a server problem, want temporary: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("message sent in clear text despite tls=starttls")
	}
}

func TestSendConnectionRefusedIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	s := newSender(t, "smtp://"+addr+"?tls=none")
	err = s.Send(context.Background(), lmail.Message{Key: "k:down", To: "a@example.net", Subject: "s", Text: "t"})
	if err == nil || lmail.IsPermanent(err) {
		t.Fatalf("err = %v, want temporary error", err)
	}
	if !strings.Contains(err.Error(), "k:down") {
		t.Errorf("error %q does not name the key", err)
	}
}

// TestSendHonoursContext talks to a server that accepts and then says
// nothing; only the context can end the wait before go-mail's 15 s timeout.
func TestSendHonoursContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { // hold the connection silently until the client gives up
				defer wg.Done()
				defer c.Close()
				_, _ = c.Read(make([]byte, 1))
			}()
		}
	}()

	s := newSender(t, "smtp://"+l.Addr().String()+"?tls=none")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, lmail.Message{Key: "k:slow", To: "a@example.net", Subject: "s", Text: "t"})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Send took %v after the context expired", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || lmail.IsPermanent(err) {
		t.Errorf("err = %v, want temporary context.DeadlineExceeded", err)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	err = s.Send(cancelled, lmail.Message{Key: "k:slow", To: "a@example.net", Subject: "s", Text: "t"})
	if !errors.Is(err, context.Canceled) || lmail.IsPermanent(err) {
		t.Errorf("err = %v, want temporary context.Canceled", err)
	}
}

// TestSendImplicitTLSVerifiesCertificate offers a TLS listener with a
// self-signed certificate: the Sender must speak TLS from the first byte and
// refuse the unknown certificate rather than deliver anyway.
func TestSendImplicitTLSVerifiesCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	})
	if err != nil {
		t.Fatal(err)
	}
	handshakes := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		handshakes <- c.(*tls.Conn).Handshake()
	}()
	t.Cleanup(func() { l.Close() })

	s := newSender(t, "smtps://"+l.Addr().String())
	err = s.Send(context.Background(), lmail.Message{Key: "k:tls", To: "a@example.net", Subject: "s", Text: "t"})
	if err == nil || lmail.IsPermanent(err) {
		t.Fatalf("err = %v, want temporary certificate error", err)
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %v, want it to name the certificate problem", err)
	}
	select {
	case herr := <-handshakes:
		if herr == nil {
			t.Error("server side completed a handshake the client should have refused")
		}
	case <-time.After(5 * time.Second):
		t.Error("client never started a TLS handshake")
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Send(context.Background(), lmail.Message{
				Key: fmt.Sprintf("k:%d", i), To: fmt.Sprintf("v%d@example.net", i), Subject: "s", Text: "t",
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	srv.WaitFor(t, n, 5*time.Second)
}

func TestIsPermanentOtherErrors(t *testing.T) {
	if lmail.IsPermanent(nil) {
		t.Error("IsPermanent(nil) = true")
	}
	if lmail.IsPermanent(errors.New("boom")) {
		t.Error("IsPermanent(foreign error) = true")
	}
	wrapped := fmt.Errorf("outbox: %w", &lmail.SendError{Key: "k", Permanent: true})
	if !lmail.IsPermanent(wrapped) {
		t.Error("IsPermanent does not see through wrapping")
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want lmail.Config // From is filled in below
		err  string       // substring of the error; "" means success
	}{
		{url: "smtp://mail.example.org", want: lmail.Config{Host: "mail.example.org", Port: 587, TLS: "starttls"}},
		{url: "smtp://u:p@mail.example.org:2525?tls=starttls", want: lmail.Config{Host: "mail.example.org", Port: 2525, Username: "u", Password: "p", TLS: "starttls"}},
		{url: "smtp://mail.example.org?tls=tls", want: lmail.Config{Host: "mail.example.org", Port: 465, TLS: "tls"}},
		{url: "smtp://mail.example.org?tls=TLS", want: lmail.Config{Host: "mail.example.org", Port: 465, TLS: "tls"}},
		{url: "smtp://localhost?tls=none", want: lmail.Config{Host: "localhost", Port: 25, TLS: "none"}},
		{url: "smtps://user%40x.org:p%2Fw%20d@smtp.x.org", want: lmail.Config{Host: "smtp.x.org", Port: 465, Username: "user@x.org", Password: "p/w d", TLS: "tls"}},
		{url: "SMTPS://smtp.x.org:4650?tls=tls", want: lmail.Config{Host: "smtp.x.org", Port: 4650, TLS: "tls"}},
		{url: "smtp://[::1]:1025?tls=none", want: lmail.Config{Host: "::1", Port: 1025, TLS: "none"}},
		{url: "smtp://user@host/", want: lmail.Config{Host: "host", Port: 587, Username: "user", TLS: "starttls"}},

		{url: "", err: "missing scheme"},
		{url: "mail.example.org:587", err: "scheme"},
		{url: "http://mail.example.org", err: `scheme "http" not supported`},
		{url: "smtp://", err: "missing host"},
		{url: "smtp://:587", err: "missing host"},
		{url: "smtp:mail.example.org", err: "missing host"},
		{url: "smtp://host?tls=ssl", err: `tls="ssl"`},
		{url: "smtp://host?tls=", err: "tls="},
		{url: "smtp://host?tls=none&tls=tls", err: "more than once"},
		{url: "smtp://host?tsl=none", err: `unknown parameter "tsl"`},
		{url: "smtps://host?tls=none", err: "contradicts"},
		{url: "smtp://host:0", err: "out of range"},
		{url: "smtp://host:65536", err: "out of range"},
		{url: "smtp://host:abc", err: "invalid SMTP URL"},
		{url: "smtp://host/path", err: "path"},
		{url: "smtp://:secret@host", err: "password without user"},
		{url: "smtp://host%zz", err: "invalid SMTP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := lmail.ParseURL(tt.url, "noreply@example.org")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			tt.want.From = "noreply@example.org"
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseURLFrom(t *testing.T) {
	for _, good := range []string{"noreply@example.org", "Lotse Team <noreply@example.org>", "=?UTF-8?q?L=C3=B6tse?= <a@xn--ltse-5qa.de>"} {
		if _, err := lmail.ParseURL("smtp://host", good); err != nil {
			t.Errorf("From %q rejected: %v", good, err)
		}
	}
	for _, bad := range []string{"", "noreply", "noreply@", "a@b, c@d", "a@bücher.de"} {
		if _, err := lmail.ParseURL("smtp://host", bad); err == nil {
			t.Errorf("From %q accepted", bad)
		}
	}
}

func TestSecretsStayOutOfText(t *testing.T) {
	const pw = "hunter2-very-secret"
	for _, u := range []string{
		"smtp://u:" + pw + "@host:99999",
		"smtp://u:" + pw + "@host?tls=bogus",
		"smtp://u:" + pw + "@host%zz",
		"ftp://u:" + pw + "@host",
		"smtp://u:" + pw + "@host/x",
		"smtp://u:" + pw + "@ho st",
	} {
		_, err := lmail.ParseURL(u, "a@example.org")
		if err == nil {
			t.Errorf("%s: no error", u)
		} else if strings.Contains(err.Error(), pw) {
			t.Errorf("error %q contains the password", err)
		}
	}
	cfg, err := lmail.ParseURL("smtp://u:"+pw+"@host", "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg)} {
		if strings.Contains(s, pw) {
			t.Errorf("Config text %q contains the password", s)
		}
	}
}

func TestNewSenderChecksConfig(t *testing.T) {
	base := lmail.Config{Host: "localhost", From: "a@example.org"}
	s, err := lmail.NewSender(base) // port and TLS take defaults
	if err != nil || s == nil {
		t.Fatalf("NewSender(%+v) = %v", base, err)
	}
	for name, edit := range map[string]func(*lmail.Config){
		"no host":      func(c *lmail.Config) { c.Host = "" },
		"bad host":     func(c *lmail.Config) { c.Host = "a b" },
		"bad port":     func(c *lmail.Config) { c.Port = 70000 },
		"negative":     func(c *lmail.Config) { c.Port = -1 },
		"bad tls":      func(c *lmail.Config) { c.TLS = "ssl" },
		"no from":      func(c *lmail.Config) { c.From = "" },
		"bad from":     func(c *lmail.Config) { c.From = "nobody" },
		"pw, no user":  func(c *lmail.Config) { c.Password = "x" },
		"unicode from": func(c *lmail.Config) { c.From = "a@bücher.de" },
	} {
		cfg := base
		edit(&cfg)
		if _, err := lmail.NewSender(cfg); err == nil {
			t.Errorf("%s: NewSender(%+v) succeeded", name, cfg)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"smtp://mail.example.org",
		"smtp://u:p@host:2525?tls=starttls",
		"smtps://user%40x.org:p%2Fw@smtp.x.org",
		"smtp://[::1]:25?tls=none",
		"smtp://host:0",
		"smtp://:1",
		"smtp://host?tls=none&tls=tls",
		"smtp://%zz",
		"smtp:opaque",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, err := lmail.ParseURL(raw, "Lotse <noreply@example.org>")
		if err != nil {
			return
		}
		if cfg.Host == "" {
			t.Errorf("ParseURL(%q): empty host", raw)
		}
		if cfg.Port < 1 || cfg.Port > 65535 {
			t.Errorf("ParseURL(%q): port %d", raw, cfg.Port)
		}
		switch cfg.TLS {
		case lmail.TLSStartTLS, lmail.TLSImplicit, lmail.TLSNone:
		default:
			t.Errorf("ParseURL(%q): tls %q", raw, cfg.TLS)
		}
		if _, err := lmail.NewSender(cfg); err != nil {
			t.Errorf("ParseURL(%q) accepted a config NewSender rejects: %v", raw, err)
		}
	})
}

// TestSendAttachments: a plain file goes as an attachment of a
// multipart/mixed message; a bad attachment name is a permanent error found
// before any connection is made.
func TestSendAttachments(t *testing.T) {
	srv := mailtest.NewServer(t)
	s := newSender(t, srv.URL())
	m := lmail.Message{Key: "att:1", To: "a@example.net", Subject: "Anhang", Text: "Siehe Anhang.",
		Attachments: []lmail.Attachment{{Name: "liste.csv", ContentType: "text/csv", Data: []byte("a;b\n1;2\n")},
			{Name: "merkblatt.pdf", Data: []byte("%PDF-1.4")}}} // type from the extension
	send(t, s, m)
	r := srv.WaitFor(t, 1, 5*time.Second)[0]
	if len(r.Parts) != 3 || r.Parts[1].Filename != "liste.csv" || r.Parts[1].Disposition != "attachment" ||
		r.Parts[1].MediaType != "text/csv" || string(r.Parts[1].Data) != "a;b\n1;2\n" ||
		r.Parts[2].MediaType != "application/pdf" || r.Parts[2].Filename != "merkblatt.pdf" {
		t.Errorf("parts %+v", r.Parts)
	}
	if strings.TrimRight(r.Text, "\n") != m.Text {
		t.Errorf("text %q", r.Text)
	}

	for _, bad := range []lmail.Attachment{{Name: ""}, {Name: "../etc/passwd"}, {Name: "a\r\nb.txt"},
		{Name: "x.ics", ContentType: "text/calendar; method"}} {
		m.Attachments = []lmail.Attachment{bad}
		err := s.Send(context.Background(), m)
		if !lmail.IsPermanent(err) {
			t.Errorf("attachment %q (%q): %v, want a permanent error", bad.Name, bad.ContentType, err)
		}
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server got %d messages, want 1", got)
	}
}

// TestRedact: the exported Redact removes the address as the sender's errors do.
func TestRedact(t *testing.T) {
	got := lmail.Redact("550 <Anna.Berg@Example.net>: unknown user anna.berg\n", "anna.berg@example.net")
	if strings.Contains(strings.ToLower(got), "anna.berg") || strings.Contains(got, "\n") {
		t.Errorf("Redact = %q", got)
	}
}

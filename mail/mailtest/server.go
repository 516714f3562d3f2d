// Package mailtest runs an in-process SMTP server for tests, so code that sends
// mail can be tested against a real SMTP conversation instead of a mock.
//
//	srv := mailtest.NewServer(t)
//	cfg, _ := mail.ParseURL(srv.URL(), "noreply@example.org")
//	... send ...
//	got := srv.WaitFor(t, 1, 5*time.Second)
package mailtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To holds the envelope recipients (RCPT TO).
	To []string
	// Username is the user name given with AUTH PLAIN, "" without AUTH.
	Username string
	// Header is the parsed message header.
	Header mail.Header
	// Subject is the Subject header with RFC 2047 encoded words decoded.
	Subject string
	// Text is the first text/plain part (or the whole body if it is not
	// multipart), transfer-decoded, with CRLF line ends turned into LF.
	Text string
	// HTML is the first text/html part, decoded like Text; "" if none.
	HTML string
	// Parts holds every leaf part of the MIME tree in order, the text parts
	// included (a body that is not multipart is one part).
	Parts []Part
	// Raw is the message exactly as received in DATA.
	Raw []byte
}

// Part is one leaf of a received message's MIME tree.
type Part struct {
	// ContentType is the Content-Type header as sent, e.g.
	// `text/calendar; method=REQUEST; charset=UTF-8`.
	ContentType string
	// MediaType is ContentType's media type in lower case, e.g.
	// "text/calendar", and Params its parameters (keys in lower case).
	MediaType string
	Params    map[string]string
	// Disposition is "attachment", "inline" or "" (no Content-Disposition),
	// and Filename its filename parameter.
	Disposition, Filename string
	// Path lists the media types of the enclosing multiparts, outermost
	// first, e.g. ["multipart/mixed", "multipart/alternative"].
	Path []string
	// Data is the transfer-decoded content.
	Data []byte
}

// Server is an SMTP server on 127.0.0.1 without TLS. It accepts AUTH PLAIN
// with any credentials, or no AUTH at all, and keeps every message in memory.
type Server struct {
	addr string

	mu       sync.Mutex
	msgs     []Received
	arrived  chan struct{} // closed and replaced whenever a message arrives
	failRcpt failure
	failData failure
}

// failure is a planned rejection: code for the next times attempts, or for
// every attempt while times is negative.
type failure struct{ code, times int }

// shutdownTimeout bounds each step of stopping a Server at the end of a test,
// so a regression shows up as a failed test instead of a hung one.
const shutdownTimeout = 10 * time.Second

// NewServer starts a Server on a free port. When the test ends it closes every
// connection, waits (with a deadline) until all of the server's goroutines have
// returned, and fails the test if they do not.
func NewServer(t testing.TB) *Server {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	l := &listener{Listener: inner, conns: map[*conn]struct{}{}}
	s := &Server{addr: inner.Addr().String(), arrived: make(chan struct{})}

	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{srv: s}, nil
	}))
	srv.Domain = "mailtest.localhost"
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	// go-smtp logs client hang-ups to stderr; that is noise in test output, and
	// the test's own log must not be written to after the test has ended.
	srv.ErrorLog = log.New(io.Discard, "", 0)

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		// smtp.Server.Close is not enough on its own: it closes only the
		// listeners Serve has registered (a test that ends before the Serve
		// goroutine gets that far left Accept blocked and the cleanup waiting
		// forever) and only the connections whose goroutine has registered
		// them (one accepted a moment earlier was still greeted and served
		// after the test). Our listener closes both, whatever go-smtp knows.
		l.shutdown()
		select {
		case <-served:
		case <-time.After(shutdownTimeout):
			t.Errorf("mailtest: Serve still running %v after the test ended", shutdownTimeout)
			return
		}
		// Serve has returned, so no connection goroutine can start any more;
		// Shutdown waits for the running ones, which fail fast on their closed
		// connections.
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("mailtest: connections still being served %v after the test ended", shutdownTimeout)
		}
	})
	return s
}

// listener remembers every connection it hands to go-smtp, so shutdown can
// close them all, including those go-smtp has not registered yet.
type listener struct {
	net.Listener

	mu     sync.Mutex
	closed bool
	conns  map[*conn]struct{}
}

// Accept returns the next connection; after shutdown it closes any connection
// still arriving and returns net.ErrClosed, which ends Serve.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	tc := &conn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

// Close is shutdown; go-smtp calls it from Server.Close and Server.Shutdown.
func (l *listener) Close() error {
	l.shutdown()
	return nil
}

// shutdown stops accepting and closes every open connection. It is idempotent.
func (l *listener) shutdown() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	_ = l.Listener.Close()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

// conn forgets itself in its listener when closed.
type conn struct {
	net.Conn
	l *listener
}

func (c *conn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c) // a no-op on the nil map after shutdown
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// URL returns the server's address as an SMTP URL for mail.ParseURL.
func (s *Server) URL() string {
	return "smtp://" + s.addr + "?tls=none"
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor waits until at least n messages have arrived and returns all
// received so far. It fails the test if that takes longer than timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := append([]Received(nil), s.msgs...)
			s.mu.Unlock()
			return msgs
		}
		arrived, got := s.arrived, len(s.msgs)
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: got %d messages within %v, want at least %d", got, timeout, n)
			return nil
		}
	}
}

// FailNext makes the next RCPT TO be answered with code, e.g. 451 for a
// temporary or 550 for a permanent rejection. The reply text quotes the
// recipient, as real servers do, so tests can check that it is not leaked.
func (s *Server) FailNext(code int) { s.FailNextN(code, 1) }

// FailNextN makes the next n RCPT TO commands be answered with code, like
// FailNext; n < 0 fails every one until StopFailing.
func (s *Server) FailNextN(code, n int) {
	checkCode(code)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt = failure{code, n}
}

// StopFailing cancels planned failures of both kinds.
func (s *Server) StopFailing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt, s.failData = failure{}, failure{}
}

// FailNextData makes the reply to the next message's data (after the final
// ".") carry code instead of accepting it.
func (s *Server) FailNextData(code int) {
	checkCode(code)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = failure{code, 1}
}

func checkCode(code int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("mailtest: failure code %d is not a 4xx or 5xx SMTP code", code))
	}
}

// takeFailure returns the code of a planned failure, 0 if none, and counts it.
func (s *Server) takeFailure(f *failure) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.times == 0 {
		return 0
	}
	if f.times > 0 {
		f.times--
	}
	return f.code
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is one SMTP connection.
type session struct {
	srv      *Server
	username string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.username = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if code := ss.srv.takeFailure(&ss.srv.failRcpt); code != 0 {
		return &smtp.SMTPError{
			Code:         code,
			EnhancedCode: smtp.EnhancedCodeNotSet,
			Message:      fmt.Sprintf("<%s>: recipient rejected by mailtest.FailNext", to),
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if code := ss.srv.takeFailure(&ss.srv.failData); code != 0 {
		return &smtp.SMTPError{
			Code:         code,
			EnhancedCode: smtp.EnhancedCodeNotSet,
			Message:      "message rejected by mailtest.FailNextData",
		}
	}
	rec, err := parse(raw)
	if err != nil {
		// Rejecting makes a malformed message fail the sending test loudly.
		return &smtp.SMTPError{
			Code:         554,
			EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message:      "mailtest: cannot parse message: " + err.Error(),
		}
	}
	rec.From, rec.To, rec.Username = ss.from, append([]string(nil), ss.to...), ss.username
	ss.srv.add(rec)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse decodes the parts of raw that tests look at.
func parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	rec := Received{Header: msg.Header, Raw: raw}
	rec.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	err = walk(&rec, textproto.MIMEHeader(msg.Header), nil, msg.Body)
	return rec, err
}

// walk descends into multipart bodies, records every leaf part and keeps the
// first text/plain and text/html parts (not attachments) as Text and HTML.
func walk(rec *Received, h textproto.MIMEHeader, path []string, body io.Reader) error {
	contentType := h.Get("Content-Type")
	mediaType := "text/plain" // RFC 2045 default
	params := map[string]string{}
	if contentType != "" {
		var err error
		mediaType, params, err = mime.ParseMediaType(contentType)
		if err != nil {
			return fmt.Errorf("content type: %w", err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		inner := append(path[:len(path):len(path)], mediaType)
		for {
			// NextRawPart keeps Content-Transfer-Encoding for us to handle
			// uniformly; NextPart would decode quoted-printable silently.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := walk(rec, p.Header, inner, p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	part := Part{ContentType: contentType, MediaType: mediaType, Params: params, Path: path, Data: b}
	if cd := h.Get("Content-Disposition"); cd != "" {
		disp, dp, err := mime.ParseMediaType(cd)
		if err != nil {
			return fmt.Errorf("content disposition: %w", err)
		}
		part.Disposition, part.Filename = disp, dp["filename"]
	}
	rec.Parts = append(rec.Parts, part)
	if part.Disposition == "attachment" {
		return nil
	}
	switch {
	case mediaType == "text/plain" && rec.Text == "":
		rec.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
	case mediaType == "text/html" && rec.HTML == "":
		rec.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	return nil
}

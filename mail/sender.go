package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// timeout bounds connecting and every SMTP exchange of one delivery.
const timeout = 15 * time.Second

// Message is one mail as the outbox stores it.
type Message struct {
	// Key is the outbox idempotency key, e.g. "confirm:<volunteer id>". It
	// names the message in errors and determines its Message-ID.
	Key string
	// To is the single recipient address.
	To string
	// Subject is the subject line; any Unicode text, no line breaks.
	Subject string
	// Text is the plain-text body; required.
	Text string
	// HTML is an optional HTML alternative to Text.
	HTML string
	// Lang is the BCP 47 language tag of the content, e.g. "de" or "ar";
	// optional.
	Lang string
	// Attachments are files sent with the message; optional. A text/calendar
	// attachment is also sent as an alternative of the body, so that mail
	// clients show it as an invitation (see build).
	Attachments []Attachment
}

// Attachment is one file sent with a [Message].
type Attachment struct {
	// Name is the file name the reader sees, e.g. "termin.ics"; required, a
	// plain name without path or line breaks.
	Name string
	// ContentType is the MIME type, parameters allowed, e.g.
	// "text/calendar; method=REQUEST"; empty means one derived from Name's
	// extension (application/octet-stream if unknown).
	ContentType string
	// Data is the file's content.
	Data []byte
}

// Sender delivers messages over SMTP. It opens one connection per Send, so it
// holds no connection between calls and is safe for concurrent use.
type Sender struct {
	cfg      Config
	from     *mail.Address
	idDomain string
	tlsConf  *tls.Config
	opts     []gomail.Option
}

// NewSender checks cfg and returns a Sender for it. Port 0 and an empty TLS
// take their defaults as in [ParseURL]. No connection is made until Send.
func NewSender(cfg Config) (*Sender, error) {
	from, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	idDomain, _ := messageIDDomain(from.Address) // checked by normalize

	s := &Sender{
		cfg:      cfg,
		from:     from,
		idDomain: idDomain,
		tlsConf:  &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
	}
	s.opts = []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tlsConf),
	}
	switch cfg.TLS {
	case TLSNone:
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		// Mandatory: never fall back to sending credentials and addresses in clear.
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// Our own dialer does the TLS handshake (see dial); WithSSL keeps
		// go-mail from attempting STARTTLS on top of it.
		s.opts = append(s.opts, gomail.WithSSL())
	}
	if cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers; anything else falls back
		// to go-mail's auto-discovery. go-mail only sees our dialed connection
		// as unencrypted, and its plain SMTPAuthAutoDiscover would then rule out
		// PLAIN and LOGIN even on implicit TLS, hence the explicit preference.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if cfg.TLS == TLSNone {
			// The operator chose clear text; without the NOENC variants go-mail
			// would refuse to send the password to anything but localhost.
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		s.opts = append(s.opts,
			gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password),
		)
	}
	// Fail on a bad option now rather than on the first Send.
	if _, err := s.client(new(connBox)); err != nil {
		return nil, fmt.Errorf("mail: config: %v", err)
	}
	return s, nil
}

// client builds the go-mail client for one delivery. A fresh client per Send
// keeps go-mail's per-client state (auth selection, dial hook) out of the way
// of concurrent sends.
func (s *Sender) client(box *connBox) (*gomail.Client, error) {
	opts := append(s.opts[:len(s.opts):len(s.opts)], gomail.WithDialContextFunc(box.dialer(s.dial)))
	return gomail.NewClient(s.cfg.Host, opts...)
}

// dial opens the TCP connection, wrapped in TLS for TLSImplicit.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	if s.cfg.TLS == TLSImplicit {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConf}
		return td.DialContext(ctx, network, addr)
	}
	return d.DialContext(ctx, network, addr)
}

// connBox holds the connection of one Send so it can be closed from outside
// go-mail: on context cancellation (go-mail itself only watches the context
// while dialing) and after the delivery (go-mail leaves the connection open
// when the handshake fails).
type connBox struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

func (b *connBox) dialer(dial gomail.DialContextFunc) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.closed {
			_ = c.Close()
			return nil, net.ErrClosed
		}
		b.conn = c
		return c, nil
	}
}

func (b *connBox) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.conn != nil {
		_ = b.conn.Close()
	}
}

// Send delivers m in one SMTP transaction. On failure it returns a *SendError;
// [IsPermanent] tells whether retrying can help. A message the server accepted
// counts as sent even if the connection then fails to close cleanly, so the
// outbox does not send it twice.
func (s *Sender) Send(ctx context.Context, m Message) error {
	rcpt, raw, err := s.build(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Key: m.Key, stage: "connect", detail: err.Error(), err: err}
	}

	box := new(connBox)
	defer box.close()
	stop := context.AfterFunc(ctx, box.close)
	defer stop()

	client, err := s.client(box)
	if err != nil {
		return &SendError{Key: m.Key, stage: "connect", detail: err.Error()}
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// Handshake failures (refused, TLS, AUTH, even a 5xx to EHLO) concern
		// the server or our configuration, not this message: retry it rather
		// than give it up.
		e := s.fail(ctx, m.Key, "connect", err, rcpt)
		e.Permanent = false
		return e
	}
	if err := c.Mail(s.from.Address); err != nil {
		return s.fail(ctx, m.Key, "MAIL FROM", err, rcpt)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return s.fail(ctx, m.Key, "RCPT TO", err, rcpt)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, m.Key, "DATA", err, rcpt)
	}
	if _, err := w.Write(raw); err != nil {
		return s.fail(ctx, m.Key, "DATA", err, rcpt)
	}
	if err := w.Close(); err != nil {
		return s.fail(ctx, m.Key, "DATA", err, rcpt)
	}
	// Accepted. A failing QUIT must not turn this into a resend.
	_ = c.Quit()
	return nil
}

// langTag is the shape of a BCP 47 tag: subtags of 1 to 8 letters or digits.
var langTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// build checks m and renders it; it returns the bare recipient address and the
// message as sent in DATA. Rendering before dialing means a bad message never
// opens a connection.
func (s *Sender) build(m Message) (string, []byte, error) {
	invalid := func(what string) error {
		return &SendError{Key: m.Key, Permanent: true, stage: "validate", detail: what}
	}
	if m.Key == "" {
		return "", nil, invalid("empty key")
	}
	// ParseAddress's errors may quote the input, so they are not passed on.
	to, err := mail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(to.Address, "\r\n") {
		return "", nil, invalid("invalid recipient address")
	}
	if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
		return "", nil, invalid("subject empty or not a single line")
	}
	if m.Text == "" {
		return "", nil, invalid("empty text body")
	}
	if m.Lang != "" && !langTag.MatchString(m.Lang) {
		return "", nil, invalid(fmt.Sprintf("invalid language tag %q", m.Lang))
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(&mail.Address{Address: to.Address})
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(messageIDValue(m.Key, s.idDomain))
	msg.SetDate()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.Lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for i, a := range m.Attachments {
		if err := attach(msg, a); err != nil {
			return "", nil, invalid(fmt.Sprintf("attachment %d: %v", i+1, err))
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return "", nil, &SendError{Key: m.Key, Permanent: true, stage: "validate", detail: "render: " + err.Error()}
	}
	return to.Address, buf.Bytes(), nil
}

// attach adds a to msg. A calendar (text/calendar, e.g. with method=REQUEST)
// goes in twice, as invitations from Outlook and Gmail do: as the last
// alternative of the body, where Outlook, Gmail, Apple Mail and Thunderbird
// recognise an invitation and offer to accept it, and as an application/ics
// file, so that clients which ignore the alternative can still import it.
// The result is multipart/mixed{multipart/alternative{text, html, calendar},
// file}.
func attach(msg *gomail.Msg, a Attachment) error {
	if a.Name == "" || strings.ContainsAny(a.Name, "\r\n\"/\\") {
		return errors.New("name empty or not a plain file name")
	}
	ct := a.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(a.Name))
		if ct == "" {
			ct = "application/octet-stream"
		}
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type: %v", err)
	}
	if mediaType == "text/calendar" {
		// go-mail appends the charset itself.
		delete(params, "charset")
		msg.AddAlternativeString(gomail.ContentType(mime.FormatMediaType(mediaType, params)), string(a.Data))
		return msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType("application/ics"))
	}
	return msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(mime.FormatMediaType(mediaType, params))))
}

// MessageID returns the Message-ID header value, angle brackets included, for
// an outbox key and a sender domain: <first 32 hex digits of sha256(key)@domain>.
// A resend of the same outbox record carries the same Message-ID, so receivers
// can drop the duplicate.
func MessageID(key, domain string) string {
	return "<" + messageIDValue(key, domain) + ">"
}

// messageIDValue is MessageID without the angle brackets go-mail adds.
func messageIDValue(key, domain string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:32] + "@" + domain
}

// SendError is the error Send returns. Its text names the message by its Key
// only; server replies are shortened and stripped of the recipient address.
type SendError struct {
	// Key is the Key of the message that failed.
	Key string
	// Code is the SMTP reply code that caused the failure, 0 if there was none
	// (invalid message, network failure).
	Code int
	// Permanent reports that retrying cannot help: the server rejected the
	// message with a 5xx reply, or the message itself is invalid.
	Permanent bool

	stage  string
	detail string
	err    error // only causes that carry no personal data
}

// Error describes the failure without the recipient address or the body.
func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("mail: %s failure sending %q at %s: %s", kind, e.Key, e.stage, e.detail)
}

// Unwrap returns the underlying network or context error, if any, so that
// errors.Is(err, context.Canceled) works. SMTP replies are not exposed since
// their text may quote the recipient.
func (e *SendError) Unwrap() error { return e.err }

// IsPermanent reports whether err, as returned by [Sender.Send], means the
// message can never be delivered (5xx reply, invalid recipient or message), so
// the outbox should stop retrying. Any other error, including nil and errors
// not from this package, reports false.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// fail classifies err from stage of the SMTP transaction.
func (s *Sender) fail(ctx context.Context, key, stage string, err error, rcpt string) *SendError {
	if cerr := ctx.Err(); cerr != nil {
		// We closed the connection ourselves; the I/O error is only a symptom.
		return &SendError{Key: key, stage: stage, detail: cerr.Error(), err: cerr}
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return &SendError{
			Key:       key,
			Code:      reply.Code,
			Permanent: reply.Code >= 500 && reply.Code <= 599,
			stage:     stage,
			detail:    redact(fmt.Sprintf("%d %s", reply.Code, reply.Msg), rcpt),
		}
	}
	return &SendError{Key: key, stage: stage, detail: redact(err.Error(), rcpt), err: err}
}

// Redact returns text without the address rcpt (and its local part), without
// control characters and at most about 300 bytes long: what a caller may
// store or log of an error about a message to rcpt. Errors from [Sender.Send]
// are already redacted; this is for callers that keep other text too.
func Redact(text, rcpt string) string { return redact(text, rcpt) }

// redact removes rcpt (and its local part) from a server-supplied text, drops
// control characters and caps the length: the text ends up in the outbox and
// in logs.
func redact(text, rcpt string) string {
	const max = 300
	needles := []string{rcpt}
	if at := strings.LastIndexByte(rcpt, '@'); at >= 3 {
		needles = append(needles, rcpt[:at])
	}
	for _, n := range needles {
		if n == "" {
			continue
		}
		// Byte-wise scan with EqualFold on equal-length windows: unlike
		// searching a lowered copy, offsets cannot drift on non-ASCII text.
		var b strings.Builder
		i := 0
		for i+len(n) <= len(text) {
			if strings.EqualFold(text[i:i+len(n)], n) {
				b.WriteString("[recipient]")
				i += len(n)
				continue
			}
			b.WriteByte(text[i])
			i++
		}
		b.WriteString(text[i:])
		text = b.String()
	}
	text = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, text)
	if len(text) > max {
		cut := max
		for cut > 0 && !isRuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

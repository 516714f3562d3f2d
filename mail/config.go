// Package mail turns an outbox message into one SMTP delivery.
//
// The outbox (package store) owns queueing, retries and the log of what was
// sent; this package only knows how to hand a single [Message] to an SMTP
// server and how to tell the caller whether a failure is worth retrying
// ([IsPermanent]). It imports no other lotse package so it can be tested and
// reused on its own.
//
// Privacy: errors returned here are stored by the outbox and may be logged, so
// they name the message only by its Key and never carry the recipient address
// or the message body.
package mail

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Transport security modes accepted in [Config.TLS] and in the "tls" query
// parameter of an SMTP URL.
const (
	// TLSStartTLS connects in plain text and requires a STARTTLS upgrade before
	// anything else is sent (default port 587).
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, default port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts. Meant for a relay on the same host or a test
	// server; credentials then travel in clear text (default port 25).
	TLSNone = "none"
)

// Config says where and how to deliver mail.
type Config struct {
	// Host is the SMTP server's host name or IP address.
	Host string
	// Port is the TCP port; 0 means the default for TLS (587, 465 or 25).
	Port int
	// Username and Password are used for SMTP AUTH; no AUTH when Username is
	// empty.
	Username, Password string
	// TLS is one of TLSStartTLS, TLSImplicit or TLSNone; empty means
	// TLSStartTLS.
	TLS string
	// From is the sender address, optionally with a display name, e.g.
	// "Lotse <noreply@example.org>". Its domain also names the Message-IDs.
	From string
}

// String describes c without its password, so a Config that ends up in a log
// line does not leak the credential.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = ":***"
	}
	user := ""
	if c.Username != "" {
		user = c.Username + pw + "@"
	}
	return fmt.Sprintf("smtp://%s%s?tls=%s from=%s", user, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS, c.From)
}

// ParseURL builds a Config from an SMTP URL and a sender address:
//
//	smtp://user:pass@host:port?tls=starttls|tls|none
//	smtps://user:pass@host:port            (same as tls=tls)
//
// tls defaults to starttls for smtp:// and to tls for smtps://; the port
// defaults to 587, 465 or 25 for starttls, tls and none. User name and
// password are URL-decoded, so reserved characters must be percent-encoded.
// from is required and may include a display name.
//
// Errors never repeat the password.
func ParseURL(smtpURL, from string) (Config, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Config{}, fmt.Errorf("mail: invalid SMTP URL: %v", err)
	}

	var cfg Config
	switch u.Scheme {
	case "smtp":
		cfg.TLS = TLSStartTLS
	case "smtps":
		cfg.TLS = TLSImplicit
	case "":
		return Config{}, errors.New(`mail: invalid SMTP URL: missing scheme, want "smtp://" or "smtps://"`)
	default:
		return Config{}, fmt.Errorf(`mail: invalid SMTP URL: scheme %q not supported, want "smtp" or "smtps"`, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return Config{}, errors.New("mail: invalid SMTP URL: missing host")
	}
	if u.Path != "" && u.Path != "/" {
		return Config{}, errors.New("mail: invalid SMTP URL: unexpected path")
	}
	if u.Fragment != "" {
		return Config{}, errors.New("mail: invalid SMTP URL: unexpected fragment")
	}
	cfg.Host = u.Hostname()

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, errors.New("mail: invalid SMTP URL: malformed query")
	}
	for k := range q {
		if k != "tls" {
			// A typo like "tsl=none" would otherwise silently keep the default.
			return Config{}, fmt.Errorf("mail: invalid SMTP URL: unknown parameter %q", k)
		}
	}
	if vs, ok := q["tls"]; ok {
		if len(vs) != 1 {
			return Config{}, errors.New("mail: invalid SMTP URL: tls given more than once")
		}
		switch v := strings.ToLower(vs[0]); v {
		case TLSStartTLS, TLSImplicit, TLSNone:
			if u.Scheme == "smtps" && v != TLSImplicit {
				return Config{}, fmt.Errorf("mail: invalid SMTP URL: smtps:// contradicts tls=%s", v)
			}
			cfg.TLS = v
		default:
			return Config{}, fmt.Errorf("mail: invalid SMTP URL: tls=%q, want starttls, tls or none", vs[0])
		}
	}

	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("mail: invalid SMTP URL: port %q out of range 1..65535", p)
		}
		cfg.Port = n
	} else {
		cfg.Port = defaultPort(cfg.TLS)
	}

	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" && cfg.Password != "" {
			return Config{}, errors.New("mail: invalid SMTP URL: password without user name")
		}
	}

	cfg.From = from
	if _, err := cfg.normalize(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func defaultPort(tls string) int {
	switch tls {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	default:
		return 587
	}
}

// normalize fills in defaults and checks c; it returns the parsed From.
func (c *Config) normalize() (*mail.Address, error) {
	if c.Host == "" {
		return nil, errors.New("mail: config: missing host")
	}
	if strings.ContainsAny(c.Host, " \t\r\n/@") {
		return nil, errors.New("mail: config: invalid host")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("mail: config: tls=%q, want starttls, tls or none", c.TLS)
	}
	if c.Port == 0 {
		c.Port = defaultPort(c.TLS)
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, fmt.Errorf("mail: config: port %d out of range 1..65535", c.Port)
	}
	if c.Username == "" && c.Password != "" {
		return nil, errors.New("mail: config: password without user name")
	}
	if c.From == "" {
		return nil, errors.New("mail: config: missing From address")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("mail: config: invalid From address %q: %v", c.From, err)
	}
	if _, err := messageIDDomain(from.Address); err != nil {
		return nil, err
	}
	return from, nil
}

// messageIDDomain returns the domain of addr for use in a Message-ID, which
// must be ASCII (RFC 5322 msg-id).
func messageIDDomain(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return "", errors.New("mail: config: From address has no domain")
	}
	d := addr[at+1:]
	for _, r := range d {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '-' || r == '[' || r == ']' || r == ':'
		if !ok {
			return "", fmt.Errorf("mail: config: From domain %q must be ASCII (use its xn-- form)", d)
		}
	}
	return d, nil
}

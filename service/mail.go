package service

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	"text/template"
	"time"

	"lotse/domain"
	"lotse/mail"
	"lotse/store"
	"lotse/templates"
)

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
		tt, err := template.New(path.Base(f)).Funcs(template.FuncMap{"t": tf}).ParseFS(templates.FS, f)
		if err != nil {
			return nil, fmt.Errorf("service: mail template %s: %w", f, err)
		}
		ht, err := htmltemplate.New(name+".html").Funcs(htmltemplate.FuncMap{"t": tf}).ParseFS(templates.FS, "email/"+name+".html")
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
	_, err := s.queueMailOnce(ctx, tenant, key, to, lang, name, data)
	return err
}

// queueMailOnce is queueMail that reports whether the mail was queued now,
// false when its key was queued or sent before.
func (s *Service) queueMailOnce(ctx context.Context, tenant domain.ID, key, to, lang, name string, data map[string]any) (bool, error) {
	subject, text, html, err := s.mails.render(name, lang, data)
	if err != nil {
		return false, err
	}
	return s.Store.Enqueue(ctx, tenant, store.OutboxMessage{Key: key, To: to, Subject: subject, Text: text, HTML: html, Lang: lang})
}

// Outbox lists the tenant's pending mail for its admins.
func (s *Service) Outbox(ctx context.Context, sc domain.Scope) ([]store.OutboxMessage, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	return s.Store.Outbox(ctx, sc.Tenant)
}

// Mail delivery tuning: how long a dispatcher holds a message, how often it
// retries, and when it gives up.
const (
	mailClaim       = 2 * time.Minute
	mailMaxAttempts = 8
)

// DispatchOutbox sends due mail through sender and returns how many left. Each
// message is claimed first, so several replicas can dispatch at once; a message
// whose delivery crashed half-way is sent again after its claim expires, with the
// same Message-ID, so receivers can drop the duplicate.
func (s *Service) DispatchOutbox(ctx context.Context, sender *mail.Sender) (int, error) {
	due, err := s.Store.DueMail(ctx, 100)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		if err := s.Store.ClaimMail(ctx, m.Key, s.Now().Add(mailClaim)); err != nil {
			continue // another dispatcher has it
		}
		err := sender.Send(ctx, mail.Message{Key: m.Key, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Lang: m.Lang})
		switch {
		case err == nil:
			sent++
			if err := s.Store.MailSent(ctx, m); err != nil {
				return sent, err
			}
		case mail.IsPermanent(err) || m.Attempts+1 >= mailMaxAttempts:
			s.Log.Warn("mail given up", "key", m.Key, "attempts", m.Attempts+1, "err", err)
			if err := s.Store.MailFailed(ctx, m, err.Error()); err != nil {
				return sent, err
			}
		default:
			// Back off 1, 2, 4 … minutes.
			next := s.Now().Add(time.Minute << m.Attempts)
			s.Log.Warn("mail deferred", "key", m.Key, "attempts", m.Attempts+1, "err", err)
			if err := s.Store.MailRetry(ctx, m, next, err.Error()); err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

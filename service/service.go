// Package service holds Lotse's use cases: SignUp, ConfirmEmail, RegisterRequest
// and the rest. It is the only place that combines store, geo, mail and the
// message catalogs, so a rule lives in one place whether a person, an API client
// or the clock triggers it.
package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/store"
	"lotse/templates"
)

// Service is built once in cmd/lotse and shared by handlers and jobs.
type Service struct {
	Store   *store.Store
	Geo     *geo.Gazetteer
	T       *templates.Translator
	Log     *slog.Logger
	BaseURL string // absolute, without trailing slash; mailed links start with it
	// MailFrom is the sender of mails ("Name <address>"); calendar invitations
	// name its address as organizer.
	MailFrom string
	Secret   []byte // signs links; keyed hashes of IP addresses
	Now      func() time.Time
	// ReproposeDelay debounces matching runs after changes (see Repropose);
	// 0 runs them at once.
	ReproposeDelay time.Duration

	// Mail delivery (see DispatchOutbox); New sets the Default… values and
	// tests shorten them. A zero value also means the default.
	MailLease       time.Duration // how long a dispatcher holds a claimed message
	MailBackoff     time.Duration // delay after the first failed attempt, doubled per attempt
	MailBackoffMax  time.Duration // longest delay between attempts
	MailMaxAttempts int           // attempts before a message is marked failed
	MailWorkers     int           // deliveries one DispatchOutbox runs at once

	mails      *mailTemplates
	mailQueued chan struct{} // see MailQueued
	reproposer reproposer
	tenants    tenantCache
	// payoutPause, when set (tests), runs in CreatePayout after the claims
	// are marked paid: a stand-in for a very slow run.
	payoutPause func()
}

// New builds a Service and parses the mail templates (a broken one fails here).
func New(st *store.Store, g *geo.Gazetteer, t *templates.Translator, log *slog.Logger, baseURL string, secret []byte) (*Service, error) {
	m, err := parseMailTemplates(t)
	if err != nil {
		return nil, err
	}
	return &Service{
		Store: st, Geo: g, T: t, Log: log, BaseURL: baseURL, Secret: secret,
		Now: func() time.Time { return time.Now().UTC() }, ReproposeDelay: ReproposeDelay, mails: m,
		MailLease: DefaultMailLease, MailBackoff: DefaultMailBackoff, MailBackoffMax: DefaultMailBackoffMax,
		MailMaxAttempts: DefaultMailMaxAttempts, MailWorkers: DefaultMailWorkers,
		mailQueued: make(chan struct{}, 1),
	}, nil
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.Store.Ping(ctx) }

// keyedHash returns a short HMAC of v under purpose: used for rate-limit keys so
// no IP address is stored in clear.
func (s *Service) keyedHash(purpose, v string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(purpose + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// eachTenant runs fn for every tenant and adds up what it counts: the
// scheduled jobs work tenant by tenant. It stops at the first error, with the
// count so far.
func (s *Service) eachTenant(ctx context.Context, fn func(t *domain.Tenant) (int, error)) (int, error) {
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range tenants {
		n, err := fn(t)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

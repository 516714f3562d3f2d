// Package handlers serves Lotse's HTML pages and its JSON API with Gin: routing,
// sessions, CSRF, roles, languages, binding and rendering. It calls service for
// every use case and never touches the store directly.
package handlers

import (
	"log/slog"

	"lotse/service"
	"lotse/templates"
)

// Handler carries everything the routes need; cmd/lotse builds it.
type Handler struct {
	Svc     *service.Service
	T       *templates.Translator
	Log     *slog.Logger
	BaseURL string
	Secure  bool // cookies get the Secure flag (LOTSE_BASE_URL is https)
	// Proxies are the reverse proxies whose X-Forwarded-For is believed; without
	// them every client behind a proxy would share one rate-limit bucket.
	Proxies []string
	// Jobs is the scheduler behind /admin/jobs; nil lists stored runs only.
	Jobs JobRunner

	pages *pageSet
}

// New checks and parses every page template, so a broken template stops the start.
func New(svc *service.Service, t *templates.Translator, log *slog.Logger, baseURL string, secure bool) (*Handler, error) {
	p, err := parsePages(t)
	if err != nil {
		return nil, err
	}
	return &Handler{Svc: svc, T: t, Log: log, BaseURL: baseURL, Secure: secure, pages: p}, nil
}

package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"lotse/domain"
)

// Keys of values the middleware puts into the gin context.
const (
	ctxRequestID = "request_id"
	ctxLang      = "lang"
	ctxUser      = "user"
	ctxCSRF      = "csrf"
	ctxFlash     = "flash"
)

// Cookie names.
const (
	cookieLang    = "lotse_lang"
	cookieCSRF    = "lotse_csrf"
	cookieSession = "lotse_session"
)

// SessionUser is the signed-in staff user of a request.
type SessionUser struct {
	ID             domain.ID
	Email          string
	Role           domain.Role
	Tenant         domain.ID
	TenantName     string
	Municipalities []string
	SessionID      string // empty for API tokens
}

// Scope returns the store scope of the user.
func (u *SessionUser) Scope() domain.Scope {
	return domain.Scope{Tenant: u.Tenant, User: u.ID, Role: u.Role, Municipalities: u.Municipalities}
}

func sessionUser(c *gin.Context) *SessionUser {
	if u, ok := c.Get(ctxUser); ok {
		return u.(*SessionUser)
	}
	return nil
}

// requestID gives every request an ID for logs and error pages; an incoming
// X-Request-ID is kept only when it looks like one of ours.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// accessLog logs the route template, never the raw path or query, which may hold
// link tokens or search terms about people.
func (h *Handler) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(unmatched)"
	}
	h.Log.Info("http", "request_id", c.GetString(ctxRequestID), "method", c.Request.Method,
		"route", route, "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
}

// securityHeaders forbids framing, sniffing, inline scripts and third-party
// resources; pages work without JavaScript and load only our own assets.
func securityHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
	c.Next()
}

// locale picks the page language: ?lang= (remembered in a cookie), the cookie, the
// Accept-Language header, German.
func (h *Handler) locale(c *gin.Context) {
	lang := ""
	if q := c.Query("lang"); q != "" && h.T.Has(q) {
		lang = q
		h.setCookie(c, cookieLang, q, 365*24*time.Hour, false)
	} else if ck, err := c.Cookie(cookieLang); err == nil && h.T.Has(ck) {
		lang = ck
	} else {
		lang = h.matchAcceptLanguage(c.GetHeader("Accept-Language"))
	}
	c.Set(ctxLang, lang)
	c.Next()
}

func (h *Handler) matchAcceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return "de"
	}
	for _, t := range tags {
		base, _ := t.Base()
		if h.T.Has(base.String()) {
			return base.String()
		}
	}
	return "de"
}

func langOf(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	return "de"
}

// setCookie writes a cookie for the whole site: HttpOnly, SameSite=Lax, Secure
// behind https.
func (h *Handler) setCookie(c *gin.Context, name, value string, maxAge time.Duration, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: httpOnly, Secure: h.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// csrf issues a per-browser token in a cookie and, for unsafe methods on HTML
// routes, requires the same token in the form field "csrf" (double submit).
// SameSite=Lax already stops most cross-site posts; the token stops the rest.
func (h *Handler) csrf(c *gin.Context) {
	tok, err := c.Cookie(cookieCSRF)
	if err != nil || len(tok) != 43 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		tok = base64.RawURLEncoding.EncodeToString(b)
		h.setCookie(c, cookieCSRF, tok, 12*time.Hour, true)
		err = http.ErrNoCookie
	}
	c.Set(ctxCSRF, tok)
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	sent := c.PostForm("csrf")
	if err != nil || subtle.ConstantTimeCompare([]byte(sent), []byte(tok)) != 1 {
		c.Data(http.StatusForbidden, "text/plain; charset=utf-8", []byte(h.T.T(langOf(c), "error.csrf")))
		c.Abort()
		return
	}
	c.Next()
}

func csrfToken(c *gin.Context) string { return c.GetString(ctxCSRF) }

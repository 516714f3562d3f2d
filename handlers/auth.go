package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// authRoutes registers the login and logout pages on the HTML group (after the
// session and CSRF middleware).
func (h *Handler) authRoutes(r *gin.RouterGroup) {
	r.GET("/login", h.pageLoginNew)
	r.POST("/login", h.pageLoginCreate)
	r.POST("/logout", h.pageLogout)
}

// toSessionUser is what the rest of the handlers know of a signed-in user.
func toSessionUser(u *domain.User, t *domain.Tenant, sessionID string) *SessionUser {
	return &SessionUser{
		ID: u.ID, Email: u.Email, Role: u.Role, Tenant: u.Tenant, TenantName: t.Name,
		Municipalities: u.Municipalities, SessionID: sessionID,
	}
}

// session loads the user of the session cookie, if any, into the context. An
// unknown or expired session is removed from the browser and the request goes on
// anonymously; requirePage decides whether that is enough.
func (h *Handler) session(c *gin.Context) {
	u, ok := h.sessionFromCookie(c)
	if !ok {
		return // answered with an error page
	}
	if u != nil {
		c.Set(ctxUser, u)
	}
	c.Next()
}

// sessionFromCookie returns the session's user, or nil for none. ok is false when
// the lookup failed and the request was answered with an error.
func (h *Handler) sessionFromCookie(c *gin.Context) (*SessionUser, bool) {
	token, err := c.Cookie(cookieSession)
	if err != nil || token == "" {
		return nil, true
	}
	u, t, err := h.Svc.SessionUser(c.Request.Context(), token)
	switch {
	case errors.Is(err, domain.ErrUnauthorized):
		h.clearCookie(c, cookieSession)
		return nil, true
	case err != nil:
		h.fail(c, err)
		return nil, false
	}
	return toSessionUser(u, t, service.TokenHash(token)), true
}

// apiAuth authenticates API requests by "Authorization: Bearer <token>" or, for
// the browser's own pages, the session cookie. A bearer header that is present
// but wrong is refused at once rather than treated as anonymous, so a client with
// a revoked token gets a clear 401.
func (h *Handler) apiAuth(c *gin.Context) {
	if hdr := c.GetHeader("Authorization"); hdr != "" {
		scheme, token, _ := strings.Cut(hdr, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			h.apiUnauthorized(c)
			return
		}
		u, t, err := h.Svc.UserForToken(c.Request.Context(), strings.TrimSpace(token))
		if errors.Is(err, domain.ErrUnauthorized) {
			h.apiUnauthorized(c)
			return
		}
		if err != nil {
			h.apiError(c, err)
			return
		}
		c.Set(ctxUser, toSessionUser(u, t, ""))
		c.Next()
		return
	}
	token, err := c.Cookie(cookieSession)
	if err == nil && token != "" {
		u, t, err := h.Svc.SessionUser(c.Request.Context(), token)
		switch {
		case err == nil:
			c.Set(ctxUser, toSessionUser(u, t, service.TokenHash(token)))
		case !errors.Is(err, domain.ErrUnauthorized):
			h.apiError(c, err)
			return
		}
	}
	c.Next()
}

func (h *Handler) apiUnauthorized(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer realm="lotse"`)
	h.apiError(c, domain.ErrUnauthorized)
}

// requirePage lets signed-in users with one of roles through. Anonymous visitors
// are sent to the login page, which brings them back afterwards; other roles see
// a 403 page.
func (h *Handler) requirePage(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := sessionUser(c)
		if u == nil {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if !slices.Contains(roles, u.Role) {
			h.pageError(c, domain.ErrForbidden)
			return
		}
		c.Next()
	}
}

// requireAPI lets authenticated clients with one of roles through: 401 without
// credentials, 403 for other roles, both as problem+json.
func (h *Handler) requireAPI(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := sessionUser(c)
		if u == nil {
			h.apiUnauthorized(c)
			return
		}
		if !slices.Contains(roles, u.Role) {
			h.apiError(c, domain.ErrForbidden)
			return
		}
		c.Next()
	}
}

type loginPage struct {
	Email   string
	Next    string
	Message string // message key of a failed attempt
}

// safeNext returns next if it is a path on this site, else "/". Only paths
// starting with one "/" qualify: "//host" and "/\host" are read by browsers as
// another host, and a scheme or control characters have no business here.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func (h *Handler) pageLoginNew(c *gin.Context) {
	next := safeNext(c.Query("next"))
	if sessionUser(c) != nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	h.render(c, http.StatusOK, "login", h.T.T(langOf(c), "login.title"), loginPage{Next: next}, nil)
}

func (h *Handler) pageLoginCreate(c *gin.Context) {
	page := loginPage{Email: strings.TrimSpace(c.PostForm("email")), Next: safeNext(c.PostForm("next"))}
	password := c.PostForm("password")
	title := h.T.T(langOf(c), "login.title")
	fe := domain.FieldErrors{}
	if page.Email == "" {
		fe.Add("email", "field.required")
	}
	if password == "" {
		fe.Add("password", "field.required")
	}
	if len(fe) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "login", title, page, fe)
		return
	}
	token, _, err := h.Svc.Login(c.Request.Context(), page.Email, password, c.ClientIP())
	switch code := domain.ErrorCode(err); code {
	case "":
		// A fresh session token on every login (no fixation); drop the CSRF
		// token of the anonymous visit so the signed-in pages get a new one.
		// No Max-Age: the cookie ends with the browser, the server ends the
		// session after SessionTTL without activity (it slides, the cookie
		// could not without being rewritten on every request).
		h.setCookie(c, cookieSession, token, 0, true)
		h.clearCookie(c, cookieCSRF)
		c.Redirect(http.StatusSeeOther, page.Next)
	case domain.EUnauthorized, domain.ETooMany:
		var de *domain.Error
		errors.As(err, &de)
		page.Message = de.Key
		if code == domain.ETooMany {
			c.Header("Retry-After", "900")
		}
		h.render(c, statusOf[code], "login", title, page, nil)
	default:
		h.pageError(c, err)
	}
}

func (h *Handler) pageLogout(c *gin.Context) {
	if token, err := c.Cookie(cookieSession); err == nil && token != "" {
		if err := h.Svc.Logout(c.Request.Context(), token); err != nil {
			h.pageError(c, err)
			return
		}
	}
	h.clearCookie(c, cookieSession)
	h.clearCookie(c, cookieCSRF)
	c.Redirect(http.StatusSeeOther, "/")
}

// clearCookie tells the browser to delete a cookie set by setCookie.
func (h *Handler) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode,
	})
}

package handlers

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/templates"
)

// Router builds the Gin engine with all routes and middleware in the order
// STYLE.md gives: recovery, request ID, access log, security headers, locale,
// session, CSRF, tenant scope, role check.
func (h *Handler) Router() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	// Trust proxy headers only from configured proxies: otherwise any client could
	// pick its own IP address in X-Forwarded-For and dodge the per-IP rate limits.
	// config.Load has validated the list.
	_ = r.SetTrustedProxies(h.Proxies)
	r.Use(gin.CustomRecovery(func(c *gin.Context, rec any) {
		h.Log.Error("panic", "request_id", c.GetString(ctxRequestID), "route", c.FullPath(), "panic", rec)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	r.Use(requestID, h.accessLog, securityHeaders, h.locale)

	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	static, _ := fs.Sub(templates.FS, "static")
	r.StaticFS("/static", http.FS(static))

	h.routes(r)
	r.NoRoute(func(c *gin.Context) {
		if len(c.Request.URL.Path) >= 5 && c.Request.URL.Path[:5] == "/api/" {
			h.apiError(c, errNotFound)
			return
		}
		h.pageError(c, errNotFound)
	})
	return r
}

// healthz says the process is up; it touches nothing else.
func (h *Handler) healthz(c *gin.Context) { c.String(http.StatusOK, "ok") }

// readyz says whether the database answers.
func (h *Handler) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.Svc.Ready(ctx); err != nil {
		h.Log.Warn("not ready", "err", err)
		c.String(http.StatusServiceUnavailable, "database unavailable")
		return
	}
	c.String(http.StatusOK, "ready")
}

package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"lotse/domain"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	domain.EInvalid:      http.StatusUnprocessableEntity,
	domain.ENotFound:     http.StatusNotFound,
	domain.EConflict:     http.StatusConflict,
	domain.EForbidden:    http.StatusForbidden,
	domain.EUnauthorized: http.StatusUnauthorized,
	domain.ETooMany:      http.StatusTooManyRequests,
	domain.EInternal:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem document; Errors lists field failures.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one field's failure: a stable code and a message in the
// request's language.
type FieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError answers err as application/problem+json. Internal errors are logged
// once and shown only as a generic message with the request ID.
func (h *Handler) apiError(c *gin.Context, err error) {
	code := domain.ErrorCode(err)
	status := statusOf[code]
	lang := langOf(c)
	p := Problem{Type: "about:blank", Status: status, Instance: c.GetString(ctxRequestID)}
	var de *domain.Error
	if code == domain.EInternal || !errors.As(err, &de) {
		h.Log.Error("request failed", "request_id", c.GetString(ctxRequestID), "route", c.FullPath(), "err", err)
		p.Title = h.T.T(lang, "error.internal")
	} else {
		p.Title = h.T.T(lang, de.Key)
		fe := domain.FieldErrors(de.Fields)
		for _, f := range fe.Names() {
			p.Errors = append(p.Errors, FieldProblem{Field: f, Code: fe[f], Message: h.T.T(lang, fe[f])})
		}
	}
	if status == http.StatusTooManyRequests {
		c.Header("Retry-After", "60")
	}
	h.problem(c, p)
}

func (h *Handler) problem(c *gin.Context, p Problem) {
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.JSON(p.Status, p)
	c.Abort()
}

// badJSON answers a body that is not valid JSON for the endpoint.
func (h *Handler) badJSON(c *gin.Context) {
	h.problem(c, Problem{Type: "about:blank", Status: http.StatusBadRequest,
		Title: h.T.T(langOf(c), "error.bad_json"), Instance: c.GetString(ctxRequestID)})
}

// pageError shows an error page in the user's language; EInvalid is handled by
// the form's own re-render before this is reached.
func (h *Handler) pageError(c *gin.Context, err error) {
	code := domain.ErrorCode(err)
	if code == domain.EInternal {
		h.fail(c, err)
		return
	}
	if code == domain.EUnauthorized {
		c.Redirect(http.StatusSeeOther, "/login?next="+c.Request.URL.Path)
		c.Abort()
		return
	}
	key := "error." + code
	var de *domain.Error
	if errors.As(err, &de) && de.Key != "" {
		key = de.Key
	}
	h.render(c, statusOf[code], "error", h.T.T(langOf(c), "error.title"), map[string]string{"Key": key}, nil)
	c.Abort()
}

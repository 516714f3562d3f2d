package handlers

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/store"
)

// outboxPage is the admin's view of the unsent mail.
type outboxPage struct {
	Rows []outboxRow
	Done string // message key after a successful resend, or ""
}

// outboxRow is one message as the page shows it. Times are Berlin time.
type outboxRow struct {
	Key, To, Subject, Text string
	Status                 string // store.OutboxPending, OutboxSending or OutboxFailed
	Attempts               int
	Created                string
	NextAttempt            string // pending: when it is tried next
	ClaimedUntil           string // sending: until when its dispatcher holds it
	FailedAt               string // failed: when it was given up
	LastError              string // as stored: without the recipient's address
	Attachments            []string
	ResendURL              string // failed only: where the resend form posts to
}

// outboxRows turns the outbox into page rows.
func outboxRows(msgs []store.OutboxMessage) []outboxRow {
	rows := make([]outboxRow, 0, len(msgs))
	for _, m := range msgs {
		r := outboxRow{
			Key: m.Key, To: m.To, Subject: m.Subject, Text: m.Text, Status: m.Status, Attempts: m.Attempts,
			Created: requestTime(m.CreatedAt), LastError: m.LastError,
		}
		for _, a := range m.Attachments {
			r.Attachments = append(r.Attachments, a.Name)
		}
		switch m.Status {
		case store.OutboxFailed:
			r.FailedAt = requestTime(m.FailedAt)
			// Keys hold no "/" (they are "kind:id:…"); PathEscape keeps any
			// other reserved character from changing the route.
			r.ResendURL = "/admin/outbox/" + url.PathEscape(m.Key) + "/resend"
		case store.OutboxSending:
			r.ClaimedUntil = requestTime(m.ClaimedUntil)
		default:
			r.NextAttempt = requestTime(m.NextAttemptAt)
		}
		rows = append(rows, r)
	}
	return rows
}

// pageOutbox shows the tenant's unsent mail to its admins: pending, being
// sent and failed, with attempts and the last error, and a resend form for
// each failed message.
func (h *Handler) pageOutbox(c *gin.Context) {
	msgs, err := h.Svc.Outbox(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.pageError(c, err)
		return
	}
	p := outboxPage{Rows: outboxRows(msgs)}
	if c.Query("done") == "resent" {
		p.Done = "outbox.resent"
	}
	h.render(c, http.StatusOK, "outbox", h.T.T(langOf(c), "outbox.title"), p, nil)
}

// pageOutboxResend sends a failed message again. A message that is no longer
// failed (another admin was quicker, or it has been sent) leads back to the
// outbox as well: what the admin wanted has happened.
func (h *Handler) pageOutboxResend(c *gin.Context) {
	err := h.Svc.ResendMail(c.Request.Context(), sessionUser(c).Scope(), c.Param("key"))
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/admin/outbox?done=resent")
	case domain.EConflict:
		c.Redirect(http.StatusSeeOther, "/admin/outbox")
	default:
		h.pageError(c, err)
	}
}

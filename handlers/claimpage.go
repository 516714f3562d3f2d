package handlers

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// claimPageRoutes registers the claims review page for the people who sign
// claims off.
func (h *Handler) claimPageRoutes(pages *gin.RouterGroup) {
	money := pages.Group("/", h.requirePage(domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAccountant))
	money.GET("/claims", h.pageClaimList)
	money.POST("/claims/:id/check", h.pageClaimStep(func(ctx context.Context, sc domain.Scope, id domain.ID, _ string) (*domain.Claim, error) {
		return h.Svc.CheckClaim(ctx, sc, id)
	}))
	money.POST("/claims/:id/release", h.pageClaimStep(func(ctx context.Context, sc domain.Scope, id domain.ID, _ string) (*domain.Claim, error) {
		return h.Svc.ReleaseClaim(ctx, sc, id)
	}))
	money.POST("/claims/:id/reject", h.pageClaimStep(h.Svc.RejectClaim))
	money.POST("/claims/:id/reverse", h.pageClaimStep(h.Svc.ReverseClaim))
}

// claimListPage is the review list: open claims first (the filter), each
// with the reader's possible steps.
type claimListPage struct {
	Rows   []claimRow
	Filter string // "open" (submitted and checked) or "all"
	Alert  string // message key of a refused step
	Failed string // hex ID of the claim the refused step named
	Done   string // flash message key
}

type claimRow struct {
	service.ClaimRow
	ID        string
	Amount    string
	Submitted string
	Trips     []claimTripRow
	DTickets  []dticketRow
}

type claimTripRow struct {
	domain.ClaimTrip
	Km, Amount string
	Fare       string // public transport and Deutschlandticket: the ticket or single fare
}

// dticketRow is a Deutschlandticket a claim refunds.
type dticketRow struct{ Month, Fares, Amount string }

// dticketRows lists a claim's Deutschlandtickets for the pages: "11/2026".
func dticketRows(ds []domain.ClaimDTicket) []dticketRow {
	var out []dticketRow
	for _, d := range ds {
		month := d.Month
		if y, m, ok := strings.Cut(d.Month, "-"); ok {
			month = m + "/" + y
		}
		out = append(out, dticketRow{Month: month, Fares: accounting.Money(d.FaresCents).String(), Amount: accounting.Money(d.AmountCents).String()})
	}
	return out
}

func claimRows(rows []service.ClaimRow, filter string) []claimRow {
	out := make([]claimRow, 0, len(rows))
	for _, r := range rows {
		c := r.Claim
		if filter != "all" && c.Status != domain.ClaimSubmitted && c.Status != domain.ClaimChecked {
			continue
		}
		row := claimRow{ClaimRow: r, ID: c.ID.Hex(), Amount: accounting.Money(c.AmountCents).String(),
			Submitted: requestTime(c.SubmittedAt)}
		for _, t := range c.Trips {
			row.Trips = append(row.Trips, claimTripRow{ClaimTrip: t, Km: accounting.Distance(t.Metres).String(),
				Amount: accounting.Money(t.AmountCents).String(), Fare: fareOf(t)})
		}
		row.DTickets = dticketRows(c.DTickets)
		out = append(out, row)
	}
	return out
}

func (h *Handler) pageClaimList(c *gin.Context) {
	done := ""
	if d := c.Query("done"); d != "" {
		done = "claims.done." + d
		if !h.T.HasKey(done) {
			done = ""
		}
	}
	h.showClaims(c, http.StatusOK, "", "", nil, done)
}

func (h *Handler) showClaims(c *gin.Context, status int, alert, failed string, errs map[string]string, done string) {
	rows, err := h.Svc.ClaimReview(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.pageError(c, err)
		return
	}
	filter := "open"
	if c.Query("filter") == "all" {
		filter = "all"
	}
	h.render(c, status, "claim_list", h.T.T(langOf(c), "claims.title"),
		claimListPage{Rows: claimRows(rows, filter), Filter: filter, Alert: alert, Failed: failed, Done: done}, errs)
}

// pageClaimStep runs one review step from the list's forms and goes back to
// the list; a refused step shows the list as it is now with the reason.
func (h *Handler) pageClaimStep(fn func(context.Context, domain.Scope, domain.ID, string) (*domain.Claim, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := domain.ParseID(c.Param("id"))
		if err != nil {
			h.pageError(c, err)
			return
		}
		_, err = fn(c.Request.Context(), sessionUser(c).Scope(), id, c.PostForm("reason"))
		var de *domain.Error
		switch code := domain.ErrorCode(err); {
		case err == nil:
			c.Redirect(http.StatusSeeOther, "/claims?done="+path.Base(c.FullPath())+"#claim-"+id.Hex())
		case code == domain.EInvalid:
			h.showClaims(c, http.StatusUnprocessableEntity, "", id.Hex(), domain.FieldsOf(err), "")
		case code == domain.EConflict && errors.As(err, &de):
			h.showClaims(c, http.StatusConflict, de.Key, id.Hex(), nil, "")
		default:
			h.pageError(c, err)
		}
	}
}

// fieldTarget sends a refused reason to the form of the claim in question.
func (p claimListPage) fieldTarget(field, id string) string {
	if field == "reason" && p.Failed != "" {
		return "f-reason-" + p.Failed
	}
	return id
}

// fareOf shows a trip's ticket: the price paid, or for a Deutschlandticket
// trip the single fare it saved; "" for other trips.
func fareOf(t domain.ClaimTrip) string {
	if t.TicketCents == 0 {
		return ""
	}
	return accounting.Money(t.TicketCents).String()
}

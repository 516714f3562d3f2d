package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// claimRoutes registers the claims API for the people who sign claims off:
// accountants, admins and coordinators (each within domain.MayCheck).
func (h *Handler) claimRoutes(api *gin.RouterGroup) {
	money := api.Group("/", h.apiAuth, h.requireAPI(domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAccountant))
	money.GET("/claims", h.apiClaimList)
	money.POST("/claims/:id/check", h.apiClaimCheck)
	money.POST("/claims/:id/release", h.apiClaimRelease)
	money.POST("/claims/:id/reject", h.apiClaimReject)
	money.POST("/claims/:id/reverse", h.apiClaimReverse)
	money.POST("/allowances", h.apiAllowanceCreate)
}

// allowanceJSON is the body of POST /api/v1/allowances; amounts as decimal
// strings ("40,00" or "40.00").
type allowanceJSON struct {
	Volunteer         string `json:"volunteer"`
	Basis             string `json:"basis"`
	Year              int    `json:"year"`
	Amount            string `json:"amount"`
	DeclaredElsewhere string `json:"declared_elsewhere"`
	Override          string `json:"override"`
	Note              string `json:"note"`
}

// allowanceResultJSON is the stored allowance and the yearly limit check.
type allowanceResultJSON struct {
	Claim          claimJSON `json:"claim"`
	Status         string    `json:"limit_status"` // ok, warn (from 80 %), blocked (paid with an accountant's reason)
	LimitCents     int64     `json:"limit_cents"`
	UsedCents      int64     `json:"used_cents"`
	RemainingCents int64     `json:"remaining_cents"`
	Percent        int       `json:"percent"`
}

func (h *Handler) apiAllowanceCreate(c *gin.Context) {
	var in allowanceJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	vid, err := domain.ParseID(in.Volunteer)
	if err != nil {
		fe := domain.FieldErrors{}
		fe.Add("volunteer", "field.required")
		h.apiError(c, fe.Err())
		return
	}
	res, err := h.Svc.RecordAllowance(c.Request.Context(), sessionUser(c).Scope(), service.AllowanceInput{Volunteer: vid,
		Basis: in.Basis, Year: in.Year, Amount: in.Amount, DeclaredElsewhere: in.DeclaredElsewhere, Override: in.Override, Note: in.Note})
	if err != nil {
		h.apiError(c, err)
		return
	}
	ch := res.Check
	c.JSON(http.StatusCreated, allowanceResultJSON{Claim: toClaimJSON(res.Claim), Status: string(ch.Status),
		LimitCents: int64(ch.Limit), UsedCents: int64(ch.Used), RemainingCents: int64(ch.Remaining), Percent: ch.Percent})
}

// claimJSON is a claim in the API; amounts are integer cents.
type claimJSON struct {
	ID             string             `json:"id"`
	Volunteer      string             `json:"volunteer"`
	Request        string             `json:"request"`
	Municipality   string             `json:"municipality"`
	Kind           string             `json:"kind"`
	Trips          []claimTripJSON    `json:"trips"`
	DTickets       []claimDTicketJSON `json:"dtickets"`
	AllowanceBasis string             `json:"allowance_basis,omitempty"`
	AllowanceYear  int                `json:"allowance_year,omitempty"`
	AmountCents    int64              `json:"amount_cents"`
	Status         string             `json:"status"`
	SubmittedAt    time.Time          `json:"submitted_at"`
	CheckedBy      string             `json:"checked_by,omitempty"`
	CheckedAt      *time.Time         `json:"checked_at,omitempty"`
	ReleasedBy     string             `json:"released_by,omitempty"`
	ReleasedAt     *time.Time         `json:"released_at,omitempty"`
	RejectReason   string             `json:"reject_reason,omitempty"`
	ReversalOf     string             `json:"reversal_of,omitempty"`
	ReversedBy     string             `json:"reversed_by,omitempty"`
}

// claimDTicketJSON is a Deutschlandticket the claim refunds.
type claimDTicketJSON struct {
	Month       string `json:"month"` // YYYY-MM
	FaresCents  int64  `json:"fares_cents"`
	AmountCents int64  `json:"amount_cents"`
}

// claimTripJSON is one trip of a travel claim.
type claimTripJSON struct {
	Date        string `json:"date"`
	From        string `json:"from"`
	To          string `json:"to"`
	Metres      int64  `json:"metres"`
	Mode        string `json:"mode"`
	Passengers  int    `json:"passengers"`
	TicketCents int64  `json:"ticket_cents"`
	Purpose     string `json:"purpose"`
	Table       string `json:"table"`
	AmountCents int64  `json:"amount_cents"`
	Capped      bool   `json:"capped"`
	Detour      bool   `json:"detour"`
}

// claimListJSON is the answer of GET /api/v1/claims.
type claimListJSON struct {
	Items []claimJSON `json:"items"`
}

// claimReasonJSON is the body of a rejection or reversal.
type claimReasonJSON struct {
	Reason string `json:"reason"`
}

func hexOrEmpty(id domain.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.Hex()
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toClaimJSON(c *domain.Claim) claimJSON {
	j := claimJSON{ID: c.ID.Hex(), Volunteer: c.Volunteer.Hex(), Request: hexOrEmpty(c.Request), Municipality: c.Municipality,
		Kind: string(c.Kind), Trips: []claimTripJSON{}, DTickets: []claimDTicketJSON{}, AllowanceBasis: c.AllowanceBasis, AllowanceYear: c.AllowanceYear,
		AmountCents: c.AmountCents, Status: string(c.Status), SubmittedAt: c.SubmittedAt,
		CheckedBy: hexOrEmpty(c.CheckedBy), CheckedAt: timeOrNil(c.CheckedAt), ReleasedBy: hexOrEmpty(c.ReleasedBy),
		ReleasedAt: timeOrNil(c.ReleasedAt), RejectReason: c.RejectReason, ReversalOf: hexOrEmpty(c.ReversalOf),
		ReversedBy: hexOrEmpty(c.ReversedBy)}
	for _, t := range c.Trips {
		j.Trips = append(j.Trips, claimTripJSON{Date: t.Date, From: t.From, To: t.To, Metres: t.Metres, Mode: t.Mode,
			Passengers: t.Passengers, TicketCents: t.TicketCents, Purpose: t.Purpose, Table: t.Table,
			AmountCents: t.AmountCents, Capped: t.Capped, Detour: t.Detour})
	}
	for _, d := range c.DTickets {
		j.DTickets = append(j.DTickets, claimDTicketJSON(d))
	}
	return j
}

func (h *Handler) apiClaimList(c *gin.Context) {
	cs, err := h.Svc.Claims(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := claimListJSON{Items: make([]claimJSON, 0, len(cs))}
	for _, cl := range cs {
		out.Items = append(out.Items, toClaimJSON(cl))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) apiClaimCheck(c *gin.Context)   { apiOnID(h, c, h.Svc.CheckClaim, toClaimJSON) }
func (h *Handler) apiClaimRelease(c *gin.Context) { apiOnID(h, c, h.Svc.ReleaseClaim, toClaimJSON) }
func (h *Handler) apiClaimReject(c *gin.Context)  { h.apiClaimWithReason(c, h.Svc.RejectClaim) }
func (h *Handler) apiClaimReverse(c *gin.Context) { h.apiClaimWithReason(c, h.Svc.ReverseClaim) }

// apiClaimWithReason runs a claim step that takes a reason from the body.
func (h *Handler) apiClaimWithReason(c *gin.Context, fn func(context.Context, domain.Scope, domain.ID, string) (*domain.Claim, error)) {
	var in claimReasonJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	apiOnID(h, c, func(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Claim, error) {
		return fn(ctx, sc, id, in.Reason)
	}, toClaimJSON)
}

package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// Travel costs in the portal: the volunteer's bank details, the claim form
// of an assignment (several trips at once, one fieldset each, so it works on
// a phone) and, on the overview, the list of their claims.

// portalClaimRoutes registers the refund pages on the portal's group.
func (h *Handler) portalClaimRoutes(me *gin.RouterGroup) {
	me.GET("/bank", h.pageMeBankEdit)
	me.POST("/bank", h.pageMeBankUpdate)
	me.GET("/claims/new", h.pageMeClaimNew)
	me.POST("/claims", h.pageMeClaimCreate)
}

// Claim form limits.
const (
	claimFormTrips = 5   // trips the form takes at once
	meClaimNoteMax = 500 // the service's limit of the note
)

// claimTripFields are a trip's fields in the order the form shows them.
var claimTripFields = []string{"date", "purpose", "from", "to", "mode", "km", "ticket", "passengers", "raised_reason"}

// claimFormFields is the claim form for the error summary: "no trips" links
// to the first trip's date, then each row's fields, then the note.
func claimFormFields() []formField {
	out := []formField{{"trips", "f-trips-0-date"}}
	for i := range claimFormTrips {
		for _, f := range claimTripFields {
			r := tripRow{N: i}
			out = append(out, formField{r.Key(f), r.ID(f)})
		}
	}
	return append(out, formField{"note", "f-note"})
}

// claimModes are the means of travel the form offers, with their labels.
var claimModes = []claimMode{
	{string(accounting.ModeCar), "me.claim.mode.car"},
	{string(accounting.ModeMotorbike), "me.claim.mode.motorbike"},
	{string(accounting.ModeBicycle), "me.claim.mode.bicycle"},
	{string(accounting.ModeEBike), "me.claim.mode.ebike"},
	{string(accounting.ModePublicTransport), "me.claim.mode.public_transport"},
	{string(accounting.ModeDTicket), "me.claim.mode.deutschlandticket"},
	{string(accounting.ModeOnFoot), "me.claim.mode.on_foot"},
}

// claimMode is one option of the means-of-travel select.
type claimMode struct{ Value, Key string }

// tripRow is one trip of the claim form, as typed.
type tripRow struct {
	N                                    int
	Date, From, To, Km, Mode, Passengers string
	Ticket, Purpose, RaisedReason        string
	Open                                 bool // shown unfolded: the first row, or one with input
}

// Key is the field error key of field in this row: trips[2].km.
func (r tripRow) Key(field string) string { return fmt.Sprintf("trips[%d].%s", r.N, field) }

// ID is the id of field's control in this row: f-trips-2-km.
func (r tripRow) ID(field string) string { return fmt.Sprintf("f-trips-%d-%s", r.N, field) }

// Name is the form name of field in this row; the same as its error key.
func (r tripRow) Name(field string) string { return r.Key(field) }

// blank reports whether the volunteer left the row empty (the preselected
// means of travel does not count).
func (r tripRow) blank() bool {
	for _, s := range []string{r.Date, r.From, r.To, r.Km, r.Passengers, r.Ticket, r.Purpose, r.RaisedReason} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// tripInput is one control of a trip row: a text, date or number input, or
// the select of the means of travel (Type "select").
type tripInput struct {
	Field, Value, Label, Hint string
	Type, Min, Max            string // Max: the maxlength of a text
	InputMode                 string // the phone keypad: "decimal", "numeric" or ""
}

// Inputs lists row r's controls in form order (claimTripFields).
func (p meClaimPage) Inputs(r tripRow) []tripInput {
	text := func(field, value, max, mode string) tripInput {
		return tripInput{Field: field, Value: value, Label: "me.claim.trip." + field, Hint: "me.claim.trip." + field + ".hint",
			Type: "text", Max: max, InputMode: mode}
	}
	return []tripInput{
		{Field: "date", Value: r.Date, Label: "me.claim.trip.date", Hint: "me.claim.trip.date.hint", Type: "date", Min: p.MinDate, Max: p.MaxDate},
		text("purpose", r.Purpose, "200", ""),
		text("from", r.From, "100", ""),
		text("to", r.To, "100", ""),
		{Field: "mode", Value: r.Mode, Label: "me.claim.trip.mode", Hint: "me.claim.trip.mode.hint", Type: "select"},
		text("km", r.Km, "10", "decimal"),
		text("ticket", r.Ticket, "12", "decimal"),
		// Text, not a number input: a browser would drop a mistyped
		// count from the re-rendered form instead of showing it.
		text("passengers", r.Passengers, "2", "numeric"),
		text("raised_reason", r.RaisedReason, "200", ""),
	}
}

// meClaimPage is the claim form of one assignment.
type meClaimPage struct {
	Item             *service.PortalItem
	Request          string // the request's hex ID
	Rows             []tripRow
	Note             string
	NoteMax          int
	Modes            []claimMode
	Bank             string // the masked IBAN payouts go to; "" when none is stored
	MinDate, MaxDate string // the trip dates the exclusion period still allows
	Done             string
}

// claimView builds the claim form for the volunteer's assignment on request.
func (h *Handler) claimView(c *gin.Context, request domain.ID) (meClaimPage, error) {
	v := portalVolunteer(c)
	it, err := h.Svc.ClaimableAssignment(c.Request.Context(), v, request)
	if err != nil {
		return meClaimPage{}, err
	}
	now := h.Svc.Now().In(berlin())
	p := meClaimPage{Item: it, Request: request.Hex(), NoteMax: meClaimNoteMax, Modes: claimModes,
		MinDate: h.Svc.ClaimableSince(c.Request.Context(), v).Format("2006-01-02"),
		MaxDate: now.Format("2006-01-02")}
	if v.BankIBAN != "" {
		p.Bank = accounting.MaskIBAN(v.BankIBAN)
	}
	p.Rows = make([]tripRow, claimFormTrips)
	for i := range p.Rows {
		p.Rows[i] = tripRow{N: i, Mode: string(accounting.ModeCar), Open: i == 0}
	}
	if c.Query("done") == "bank" {
		p.Done = "me.done.bank"
	}
	return p, nil
}

// requestParam reads the assignment's request ID from the query or form.
func requestParam(c *gin.Context, fromForm bool) (domain.ID, error) {
	s := c.Query("request")
	if fromForm {
		s = c.PostForm("request")
	}
	return domain.ParseID(s)
}

func (h *Handler) pageMeClaimNew(c *gin.Context) {
	id, err := requestParam(c, false)
	if err != nil {
		h.pageError(c, errNotFound)
		return
	}
	p, err := h.claimView(c, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "me_claim", h.T.T(langOf(c), "me.claim.title"), p, nil)
}

// pageMeClaimCreate submits the form's filled-in rows as one claim; blank
// rows are left out. A refused form comes back with the input and the
// errors at the rows the volunteer filled in.
func (h *Handler) pageMeClaimCreate(c *gin.Context) {
	id, err := requestParam(c, true)
	if err != nil {
		h.pageError(c, errNotFound)
		return
	}
	page, err := h.claimView(c, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	in, used, unparsed := bindClaimForm(c, &page, id)
	_, err = h.Svc.SubmitClaim(c.Request.Context(), portalVolunteer(c), in)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/me?done=claim")
	case domain.EInvalid:
		errs := rowErrors(domain.FieldsOf(err), used)
		for _, key := range unparsed {
			errs[key] = "field.number.invalid"
		}
		page.Done = ""
		h.render(c, http.StatusUnprocessableEntity, "me_claim", h.T.T(langOf(c), "me.claim.title"), page, errs)
	default:
		h.pageError(c, err)
	}
}

// bindClaimForm reads the claim form into page (the input as typed, for a
// re-render) and returns the claim of its filled-in rows, the form row of
// each trip sent, and the passengers fields that are no number. Such a
// count goes to the service as -1, out of range, so the claim is refused.
func bindClaimForm(c *gin.Context, page *meClaimPage, request domain.ID) (in service.ClaimInput, used []int, unparsed []string) {
	page.Note = c.PostForm("note")
	in = service.ClaimInput{Request: request, Note: page.Note}
	for i := range page.Rows {
		r := &page.Rows[i]
		f := func(field string) string { return c.PostForm(r.Name(field)) }
		r.Date, r.From, r.To, r.Km, r.Mode = f("date"), f("from"), f("to"), f("km"), f("mode")
		r.Passengers, r.Ticket, r.Purpose, r.RaisedReason = f("passengers"), f("ticket"), f("purpose"), f("raised_reason")
		if r.blank() {
			if r.Mode == "" {
				r.Mode = string(accounting.ModeCar)
			}
			continue
		}
		r.Open = true
		passengers := 0
		if s := strings.TrimSpace(r.Passengers); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				n = -1
				unparsed = append(unparsed, r.Key("passengers"))
			}
			passengers = n
		}
		used = append(used, i)
		in.Trips = append(in.Trips, service.TripInput{Date: r.Date, From: r.From, To: r.To, Km: r.Km, Mode: r.Mode,
			Passengers: passengers, Ticket: r.Ticket, Purpose: r.Purpose, RaisedReason: r.RaisedReason})
	}
	return in, used, unparsed
}

// rowErrors renames the service's trips[k].field errors, k counting the
// trips sent, to the form rows they came from.
func rowErrors(fields map[string]string, used []int) map[string]string {
	out := make(map[string]string, len(fields))
	for k, msg := range fields {
		var n int
		var rest string
		if _, err := fmt.Sscanf(k, "trips[%d].%s", &n, &rest); err == nil && n >= 0 && n < len(used) {
			k = tripRow{N: used[n]}.Key(rest)
		}
		out[k] = msg
	}
	return out
}

// meBankPage is the form for the bank details payouts go to.
type meBankPage struct {
	IBAN, Holder string
	Current      string // the stored IBAN, masked; "" when none
	Request      string // the assignment whose claim form to go back to, hex; "" for the overview
	HolderMax    int
}

func (h *Handler) bankView(c *gin.Context, request string) meBankPage {
	v := portalVolunteer(c)
	p := meBankPage{Holder: v.BankHolder, HolderMax: service.MaxBankHolderLen}
	if v.BankIBAN != "" {
		p.Current = accounting.MaskIBAN(v.BankIBAN)
	}
	if id, err := domain.ParseID(request); err == nil {
		p.Request = id.Hex()
	}
	return p
}

func (h *Handler) pageMeBankEdit(c *gin.Context) {
	h.render(c, http.StatusOK, "me_bank", h.T.T(langOf(c), "me.bank.title"), h.bankView(c, c.Query("request")), nil)
}

func (h *Handler) pageMeBankUpdate(c *gin.Context) {
	p := h.bankView(c, c.PostForm("request"))
	p.IBAN, p.Holder = c.PostForm("iban"), c.PostForm("holder")
	err := h.Svc.SetBankDetails(c.Request.Context(), portalVolunteer(c), p.IBAN, p.Holder)
	switch domain.ErrorCode(err) {
	case "":
		if p.Request != "" {
			c.Redirect(http.StatusSeeOther, "/me/claims/new?request="+p.Request+"&done=bank")
			return
		}
		c.Redirect(http.StatusSeeOther, "/me?done=bank")
	case domain.EInvalid:
		h.render(c, http.StatusUnprocessableEntity, "me_bank", h.T.T(langOf(c), "me.bank.title"), p, domain.FieldsOf(err))
	default:
		h.pageError(c, err)
	}
}

// meClaimRow is one of the volunteer's claims on the overview.
type meClaimRow struct {
	ID        string
	Submitted string // the day, formatted for the page's language
	Title     string
	Amount    string // "12,60 €"
	StatusKey string
	Reason    string // a rejection's reason
	DTickets  []dticketRow
}

// claimStatusKeys are the words the volunteer reads for a claim's status.
var claimStatusKeys = map[domain.ClaimStatus]string{
	domain.ClaimSubmitted: "me.claims.status.submitted",
	domain.ClaimChecked:   "me.claims.status.checked",
	domain.ClaimReleased:  "me.claims.status.released",
	domain.ClaimRejected:  "me.claims.status.rejected",
	domain.ClaimPaid:      "me.claims.status.paid",
}

// claimRowsOf turns the volunteer's claims into the overview's rows; a
// reversal entry reads "Storno", whatever its status.
func claimRowsOf(cs []service.PortalClaim, lang string) []meClaimRow {
	out := make([]meClaimRow, 0, len(cs))
	for _, pc := range cs {
		cl := pc.Claim
		r := meClaimRow{ID: cl.ID.Hex(), Submitted: meDate(cl.SubmittedAt, lang), Title: pc.Title,
			Amount: accounting.Money(cl.AmountCents).String(), StatusKey: claimStatusKeys[cl.Status], DTickets: dticketRows(cl.DTickets)}
		switch {
		case !cl.ReversalOf.IsZero():
			r.StatusKey = "me.claims.status.reversal"
		case cl.Status == domain.ClaimRejected:
			r.Reason = cl.RejectReason
		case r.StatusKey == "":
			r.StatusKey = "me.claims.status.submitted"
		}
		out = append(out, r)
	}
	return out
}

package handlers

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// allowancePageRoutes registers the form for flat allowances
// (Aufwandsentschädigung) for the people RecordAllowance lets record one:
// admins, coordinators (within their municipalities) and accountants.
func (h *Handler) allowancePageRoutes(pages *gin.RouterGroup) {
	money := pages.Group("/", h.requirePage(domain.RoleAdmin, domain.RoleCoordinator, domain.RoleAccountant))
	money.GET("/volunteers/:id/allowance", h.pageAllowanceNew)
	money.POST("/volunteers/:id/allowance", h.pageAllowanceCreate)
}

// allowanceForm is the allowance form as typed, so a refused one comes back
// with the user's input.
type allowanceForm struct {
	Basis, Year, Amount, DeclaredElsewhere, Override, Note string
}

// allowancePage is the allowance form with how much of each yearly limit the
// volunteer already uses.
type allowancePage struct {
	Form        allowanceForm
	Volunteer   *domain.Volunteer
	Year        int // the year of the usage lines
	Usage       []allowanceUsageRow
	Bases       []string
	MayOverride bool   // an accountant: the override field is shown
	Back        string // the page the reader came from: the volunteer's page, or /claims for accountants
	BackKey     string
	OtherYears  []int
	MaxYear     int
	// Over holds the numbers when the amount was refused above the limit.
	Over *allowanceOver
	// Done is the usage line of the basis just recorded, nil before.
	Done *allowanceUsageRow
}

// allowanceUsageRow is one basis's line above the form.
type allowanceUsageRow struct {
	Basis       string
	Paid, Limit string // "1.200,00 €"; Limit "" when the year has none
	Percent     int
	Warn, Over  bool // from 80 %; above the limit (an accountant's override)
}

// allowanceOver is the refusal of an amount above the limit, for "with this
// amount X of Y would be used, Z too much".
type allowanceOver struct {
	Used, Limit, Excess string
}

// fieldTarget: only accountants see the override field; for anybody else a
// message about it links nowhere.
func (p allowancePage) fieldTarget(field, id string) string {
	if field == "override" && !p.MayOverride {
		return ""
	}
	return id
}

func (h *Handler) pageAllowanceNew(c *gin.Context) {
	year := h.thisYear()
	if y, ok := h.allowanceYear(c.Query("year")); ok {
		year = y
	}
	done := ""
	if b := c.Query("done"); slices.Contains(accounting.AllowanceBases(), accounting.AllowanceBasis(b)) {
		done = b
	}
	h.showAllowance(c, http.StatusOK, allowanceForm{Year: strconv.Itoa(year)}, year, nil, nil, done)
}

// pageAllowanceCreate records the allowance and goes back to the form,
// which then says it was recorded and how the limit stands; a refused one
// comes back with the field errors and, above the limit, the numbers.
func (h *Handler) pageAllowanceCreate(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	f := allowanceForm{Basis: c.PostForm("basis"), Year: strings.TrimSpace(c.PostForm("year")), Amount: c.PostForm("amount"),
		DeclaredElsewhere: c.PostForm("declared_elsewhere"), Override: c.PostForm("override"), Note: c.PostForm("note")}
	year, yearErr := strconv.Atoi(f.Year)
	res, err := h.Svc.RecordAllowance(c.Request.Context(), sessionUser(c).Scope(), service.AllowanceInput{Volunteer: id,
		Basis: f.Basis, Year: year, Amount: f.Amount, DeclaredElsewhere: f.DeclaredElsewhere, Override: f.Override, Note: f.Note})
	switch domain.ErrorCode(err) {
	case "":
		q := url.Values{"done": {string(res.Check.Basis)}, "year": {strconv.Itoa(year)}}
		c.Redirect(http.StatusSeeOther, "/volunteers/"+id.Hex()+"/allowance?"+q.Encode()+"#done")
	case domain.EInvalid:
		// A copy: the refusal may be a shared sentinel's map.
		errs := maps.Clone(domain.FieldsOf(err))
		if yearErr != nil && errs["year"] != "" {
			errs["year"] = "field.allowance.year_number"
		}
		var over *allowanceOver
		if errors.Is(err, service.ErrAllowanceLimit) {
			ch := res.Check
			over = &allowanceOver{Used: ch.Used.String(), Limit: ch.Limit.String(), Excess: ch.Excess.String()}
		}
		shown, ok := h.allowanceYear(f.Year)
		if !ok {
			shown = h.thisYear()
		}
		h.showAllowance(c, http.StatusUnprocessableEntity, f, shown, errs, over, "")
	default:
		h.pageError(c, err)
	}
}

// showAllowance renders the form with the usage of year; done names the basis
// just recorded.
func (h *Handler) showAllowance(c *gin.Context, status int, f allowanceForm, year int, errs map[string]string, over *allowanceOver, done string) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	u, err := h.Svc.AllowanceUsage(c.Request.Context(), sessionUser(c).Scope(), id, year)
	if err != nil {
		h.pageError(c, err)
		return
	}
	role := sessionUser(c).Role
	p := allowancePage{Form: f, Volunteer: u.Volunteer, Year: year, Usage: allowanceUsageRows(u.Lines),
		MayOverride: role == domain.RoleAccountant, Back: "/volunteers/" + id.Hex(), BackKey: "allowance.back",
		Over: over, MaxYear: h.thisYear() + 1}
	if role == domain.RoleAccountant {
		// Accountants see money, not people: no volunteer page for them.
		p.Back, p.BackKey = "/claims", "allowance.back.claims"
	}
	for _, b := range accounting.AllowanceBases() {
		p.Bases = append(p.Bases, string(b))
	}
	for _, y := range []int{year - 1, year + 1} {
		if _, ok := h.allowanceYear(strconv.Itoa(y)); ok {
			p.OtherYears = append(p.OtherYears, y)
		}
	}
	for i := range p.Usage {
		if p.Usage[i].Basis == done {
			p.Done = &p.Usage[i]
		}
	}
	h.render(c, status, "allowance_form", h.T.T(langOf(c), "allowance.title"), p, errs)
}

func allowanceUsageRows(lines []service.AllowanceUsageLine) []allowanceUsageRow {
	out := make([]allowanceUsageRow, 0, len(lines))
	for _, l := range lines {
		r := allowanceUsageRow{Basis: string(l.Basis), Paid: l.Paid.String(), Percent: l.Percent,
			Warn: l.Status == accounting.AllowanceWarn, Over: l.Status == accounting.AllowanceBlocked}
		if l.Limit > 0 {
			r.Limit = l.Limit.String()
		}
		out = append(out, r)
	}
	return out
}

// thisYear is the current year in Berlin.
func (h *Handler) thisYear() int { return h.Svc.Now().In(berlin()).Year() }

// allowanceYear reads a year whose usage the page can show: from the first
// year of the limits table to next year.
func (h *Handler) allowanceYear(s string) (int, bool) {
	y, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || y < accounting.FirstAllowanceYear() || y > h.thisYear()+1 {
		return 0, false
	}
	return y, true
}

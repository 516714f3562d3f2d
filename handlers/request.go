package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// requestRoutes registers the help request pages and API endpoints. The caller
// mounts both groups behind authentication and the admin/coordinator role check.
func (h *Handler) requestRoutes(pages, api *gin.RouterGroup) {
	pages.GET("/requests", h.pageRequestList)
	pages.GET("/requests/new", h.pageRequestNew)
	pages.POST("/requests", h.pageRequestCreate)
	pages.GET("/requests/:id", h.pageRequestShow)
	pages.POST("/requests/:id/status", h.pageRequestStatus)

	api.GET("/requests", h.apiRequestList)
	api.POST("/requests", h.apiRequestCreate)
	api.GET("/requests/:id", h.apiRequestShow)
	api.PATCH("/requests/:id", h.apiRequestUpdate)
}

// requestStatuses is the display order of request statuses.
var requestStatuses = []domain.RequestStatus{
	domain.RequestOpen, domain.RequestMatched, domain.RequestDone, domain.RequestCancelled,
}

// requestJSON is a help request in the API, with the field names of
// POST /api/v1/requests.
type requestJSON struct {
	ID                      string         `json:"id"`
	Category                string         `json:"category"`
	Title                   string         `json:"title"`
	Description             string         `json:"description"`
	Municipality            string         `json:"municipality"`
	PLZ                     string         `json:"plz"`
	LanguagesAny            []string       `json:"languages_any"`
	Slots                   []string       `json:"slots"`
	Date                    string         `json:"date,omitempty"`
	Time                    string         `json:"time,omitempty"`
	Needed                  int            `json:"needed"`
	HoursPerMonth           int            `json:"hours_per_month"`
	Priority                int            `json:"priority"`
	RequiresBackgroundCheck bool           `json:"requires_background_check"`
	BeneficiaryRef          string         `json:"beneficiary_ref"`
	Lawyer                  *domain.Lawyer `json:"lawyer,omitempty"`
	Status                  string         `json:"status"`
	CreatedAt               time.Time      `json:"created_at"`
	UpdatedAt               time.Time      `json:"updated_at"`
}

func toRequestJSON(r *domain.HelpRequest) requestJSON {
	return requestJSON{
		ID: r.ID.Hex(), Category: r.Category, Title: r.Title, Description: r.Description,
		Municipality: r.Municipality, PLZ: r.PLZ, LanguagesAny: nonNilStrings(r.LanguagesAny),
		Slots: nonNilStrings(r.Slots), Date: r.Date, Time: r.Time, Needed: r.Needed, HoursPerMonth: r.HoursPerMonth,
		Priority: r.Priority, RequiresBackgroundCheck: r.RequiresBackgroundCheck,
		BeneficiaryRef: r.BeneficiaryRef, Lawyer: r.Lawyer, Status: string(r.Status),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func requestFilter(c *gin.Context) store.RequestFilter {
	off, lim := pageParams(c)
	return store.RequestFilter{
		Municipality: c.Query("municipality"), Category: c.Query("category"),
		Status: domain.RequestStatus(c.Query("status")), Language: c.Query("language"),
		Offset: off, Limit: lim,
	}
}

func (h *Handler) apiRequestList(c *gin.Context) {
	p, err := h.Svc.Requests(c.Request.Context(), sessionUser(c).Scope(), requestFilter(c))
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := listJSON[requestJSON]{Items: []requestJSON{}, Total: p.Total, Offset: p.Offset, Limit: p.Limit}
	for _, r := range p.Items {
		out.Items = append(out.Items, toRequestJSON(r))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) apiRequestCreate(c *gin.Context) {
	var in domain.RequestInput
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	r, err := h.Svc.RegisterRequest(c.Request.Context(), sessionUser(c).Scope(), in)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.Header("Location", "/api/v1/requests/"+r.ID.Hex())
	c.JSON(http.StatusCreated, toRequestJSON(r))
}

func (h *Handler) apiRequestShow(c *gin.Context) {
	apiOnID(h, c, h.Svc.Request, toRequestJSON)
}

// apiRequestUpdate applies a JSON merge patch (RFC 7396): only the fields present
// change, and null clears a field (it removes the lawyer; a cleared required
// field fails validation). null for requires_background_check or status is the
// same as leaving them out.
func (h *Handler) apiRequestUpdate(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.apiError(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		h.badJSON(c)
		return
	}
	p, err := decodeRequestPatch(body)
	if err != nil {
		h.badJSON(c)
		return
	}
	r, err := h.Svc.UpdateRequest(c.Request.Context(), sessionUser(c).Scope(), id, p)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toRequestJSON(r))
}

// decodeRequestPatch reads a merge patch. Unknown fields and wrong types are
// errors; an explicit null becomes the field's zero value.
func decodeRequestPatch(body []byte) (service.RequestPatchInput, error) {
	var p service.RequestPatchInput
	if err := decodeStrict(bytes.NewReader(body), &p); err != nil {
		return p, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return p, err
	}
	for k, v := range raw {
		if string(bytes.TrimSpace(v)) != "null" {
			continue
		}
		switch k {
		case "category":
			p.Category = new("")
		case "title":
			p.Title = new("")
		case "description":
			p.Description = new("")
		case "municipality":
			p.Municipality = new("")
		case "plz":
			p.PLZ = new("")
		case "languages_any":
			p.LanguagesAny = &[]string{}
		case "slots":
			p.Slots = &[]string{}
		case "date":
			p.Date = new("")
		case "time":
			p.Time = new("")
		case "needed":
			p.Needed = new(0)
		case "hours_per_month":
			p.HoursPerMonth = new(0) // the category's usual hours
		case "priority":
			p.Priority = new(0)
		case "beneficiary_ref":
			p.BeneficiaryRef = new("")
		case "lawyer":
			p.Lawyer = &domain.Lawyer{}
		}
	}
	return p, nil
}

// requestForm is the request form as typed, so a re-render shows exactly what
// the user entered, numbers included.
type requestForm struct {
	Category, Title, Description, Municipality, PLZ string
	LanguagesAny, Slots                             []string
	Date, Time, Needed, HoursPerMonth, Priority     string
	BackgroundCheck                                 string // "", "yes" or "no"
	BeneficiaryRef, LawyerName, LawyerContact       string
}

func bindRequestForm(c *gin.Context) requestForm {
	return requestForm{
		Category: c.PostForm("category"), Title: c.PostForm("title"),
		Description: c.PostForm("description"), Municipality: c.PostForm("municipality"),
		PLZ: c.PostForm("plz"), LanguagesAny: c.PostFormArray("languages_any"),
		Slots: c.PostFormArray("slots"), Date: c.PostForm("date"), Time: c.PostForm("time"),
		Needed: c.PostForm("needed"), HoursPerMonth: c.PostForm("hours_per_month"), Priority: c.PostForm("priority"),
		BackgroundCheck: c.PostForm("requires_background_check"),
		BeneficiaryRef:  c.PostForm("beneficiary_ref"),
		LawyerName:      c.PostForm("lawyer_name"), LawyerContact: c.PostForm("lawyer_contact"),
	}
}

// input converts the form to service input. A number that does not parse gets a
// value the service always rejects (so nothing is stored) and a message of its
// own in the returned map, which replaces the service's message for that field.
func (f requestForm) input() (domain.RequestInput, map[string]string) {
	own := map[string]string{}
	num := func(field, s string, bad int, optional bool) int {
		s = strings.TrimSpace(s)
		if s == "" && optional {
			return 0
		}
		if s == "" {
			own[field] = "field.required"
			return bad
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			own[field] = "field.number.invalid"
			return bad
		}
		return n
	}
	in := domain.RequestInput{
		Category: f.Category, Title: f.Title, Description: f.Description,
		Municipality: f.Municipality, PLZ: f.PLZ, LanguagesAny: f.LanguagesAny, Slots: f.Slots,
		Date: f.Date, Time: f.Time,
		Needed:         num("needed", f.Needed, 0, false),                 // below the minimum of 1
		HoursPerMonth:  num("hours_per_month", f.HoursPerMonth, -1, true), // empty: the category's usual hours
		Priority:       num("priority", f.Priority, -1, true),             // below the minimum of 0; empty is normal
		BeneficiaryRef: f.BeneficiaryRef,
	}
	switch f.BackgroundCheck {
	case "yes":
		in.RequiresBackgroundCheck = new(true)
	case "no":
		in.RequiresBackgroundCheck = new(false)
	}
	if strings.TrimSpace(f.LawyerName) != "" || strings.TrimSpace(f.LawyerContact) != "" {
		in.Lawyer = &domain.Lawyer{Name: f.LawyerName, Contact: f.LawyerContact}
	}
	return in, own
}

type requestFormPage struct {
	Form           requestForm
	Municipalities []domain.Municipality
}

func (h *Handler) renderRequestForm(c *gin.Context, status int, f requestForm, errs map[string]string) {
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	h.render(c, status, "request_form", h.T.T(langOf(c), "request.new.title"),
		requestFormPage{Form: f, Municipalities: munis}, errs)
}

func (h *Handler) pageRequestNew(c *gin.Context) {
	f := requestForm{Needed: "1", Priority: "0"}
	// A coordinator of one municipality need not choose it.
	sc := sessionUser(c).Scope()
	if len(sc.Municipalities) == 1 && sc.Role == domain.RoleCoordinator {
		f.Municipality = sc.Municipalities[0]
	}
	h.renderRequestForm(c, http.StatusOK, f, nil)
}

func (h *Handler) pageRequestCreate(c *gin.Context) {
	f := bindRequestForm(c)
	in, own := f.input()
	r, err := h.Svc.RegisterRequest(c.Request.Context(), sessionUser(c).Scope(), in)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/requests/"+r.ID.Hex())
	case domain.EInvalid:
		errs := map[string]string{}
		for k, v := range domain.FieldsOf(err) {
			errs[k] = v
		}
		for k, v := range own {
			errs[k] = v
		}
		h.renderRequestForm(c, http.StatusUnprocessableEntity, f, errs)
	default:
		h.pageError(c, err)
	}
}

type requestListPage struct {
	Filter            store.RequestFilter
	Page              store.Page[*domain.HelpRequest]
	Municipalities    []domain.Municipality
	MunicipalityNames map[string]string
	Statuses          []domain.RequestStatus
	Pager             pager
}

func (h *Handler) pageRequestList(c *gin.Context) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	f, q := requestFilter(c), c.Request.URL.Query()
	p, err := h.Svc.Requests(ctx, sc, f)
	if domain.ErrorCode(err) == domain.EInvalid {
		// A hand-edited query falls back to the unfiltered list.
		f, q = store.RequestFilter{}, nil
		p, err = h.Svc.Requests(ctx, sc, f)
	}
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	view := requestListPage{
		Filter: f, Page: p, Municipalities: munis, MunicipalityNames: municipalityNames(munis),
		Statuses: requestStatuses, Pager: newPager("/requests", q, p.Offset, p.Limit, len(p.Items), p.Total),
	}
	h.render(c, http.StatusOK, "request_list", h.T.T(langOf(c), "request.list.title"), view, nil)
}

// municipalities returns the municipalities the caller sees; when that
// fails it has shown the error page and ok is false.
func (h *Handler) municipalities(c *gin.Context) (munis []domain.Municipality, ok bool) {
	munis, err := h.Svc.VisibleMunicipalities(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.pageError(c, err)
		return nil, false
	}
	return munis, true
}

func municipalityNames(ms []domain.Municipality) map[string]string {
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		out[m.AGS] = m.Name
	}
	return out
}

type requestShowPage struct {
	Request          *domain.HelpRequest
	MunicipalityName string
	Created, Updated string
	NextStatuses     []domain.RequestStatus
	Chosen           string // the status picked in a refused change
	Matches          []requestMatchRow
}

// requestMatchRow is one decision on the request as its page shows it.
type requestMatchRow struct {
	Name              string // "" when the volunteer's record is gone
	Status            domain.MatchStatus
	Decided, Answered string // Berlin time, "" when not yet
	Reason            string // rejection reason key suffix (match.reason.*), or ""
	Said              string // what the volunteer wrote when declining or withdrawing
	Note              string // the coordinator's note
}

func requestMatchRows(ms []service.RequestMatch) []requestMatchRow {
	out := make([]requestMatchRow, len(ms))
	for i, rm := range ms {
		m := rm.Match
		out[i] = requestMatchRow{Name: rm.Name, Status: m.Status, Decided: requestTime(m.DecidedAt),
			Answered: requestTime(m.AnsweredAt), Reason: m.Reason, Said: m.AnswerReason, Note: m.Note}
	}
	return out
}

func (h *Handler) pageRequestShow(c *gin.Context) {
	h.showRequest(c, http.StatusOK, "", nil)
}

// showRequest renders the request page; after a refused status change it shows
// the error at the status field.
func (h *Handler) showRequest(c *gin.Context, status int, chosen string, errs map[string]string) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	r, err := h.Svc.Request(ctx, sc, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	ms, err := h.Svc.RequestMatches(ctx, sc, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	view := requestShowPage{
		Request: r, MunicipalityName: municipalityNames(munis)[r.Municipality],
		Created: requestTime(r.CreatedAt), Updated: requestTime(r.UpdatedAt), Chosen: chosen,
		Matches: requestMatchRows(ms),
	}
	for _, s := range requestStatuses {
		if r.Status.CanMove(s) {
			view.NextStatuses = append(view.NextStatuses, s)
		}
	}
	h.render(c, status, "request_show", r.Title, view, errs)
}

// pageRequestStatus changes a request's status from the form on its page.
func (h *Handler) pageRequestStatus(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	to := domain.RequestStatus(c.PostForm("status"))
	_, err = h.Svc.UpdateRequest(c.Request.Context(), sessionUser(c).Scope(), id, service.RequestPatchInput{Status: &to})
	switch code := domain.ErrorCode(err); code {
	case "":
		c.Redirect(http.StatusSeeOther, "/requests/"+id.Hex())
	case domain.EInvalid:
		h.showRequest(c, http.StatusUnprocessableEntity, string(to), domain.FieldsOf(err))
	case domain.EConflict:
		// Someone else changed it first: show the current state and say so.
		h.showRequest(c, http.StatusConflict, string(to), map[string]string{"status": "error.conflict"})
	default:
		h.pageError(c, err)
	}
}

var berlin = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
})

// requestTime formats t for display in German local time.
func requestTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(berlin()).Format("02.01.2006 15:04")
}

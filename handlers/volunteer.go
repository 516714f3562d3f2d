package handlers

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// volunteerJSON is a volunteer in the API, with the sign-up field names.
type volunteerJSON struct {
	ID                string                 `json:"id"`
	Name              string                 `json:"name"`
	Email             string                 `json:"email"`
	Phone             string                 `json:"phone,omitempty"`
	PLZ               string                 `json:"plz"`
	Municipality      string                 `json:"municipality"`
	RadiusKm          int                    `json:"radius_km"`
	Transport         []string               `json:"transport"`
	Languages         []domain.LanguageSkill `json:"languages"`
	Skills            []string               `json:"skills"`
	Availability      []string               `json:"availability"`
	Capacity          int                    `json:"capacity"`
	MaxHoursPerMonth  int                    `json:"max_hours_per_month"`
	Neighbouring      bool                   `json:"neighbouring_municipalities"`
	Locale            string                 `json:"locale"`
	Status            string                 `json:"status"`
	ActiveAssignments int                    `json:"active_assignments"`
	HoursCommitted    int                    `json:"hours_committed"`
	BackgroundCheck   *backgroundCheckJSON   `json:"background_check,omitempty"`
	Notes             string                 `json:"notes,omitempty"`
	PrivacyVersion    string                 `json:"privacy_version"`
	PrivacyConsentAt  time.Time              `json:"privacy_consent_at"`
	CreatedAt         time.Time              `json:"created_at"`
	ConfirmedAt       *time.Time             `json:"confirmed_at,omitempty"`
	UpdatedAt         time.Time              `json:"updated_at"`
}

func toVolunteerJSON(v *domain.Volunteer) volunteerJSON {
	j := volunteerJSON{
		ID: v.ID.Hex(), Name: v.Name, Email: v.Email, Phone: v.Phone, PLZ: v.PLZ,
		Municipality: v.Municipality, RadiusKm: v.RadiusKm, Transport: nonNilStrings(v.Transport),
		Languages: v.Languages, Skills: nonNilStrings(v.Skills), Availability: nonNilStrings(v.Availability),
		Capacity: v.Capacity, MaxHoursPerMonth: v.MaxHoursPerMonth, Neighbouring: v.Neighbouring,
		Locale: v.Locale, Status: string(v.Status), ActiveAssignments: v.ActiveAssignments, HoursCommitted: v.HoursCommitted, Notes: v.Notes,
		PrivacyVersion: v.PrivacyVersion, PrivacyConsentAt: v.PrivacyConsentAt,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, ConfirmedAt: timeOrNil(v.ConfirmedAt),
	}
	if b := v.BackgroundCheck; b != nil {
		j.BackgroundCheck = &backgroundCheckJSON{InspectedOn: b.InspectedOn, CertificateDate: b.CertificateDate,
			Suitable: b.Suitable, RecheckDue: b.RecheckDue, ValidUntil: b.ValidUntil()}
	}
	if j.Languages == nil {
		j.Languages = []domain.LanguageSkill{}
	}
	return j
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// listJSON is one page of a list in the API.
type listJSON[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// pageParams reads offset and limit; a value that is not a number becomes -1 so
// the service reports it as a field error.
func pageParams(c *gin.Context) (offset, limit int) {
	return formInt(c.Query("offset")), formInt(c.Query("limit"))
}

// pager is the page navigation of a list page (the "pager" template): links to
// the previous and the next page, empty where there is none, and the numbers
// of the entries shown.
type pager struct {
	Prev, Next      string
	From, To, Total int
}

// newPager builds the navigation of a list at path showing shown of total
// entries from offset. The links keep the filters in query, the list's own
// query (none when the list fell back to no filter, or every link would fall
// back to the first page again); they leave out ?lang=, which the language
// cookie already remembers.
func newPager(path string, query url.Values, offset, limit, shown, total int) pager {
	pg := pager{From: offset + 1, To: offset + shown, Total: total}
	q := maps.Clone(query)
	if q == nil {
		q = url.Values{}
	}
	q.Del("lang")
	if offset > 0 {
		q.Set("offset", strconv.Itoa(max(offset-limit, 0)))
		pg.Prev = path + "?" + q.Encode()
	}
	if offset+shown < total {
		q.Set("offset", strconv.Itoa(offset+limit))
		pg.Next = path + "?" + q.Encode()
	}
	return pg
}

func volunteerFilter(c *gin.Context) store.VolunteerFilter {
	off, lim := pageParams(c)
	return store.VolunteerFilter{
		Municipality: c.Query("municipality"), Skill: c.Query("skill"), Language: c.Query("language"),
		Status: domain.VolunteerStatus(c.Query("status")), Offset: off, Limit: lim,
	}
}

func (h *Handler) apiVolunteerList(c *gin.Context) {
	p, err := h.Svc.Volunteers(c.Request.Context(), sessionUser(c).Scope(), volunteerFilter(c))
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := listJSON[volunteerJSON]{Items: []volunteerJSON{}, Total: p.Total, Offset: p.Offset, Limit: p.Limit}
	for _, v := range p.Items {
		out.Items = append(out.Items, toVolunteerJSON(v))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) apiVolunteerShow(c *gin.Context) {
	apiOnID(h, c, h.Svc.Volunteer, toVolunteerJSON)
}

// apiOnID answers a call on the entity named by the path's :id: fn's result
// through view as 200, or the error as a problem.
func apiOnID[T, J any](h *Handler, c *gin.Context, fn func(context.Context, domain.Scope, domain.ID) (T, error), view func(T) J) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.apiError(c, err)
		return
	}
	v, err := fn(c.Request.Context(), sessionUser(c).Scope(), id)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, view(v))
}

// backgroundCheckJSON is the inspection record of a Führungszeugnis.
type backgroundCheckJSON struct {
	InspectedOn     string `json:"inspected_on"`
	CertificateDate string `json:"certificate_date"`
	Suitable        bool   `json:"suitable"`
	RecheckDue      string `json:"recheck_due"`
	ValidUntil      string `json:"valid_until,omitempty"` // absent when not suitable
}

func (h *Handler) apiBackgroundCheckPut(c *gin.Context) {
	var in domain.BackgroundCheckInput
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	apiOnID(h, c, func(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
		return h.Svc.RecordBackgroundCheck(ctx, sc, id, in)
	}, toVolunteerJSON)
}

func (h *Handler) apiBackgroundCheckDelete(c *gin.Context) {
	apiOnID(h, c, h.Svc.DeleteBackgroundCheck, toVolunteerJSON)
}

func (h *Handler) apiVolunteerUpdate(c *gin.Context) {
	var u service.VolunteerUpdate
	if err := bindJSON(c, &u); err != nil {
		h.badJSON(c)
		return
	}
	apiOnID(h, c, func(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
		return h.Svc.UpdateVolunteer(ctx, sc, id, u)
	}, toVolunteerJSON)
}

type volunteerListPage struct {
	Filter         store.VolunteerFilter
	Page           store.Page[*domain.Volunteer]
	Municipalities []domain.Municipality
	Pager          pager
}

func (h *Handler) pageVolunteerList(c *gin.Context) {
	sc := sessionUser(c).Scope()
	f, q := volunteerFilter(c), c.Request.URL.Query()
	p, err := h.Svc.Volunteers(c.Request.Context(), sc, f)
	if domain.ErrorCode(err) == domain.EInvalid {
		f, q = store.VolunteerFilter{}, nil
		p, err = h.Svc.Volunteers(c.Request.Context(), sc, f)
	}
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	view := volunteerListPage{Filter: f, Page: p, Municipalities: munis,
		Pager: newPager("/volunteers", q, p.Offset, p.Limit, len(p.Items), p.Total)}
	h.render(c, http.StatusOK, "volunteer_list", h.T.T(langOf(c), "volunteers.title"), view, nil)
}

// volunteerShowPage is one volunteer's page for staff, with the form to
// record a Führungszeugnis inspection.
type volunteerShowPage struct {
	Volunteer        *domain.Volunteer
	MunicipalityName string
	Confirmed        string
	PausedUntil      string // Berlin date, "" when not paused
	Check            domain.BackgroundCheckInput
	Suitable         string // "yes", "no" or "" as the form shows it
	Today            string
	Done             string // flash message key
}

func (h *Handler) pageVolunteerShow(c *gin.Context) {
	done := ""
	switch c.Query("done") {
	case "check":
		done = "volunteer.check.saved"
	case "deleted":
		done = "volunteer.check.deleted"
	}
	h.showVolunteer(c, http.StatusOK, domain.BackgroundCheckInput{}, "", nil, done)
}

func (h *Handler) showVolunteer(c *gin.Context, status int, in domain.BackgroundCheckInput, suitable string, errs map[string]string, done string) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	v, err := h.Svc.Volunteer(ctx, sc, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	now := h.Svc.Now()
	view := volunteerShowPage{Volunteer: v, MunicipalityName: municipalityNames(munis)[v.Municipality],
		Confirmed: requestTime(v.ConfirmedAt), Check: in, Suitable: suitable,
		Today: now.In(berlin()).Format(time.DateOnly), Done: done}
	if v.Paused(now) {
		view.PausedUntil = v.PausedUntil.In(berlin()).Format("02.01.2006")
	}
	if view.Check.InspectedOn == "" {
		view.Check.InspectedOn = view.Today
	}
	h.render(c, status, "volunteer_show", v.Name, view, errs)
}

// pageBackgroundCheck records an inspection from the volunteer's page.
func (h *Handler) pageBackgroundCheck(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	in := domain.BackgroundCheckInput{CertificateDate: c.PostForm("certificate_date"), InspectedOn: c.PostForm("inspected_on")}
	suitable := c.PostForm("suitable")
	switch suitable {
	case "yes":
		in.Suitable = new(true)
	case "no":
		in.Suitable = new(false)
	}
	_, err = h.Svc.RecordBackgroundCheck(c.Request.Context(), sessionUser(c).Scope(), id, in)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/volunteers/"+id.Hex()+"?done=check#check")
	case domain.EInvalid:
		h.showVolunteer(c, http.StatusUnprocessableEntity, in, suitable, domain.FieldsOf(err), "")
	default:
		h.pageError(c, err)
	}
}

// pageBackgroundCheckDelete removes the inspection record.
func (h *Handler) pageBackgroundCheckDelete(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	if _, err := h.Svc.DeleteBackgroundCheck(c.Request.Context(), sessionUser(c).Scope(), id); err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/volunteers/"+id.Hex()+"?done=deleted#check")
}

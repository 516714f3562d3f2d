package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/templates"
)

// pageSet holds one parsed template per page, each with the layout and partials.
type pageSet struct {
	t     *templates.Translator
	pages map[string]*template.Template
}

// funcs are the helpers templates may call. "t" is bound per request to the
// page's language by render.
func baseFuncs(t *templates.Translator) template.FuncMap {
	return template.FuncMap{
		"t":    func(key string, args ...any) string { return t.T(templates.DefaultLang, key, args...) },
		"has":  func(list []string, s string) bool { return slices.Contains(list, s) },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"skills":        func() []string { return domain.Skills },
		"langs":         func() []string { return domain.Languages },
		"levels":        func() []string { return domain.LanguageLevels },
		"weekdays":      func() []string { return domain.Weekdays },
		"dayparts":      func() []string { return domain.DayParts },
		"transport":     func() []string { return domain.TransportModes },
		"rejectReasons": func() []string { return domain.RejectReasons },
		"list":          func(s ...string) []string { return s },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

func parsePages(t *templates.Translator) (*pageSet, error) {
	ps := &pageSet{t: t, pages: map[string]*template.Template{}}
	files, err := fs.Glob(templates.FS, "html/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		tpl, err := template.New("layout.html").Funcs(baseFuncs(t)).
			ParseFS(templates.FS, "html/layout.html", "html/partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("handlers: template %s: %w", f, err)
		}
		ps.pages[name] = tpl
	}
	return ps, nil
}

// Names lists the parsed pages; a test renders every one in every language.
func (ps *pageSet) Names() []string {
	out := make([]string, 0, len(ps.pages))
	for n := range ps.pages {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// View is what every page template gets: the request's language and user, the
// CSRF token, field errors and the page's own data.
type View struct {
	Lang    string
	Dir     string // "rtl" for Arabic, Persian, Dari, Pashto, Kurdish
	Langs   []string
	Path    string
	User    *SessionUser
	Me      *domain.Volunteer // the volunteer of a portal session, or nil
	CSRF    string
	Title   string
	Flash   string
	Errors  map[string]string // field → message key
	Summary []summaryItem     // Errors in the order the form shows its fields
	Data    any
	Version string
}

// formField is one field of a form as the error summary sees it.
type formField struct {
	Name string // the field's key in the field errors
	ID   string // the focusable control the summary links to; "" shows the message without a link
}

// formFields lists, for every page with a form, its fields in the order the
// form shows them, so the error summary reads in form order, and the control
// each summary line links to. A group of checkboxes links to its first box (a
// fieldset cannot take focus); the language rows link to the first language.
// TestErrorSummary renders every field's error and checks each link's target
// exists, can take focus and comes in document order.
var formFields = map[string][]formField{
	"login": {{"email", "f-email"}, {"password", "f-password"}},
	"signup": {
		{"name", "f-name"}, {"email", "f-email"}, {"phone", "f-phone"},
		{"plz", "f-plz"}, {"municipality", "f-municipality"}, {"radius_km", "f-radius_km"},
		{"transport", "f-transport-" + domain.TransportModes[0]},
		{"languages", "f-lang-0"},
		{"skills", "f-skills-" + domain.Skills[0]},
		{"availability", "f-availability-" + domain.Slots()[0]},
		{"capacity", "f-capacity"}, {"max_hours_per_month", "f-max_hours_per_month"},
		{"privacy_consent", "f-privacy_consent"},
		// A hidden input with the page's language; the re-rendered form
		// carries a valid one, so there is nothing to correct by hand.
		{"locale", ""},
	},
	"request_form": {
		{"category", "f-category"}, {"title", "f-title"}, {"description", "f-description"},
		{"beneficiary_ref", "f-beneficiary_ref"},
		{"municipality", "f-municipality"}, {"plz", "f-plz"},
		{"slots", "f-slots-" + domain.Slots()[0]}, {"date", "f-date"}, {"time", "f-time"},
		{"needed", "f-needed"}, {"hours_per_month", "f-hours_per_month"}, {"priority", "f-priority"},
		{"languages_any", "f-languages_any-" + domain.Languages[0]},
		{"requires_background_check", "f-requires_background_check"},
		{"lawyer_name", "f-lawyer_name"}, {"lawyer_contact", "f-lawyer_contact"},
	},
	"request_show":   {{"status", "f-status"}},
	"volunteer_show": {{"certificate_date", "f-certificate_date"}, {"inspected_on", "f-inspected_on"}, {"suitable", "f-suitable"}},
	// claim_list: a refused reason links to its claim's field (fieldTarget).
	"claim_list": {{"reason", "f-reason"}},
	// A refused decision's reason and note: proposalListPage.fieldTarget
	// links them to the controls of the pair in question.
	"proposal_list": {{"min_score", "f-min_score"}, {"reason", "f-reason"}, {"note", "f-note"}},
	"me_login":      {{"email", "f-email"}},
	"payout_settings": {
		{"debtor_name", "f-debtor_name"}, {"iban", "f-iban"}, {"bic", "f-bic"}, {"consultant", "f-consultant"},
		{"client", "f-client"}, {"account_length", "f-account_length"}, {"travel_account", "f-travel_account"},
		{"allowance_account", "f-allowance_account"}, {"contra_account", "f-contra_account"},
		{"rate_table", "f-rate_table-" + domain.RateTables[0]},
	},
	"payout_list": {{"execution_date", "f-execution_date"}},
	"rates": {
		{"valid_from", "f-valid_from"}, {"name", "f-name"}, {"source", "f-source"}, {"car", "f-car"},
		{"motorbike", "f-motorbike"}, {"bicycle", "f-bicycle"}, {"ebike", "f-ebike"}, {"passenger", "f-passenger"},
		{"per_trip_cap", "f-per_trip_cap"}, {"raised_car", "f-raised_car"}, {"raised_rule", "f-raised_rule"},
		{"exclusion_months", "f-exclusion_months"}, {"detour_factor", "f-detour_factor"},
	},
	"me": {
		{"until", "f-until"},
		// The reason of a decline or withdrawal: each offer and assignment has
		// its own form, so the line links nowhere.
		{"reason", ""},
		{"radius_km", "f-radius_km"},
		{"transport", "f-transport-" + domain.TransportModes[0]},
		{"availability", "f-availability-" + domain.Slots()[0]},
		{"capacity", "f-capacity"}, {"max_hours_per_month", "f-max_hours_per_month"},
		{"locale", "f-mail-locale"},
	},
	"me_bank":  {{"iban", "f-iban"}, {"holder", "f-holder"}},
	"me_claim": claimFormFields(), // per trip row: trips[0].date → f-trips-0-date
	// The override field is an accountant's only (allowancePage.fieldTarget).
	"allowance_form": {{"basis", "f-basis"}, {"year", "f-year"}, {"amount", "f-amount"},
		{"declared_elsewhere", "f-declared_elsewhere"}, {"override", "f-override"}, {"note", "f-note"}},
}

// fieldTargeter is page data whose form shows a control only sometimes. It
// returns the id a field's summary line links to instead of id.
type fieldTargeter interface {
	fieldTarget(field, id string) string
}

// summaryItem is one line of the error summary: the message key and the id of
// the control it links to, "" for none.
type summaryItem struct {
	Key    string
	Target string
}

// errorSummary orders the field errors of page as its form shows the fields.
// An error for a field the form does not list comes last, without a link, so
// no message is lost and no link leads nowhere.
func errorSummary(page string, data any, errs map[string]string) []summaryItem {
	if len(errs) == 0 {
		return nil
	}
	ft, _ := data.(fieldTargeter)
	out := make([]summaryItem, 0, len(errs))
	listed := map[string]bool{}
	for _, f := range formFields[page] {
		key, ok := errs[f.Name]
		if !ok {
			continue
		}
		listed[f.Name] = true
		id := f.ID
		if ft != nil {
			id = ft.fieldTarget(f.Name, id)
		}
		out = append(out, summaryItem{Key: key, Target: id})
	}
	var rest []string
	for name := range errs {
		if !listed[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		out = append(out, summaryItem{Key: errs[name]})
	}
	return out
}

// render executes page into a buffer and writes it only when it succeeded, so a
// template error never sends half a page.
func (h *Handler) render(c *gin.Context, status int, page string, title string, data any, fieldErrs map[string]string) {
	tpl, ok := h.pages.pages[page]
	if !ok {
		h.fail(c, fmt.Errorf("handlers: no page %q", page))
		return
	}
	lang := langOf(c)
	v := View{
		Lang: lang, Dir: dirOf(lang), Langs: h.T.Langs(), Path: c.Request.URL.Path,
		User: sessionUser(c), Me: portalVolunteer(c), CSRF: csrfToken(c), Title: title, Data: data, Flash: c.GetString(ctxFlash),
		Errors: fieldErrs, Summary: errorSummary(page, data, fieldErrs),
	}
	var buf bytes.Buffer
	clone, err := tpl.Clone()
	if err != nil {
		h.fail(c, err)
		return
	}
	clone.Funcs(template.FuncMap{"t": func(key string, args ...any) string { return h.T.T(lang, key, args...) }})
	if err := clone.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.fail(c, fmt.Errorf("handlers: render %s: %w", page, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func dirOf(lang string) string {
	if slices.Contains(domain.RTLLanguages, lang) {
		return "rtl"
	}
	return "ltr"
}

// fail logs an internal error once, with the request ID, and shows a generic page.
func (h *Handler) fail(c *gin.Context, err error) {
	h.Log.Error("request failed", "request_id", c.GetString(ctxRequestID), "route", c.FullPath(), "err", err)
	c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8",
		[]byte(h.T.T(langOf(c), "error.internal")+"\n"+c.GetString(ctxRequestID)))
	c.Abort()
}

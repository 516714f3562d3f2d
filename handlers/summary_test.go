package handlers

import (
	"bytes"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/templates"
)

var (
	summaryBlock = regexp.MustCompile(`(?s)<div class="error-summary"[^>]*id="error-summary">.*?<ul>(.*?)</ul>`)
	summaryLine  = regexp.MustCompile(`(?s)<li>(.*?)</li>`)
	summaryLink  = regexp.MustCompile(`(?s)^<a href="#([^"]+)">(.*)</a>$`)
	// fieldErrorUse is a page template showing a field's message at the field.
	fieldErrorUse = regexp.MustCompile(`\{\{template "field-error" dict "E" \$e "F" "([a-z_]+)"\}\}`)
	attribute     = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)
)

// summaryEntry is one line of a rendered error summary.
type summaryEntry struct {
	target string // the link's fragment, "" for a line without a link
	text   string
}

// readSummary returns the lines of the page's error summary in page order.
func readSummary(t *testing.T, body string) []summaryEntry {
	t.Helper()
	m := summaryBlock.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("page has no error summary")
	}
	var out []summaryEntry
	for _, li := range summaryLine.FindAllStringSubmatch(m[1], -1) {
		if a := summaryLink.FindStringSubmatch(li[1]); a != nil {
			out = append(out, summaryEntry{target: a[1], text: html.UnescapeString(a[2])})
		} else {
			out = append(out, summaryEntry{text: html.UnescapeString(li[1])})
		}
	}
	return out
}

// element finds the one start tag with id and returns its name, its attributes
// and its offset in body; it fails when there is no such element or more than one.
func element(t *testing.T, body, id string) (tag string, attrs map[string]string, at int) {
	t.Helper()
	re := regexp.MustCompile(`<([a-z]+)(\s[^>]*)?\sid="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	all := re.FindAllStringSubmatchIndex(body, -1)
	if len(all) != 1 {
		t.Errorf("%d elements with id %q, want 1", len(all), id)
		if len(all) == 0 {
			return "", nil, -1
		}
	}
	m := all[0]
	attrs = map[string]string{}
	for _, a := range attribute.FindAllStringSubmatch(body[m[0]:m[1]], -1) {
		attrs[a[1]] = a[2]
	}
	return body[m[2]:m[3]], attrs, m[0]
}

// focusable reports whether a link to the element moves the focus there: a
// form control, a link, or anything with a tabindex.
func focusable(tag string, attrs map[string]string) bool {
	if _, ok := attrs["disabled"]; ok {
		return false
	}
	if _, ok := attrs["tabindex"]; ok {
		return true
	}
	switch tag {
	case "input":
		return attrs["type"] != "hidden"
	case "select", "textarea", "button":
		return true
	case "a":
		_, ok := attrs["href"]
		return ok
	}
	return false
}

// TestErrorSummary renders every form with an error at every field it has
// and checks the summary at its top: one line per error, in the order the form
// shows its fields, each link leading to an element of the page that exists
// once and can take focus, the links' targets in document order. It also checks
// formFields knows every field the form and the domain have errors for.
func TestErrorSummary(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parsePages(tr)
	if err != nil {
		t.Fatal(err)
	}
	f := newRenderFixture()
	tn := f.tenant

	// formFields has every field the page shows a message for, and every field
	// the realistic refusals of pageCases (the domain's own checks) name.
	for page, fields := range formFields {
		b, err := fs.ReadFile(templates.FS, "html/pages/"+page+".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fieldErrorUse.FindAllStringSubmatch(string(b), -1) {
			if !slices.ContainsFunc(fields, func(f formField) bool { return f.Name == m[1] }) {
				t.Errorf("%s shows errors for %q, which formFields[%q] lacks", page, m[1], page)
			}
		}
	}
	for _, pc := range pageCases(t, f) {
		for field := range pc.errs {
			if !slices.ContainsFunc(formFields[pc.page], func(f formField) bool { return f.Name == field }) {
				t.Errorf("%s/%s has an error for %q, which formFields[%q] lacks", pc.page, pc.name, field, pc.page)
			}
		}
	}

	shared := f.tenant.MunicipalitiesForPLZ("79595") // two municipalities: the form offers a choice
	if len(shared) < 2 {
		t.Fatalf("fixture: 79595 is in %d municipalities, want 2", len(shared))
	}
	done := f.requests[2]
	if done.Status != domain.RequestDone {
		t.Fatalf("fixture: request 2 is %s, want done", done.Status)
	}
	cases := []struct {
		name, page, path string
		user             *SessionUser
		data             any
		// moved maps a field to where its link goes instead of formFields' id.
		moved map[string]string
	}{
		{name: "login", page: "login", path: "/login", data: loginPage{Next: "/"}},
		{name: "signup with a municipality choice", page: "signup", path: "/signup",
			data: signupView(domain.SignupInput{PLZ: "79595"}, shared)},
		{name: "signup without a municipality choice", page: "signup", path: "/signup",
			data: signupView(domain.SignupInput{PLZ: "79539"}, nil), moved: map[string]string{"municipality": "f-plz"}},
		{name: "request form", page: "request_form", path: "/requests", user: f.coord,
			data: requestFormPage{Form: requestForm{Needed: "1", Priority: "0"}, Municipalities: tn.Municipalities}},
		{name: "request status", page: "request_show", path: "/requests/x", user: f.coord,
			data: requestShow(f.requests[0], tn, string(domain.RequestMatched))},
		{name: "final request status", page: "request_show", path: "/requests/x", user: f.coord,
			data: requestShow(done, tn, string(domain.RequestOpen))},
		{name: "portal login", page: "me_login", path: "/me/login", data: meLoginPage{}},
		{name: "portal", page: "me", path: "/me", data: portalPage(f, true)},
		{name: "bank details", page: "me_bank", path: "/me/bank", data: meBankPage{HolderMax: 70}},
		{name: "claim form", page: "me_claim", path: "/me/claims", data: claimPage(f)},
		{name: "allowance form, accountant", page: "allowance_form", path: "/volunteers/x/allowance", user: f.accountant,
			data: allowancePage{Volunteer: f.volunteers[0], MayOverride: true}},
		{name: "allowance form, coordinator", page: "allowance_form", path: "/volunteers/x/allowance", user: f.coord,
			data: allowancePage{Volunteer: f.volunteers[0]}, moved: map[string]string{"override": ""}},
	}
	for _, tc := range cases {
		for _, lang := range tr.Langs() {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				// Each field gets a key of its own that no catalog has, so the
				// summary shows it as is and every line names its field.
				errs := map[string]string{}
				var want []summaryEntry
				for _, ff := range formFields[tc.page] {
					errs[ff.Name] = "summary_test." + ff.Name
					target := ff.ID
					if to, ok := tc.moved[ff.Name]; ok {
						target = to
					}
					want = append(want, summaryEntry{target: target, text: errs[ff.Name]})
				}
				// A field the form does not know comes last, without a link.
				errs["zz_unknown"] = "summary_test.zz_unknown"
				want = append(want, summaryEntry{text: errs["zz_unknown"]})

				var logs bytes.Buffer
				h := &Handler{T: tr, Log: slog.New(slog.NewTextHandler(&logs, nil)), pages: ps}
				w := httptest.NewRecorder()
				c := gin.CreateTestContextOnly(w, testEngine())
				c.Request = httptest.NewRequest(http.MethodPost, tc.path, nil)
				c.Set(ctxLang, lang)
				c.Set(ctxCSRF, "csrf")
				if tc.user != nil {
					c.Set(ctxUser, tc.user)
				}
				h.render(c, http.StatusUnprocessableEntity, tc.page, "x", tc.data, errs)
				if w.Code != http.StatusUnprocessableEntity || logs.Len() > 0 {
					t.Fatalf("status %d, log: %s", w.Code, logs.String())
				}
				body := w.Body.String()

				got := readSummary(t, body)
				if !slices.Equal(got, want) {
					t.Errorf("summary (target, text):\n got %q\nwant %q", got, want)
				}
				last, lastID := -1, ""
				for _, e := range got {
					if e.target == "" {
						continue
					}
					tag, attrs, at := element(t, body, e.target)
					if at < 0 {
						continue
					}
					if !focusable(tag, attrs) {
						t.Errorf("summary links to <%s id=%q>, which cannot take focus", tag, e.target)
					}
					if at < last {
						t.Errorf("summary links to #%s after #%s, but the page has it before", e.target, lastID)
					}
					last, lastID = at, e.target
				}
			})
		}
	}
}

// TestErrorSummaryRealErrors checks the summary of the refused forms of
// pageCases, with the domain's own field errors: in form order, and without a
// link to anything that is not on the page.
func TestErrorSummaryRealErrors(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	for _, pc := range pageCases(t, newRenderFixture()) {
		if len(pc.errs) == 0 {
			continue
		}
		t.Run(pc.page+"/"+pc.name, func(t *testing.T) {
			body := renderCase(t, pc, "de")
			got := readSummary(t, body)
			if len(got) != len(pc.errs) {
				t.Errorf("summary has %d lines for %d errors", len(got), len(pc.errs))
			}
			var wantOrder []string
			for _, ff := range formFields[pc.page] {
				if key, ok := pc.errs[ff.Name]; ok {
					wantOrder = append(wantOrder, tr.T("de", key))
				}
			}
			var gotOrder []string
			last := -1
			for _, e := range got {
				gotOrder = append(gotOrder, e.text)
				if e.target == "" {
					continue
				}
				if _, _, at := element(t, body, e.target); at < last {
					t.Errorf("#%s is out of document order", e.target)
				} else {
					last = at
				}
			}
			if !slices.Equal(gotOrder, wantOrder) {
				t.Errorf("summary order:\n got %q\nwant %q", gotOrder, wantOrder)
			}
			if strings.Contains(body, `href="#f-locale"`) {
				t.Error("summary links to the hidden locale field")
			}
		})
	}
}

// renderCase renders pc in lang as render does in production and returns the
// page; it fails on a render error.
func renderCase(t *testing.T, pc pageCase, lang string) string {
	t.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parsePages(tr)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &Handler{T: tr, Log: slog.New(slog.NewTextHandler(&logs, nil)), pages: ps}
	w := httptest.NewRecorder()
	c := gin.CreateTestContextOnly(w, testEngine())
	c.Request = httptest.NewRequest(http.MethodGet, pc.path, nil)
	c.Set(ctxLang, lang)
	c.Set(ctxCSRF, "csrf")
	if pc.user != nil {
		c.Set(ctxUser, pc.user)
	}
	if pc.me != nil {
		c.Set(ctxVolunteer, pc.me)
	}
	h.render(c, http.StatusOK, pc.page, "x", pc.data, pc.errs)
	if w.Code != http.StatusOK || logs.Len() > 0 {
		t.Fatalf("render %s: status %d, log: %s", pc.page, w.Code, logs.String())
	}
	return w.Body.String()
}

package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lotse/domain"
)

const reqPassword = "Lotse-Test-Passwort-2026"

// reqToken adds a staff user to tenant slug and returns an API token for it.
func (a *testApp) reqToken(t *testing.T, slug, email string, role domain.Role, munis ...string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := a.svc.AddUser(ctx, slug, domain.UserInput{Email: email, Role: role, Municipalities: munis, Password: reqPassword}); err != nil {
		t.Fatal(err)
	}
	tok, err := a.svc.CreateToken(ctx, email, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// reqBrowser adds a staff user and returns a client signed in with a session
// cookie.
func (a *testApp) reqBrowser(t *testing.T, email string, role domain.Role, munis ...string) *http.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := a.svc.AddUser(ctx, a.tenant.Slug, domain.UserInput{Email: email, Role: role, Municipalities: munis, Password: reqPassword}); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.svc.Login(ctx, email, reqPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	c := a.client()
	u, _ := url.Parse(a.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "lotse_session", Value: token, Path: "/"}})
	return c
}

type reqResult struct {
	status int
	header http.Header
	body   string
}

func (a *testApp) reqAPI(t *testing.T, method, path, token, payload string) reqResult {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if payload != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "de")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return reqResult{res.StatusCode, res.Header, body(t, res)}
}

type reqJSON struct {
	ID                      string         `json:"id"`
	Category                string         `json:"category"`
	Title                   string         `json:"title"`
	Municipality            string         `json:"municipality"`
	PLZ                     string         `json:"plz"`
	LanguagesAny            []string       `json:"languages_any"`
	Slots                   []string       `json:"slots"`
	Needed                  int            `json:"needed"`
	RequiresBackgroundCheck bool           `json:"requires_background_check"`
	Lawyer                  *domain.Lawyer `json:"lawyer"`
	Status                  string         `json:"status"`
}

type reqProblem struct {
	Status int `json:"status"`
	Errors []struct {
		Field, Code, Message string
	} `json:"errors"`
}

func (p reqProblem) codes() map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}

func reqDecode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

const reqValidJSON = `{"category":"homework_help","title":"Mathe 7. Klasse","municipality":"08336050",
 "plz":"79539","languages_any":["ar"],"slots":["tue_pm"],"needed":1,"beneficiary_ref":"WB-2026-0007"}`

func TestAPIRequests(t *testing.T) {
	a := newTestApp(t)
	coord := a.reqToken(t, "loerrach", "koord@loerrach.example", domain.RoleCoordinator, "08336050")
	foreign := a.reqToken(t, "freiburg", "admin@freiburg.example", domain.RoleAdmin)

	res := a.reqAPI(t, "POST", "/api/v1/requests", coord, reqValidJSON)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	r := reqDecode[reqJSON](t, res.body)
	if res.header.Get("Location") != "/api/v1/requests/"+r.ID || r.Status != "open" || !r.RequiresBackgroundCheck ||
		r.Title != "Mathe 7. Klasse" || len(r.Slots) != 1 {
		t.Errorf("created: %+v, Location %q", r, res.header.Get("Location"))
	}

	// Invalid input: 422 problem+json with a per-field list in German; nothing written.
	res = a.reqAPI(t, "POST", "/api/v1/requests", coord,
		`{"category":"legal_help","title":"Asylbescheid","municipality":"08336006","plz":"79589","needed":1}`)
	p := reqDecode[reqProblem](t, res.body)
	if res.status != http.StatusUnprocessableEntity || !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("invalid: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	want := map[string]string{"lawyer_name": "field.lawyer.required", "lawyer_contact": "field.lawyer.contact_required",
		"municipality": "field.municipality.not_yours"}
	if got := p.codes(); len(got) != len(want) || got["lawyer_name"] != want["lawyer_name"] || got["municipality"] != want["municipality"] {
		t.Errorf("field errors: %v", got)
	}
	if !strings.Contains(res.body, "§ 6 RDG") {
		t.Errorf("want the German message: %s", res.body)
	}
	if res := a.reqAPI(t, "POST", "/api/v1/requests", coord, `{"title": 5}`); res.status != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", res.status)
	}
	list := reqDecode[struct {
		Items []reqJSON
		Total int
	}](t, a.reqAPI(t, "GET", "/api/v1/requests?status=open&language=ar", coord, "").body)
	if list.Total != 1 || list.Items[0].ID != r.ID {
		t.Errorf("list: %+v", list)
	}
	if res := a.reqAPI(t, "GET", "/api/v1/requests?category=cooking", coord, ""); res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", res.status)
	}

	// Another tenant's ID is not found, for reading and writing.
	if res := a.reqAPI(t, "GET", "/api/v1/requests/"+r.ID, foreign, ""); res.status != http.StatusNotFound {
		t.Errorf("foreign show: %d", res.status)
	}
	if res := a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, foreign, `{"status":"cancelled"}`); res.status != http.StatusNotFound {
		t.Errorf("foreign patch: %d", res.status)
	}
	if res := a.reqAPI(t, "GET", "/api/v1/requests/nonsense", coord, ""); res.status != http.StatusNotFound {
		t.Errorf("malformed id: %d", res.status)
	}

	// PATCH cannot bypass the rules: legal_help without a lawyer is a 422.
	res = a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord, `{"category":"legal_help"}`)
	if res.status != http.StatusUnprocessableEntity || reqDecode[reqProblem](t, res.body).codes()["lawyer_name"] == "" {
		t.Errorf("patch to legal_help: %d %s", res.status, res.body)
	}
	res = a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord,
		`{"category":"legal_help","lawyer":{"name":"RA Kern","contact":"0761 123456"},"status":"matched"}`)
	if got := reqDecode[reqJSON](t, res.body); res.status != http.StatusOK || got.Status != "matched" || got.Lawyer == nil || got.Category != "legal_help" {
		t.Errorf("patch: %d %s", res.status, res.body)
	}
	res = a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord, `{"category":"driving","lawyer":null,"requires_background_check":false}`)
	if got := reqDecode[reqJSON](t, res.body); res.status != http.StatusOK || got.Lawyer != nil || got.RequiresBackgroundCheck {
		t.Errorf("patch lawyer null: %d %s", res.status, res.body)
	}
	res = a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord, `{"status":"done"}`)
	if res.status != http.StatusOK {
		t.Errorf("to done: %d %s", res.status, res.body)
	}
	res = a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord, `{"status":"open"}`)
	if res.status != http.StatusUnprocessableEntity || reqDecode[reqProblem](t, res.body).codes()["status"] != "field.status.transition" {
		t.Errorf("done to open: %d %s", res.status, res.body)
	}
	if res := a.reqAPI(t, "PATCH", "/api/v1/requests/"+r.ID, coord, `{"nonsense":1}`); res.status != http.StatusBadRequest {
		t.Errorf("unknown field: %d", res.status)
	}
}

func TestRequestPages(t *testing.T) {
	a := newTestApp(t)
	c := a.reqBrowser(t, "koord@loerrach.example", domain.RoleCoordinator, "08336050")

	csrf := getForm(t, c, a.srv.URL+"/requests/new")
	form := url.Values{
		"csrf": {csrf}, "category": {"legal_help"}, "title": {"Widerspruch Bescheid"},
		"municipality": {"08336050"}, "plz": {"79539"}, "needed": {"zwei"}, "priority": {"0"},
		"slots": {"mon_am"}, "description": {"Frist 14 Tage"},
	}
	res, page := postForm(t, c, a.srv.URL+"/requests", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", res.StatusCode)
	}
	for _, want := range []string{
		`role="alert"`, `href="#f-lawyer_name"`, `href="#f-needed"`, `aria-describedby="f-needed-hint f-needed-error"`,
		`id="f-lawyer_name-error"`, "Bitte eine ganze Zahl angeben.", `value="Widerspruch Bescheid"`, `value="zwei"`,
		`name="csrf" value="`, "Fluchtgeschichten", `<label for="f-lawyer_contact">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	list := reqDecode[struct{ Total int }](t, a.reqAPI(t, "GET", "/api/v1/requests", a.reqToken(t, "loerrach", "admin@loerrach.example", domain.RoleAdmin), "").body)
	if list.Total != 0 {
		t.Fatalf("invalid form stored a request")
	}

	form.Set("needed", "2")
	form.Set("lawyer_name", "RAin Dr. Weber")
	form.Set("lawyer_contact", "weber@kanzlei.example")
	res, _ = postForm(t, c, a.srv.URL+"/requests", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/requests/") {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	res, err := c.Get(a.srv.URL + loc)
	if err != nil {
		t.Fatal(err)
	}
	page = body(t, res)
	for _, want := range []string{"Widerspruch Bescheid", "RAin Dr. Weber", "Montag", "offen", `action="` + loc + `/status"`} {
		if !strings.Contains(page, want) {
			t.Errorf("show page lacks %q", want)
		}
	}
	csrf = csrfField.FindStringSubmatch(page)[1]

	res, _ = postForm(t, c, a.srv.URL+loc+"/status", url.Values{"csrf": {csrf}, "status": {"matched"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status change: %d", res.StatusCode)
	}
	res, page = postForm(t, c, a.srv.URL+loc+"/status", url.Values{"csrf": {csrf}, "status": {"nonsense"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-status-error"`) {
		t.Errorf("bad status: %d", res.StatusCode)
	}

	res, err = c.Get(a.srv.URL + "/requests?status=matched")
	if err != nil {
		t.Fatal(err)
	}
	page = body(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `href="`+loc+`"`) || !strings.Contains(page, "vermittelt") {
		t.Errorf("list: %d", res.StatusCode)
	}

	// Another coordinator's municipality: 404.
	other := a.reqBrowser(t, "binzen@loerrach.example", domain.RoleCoordinator, "08336006")
	if res, err := other.Get(a.srv.URL + loc); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("other municipality: %v %v", res.StatusCode, err)
	}
}

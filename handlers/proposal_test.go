package handlers_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lotse/domain"
)

// TestProposalReview registers a request and an active volunteer who fits it,
// runs the engine through the API and finds the proposal on the German review
// page: the request, the volunteer's name, the score's parts.
func TestProposalReview(t *testing.T) {
	a := newTestApp(t)
	vid, _ := a.confirmedVolunteer(t) // Sabine Müller: Lörrach, German, housing search, Monday mornings
	r, err := a.svc.RegisterRequest(context.Background(), domain.System(a.tenant.ID), domain.RequestInput{
		Category: "housing_search", Title: "Wohnungssuche Familie K.", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"de"}, Slots: []string{"mon_am"}, Needed: 1, BeneficiaryRef: "WB-2026-0200"})
	if err != nil {
		t.Fatal(err)
	}
	token := a.reqToken(t, a.tenant.Slug, "loerrach@example.org", domain.RoleCoordinator, "08336050")

	res := a.reqAPI(t, "POST", "/api/v1/proposals/run", token, "{}")
	var run struct{ Requests, Volunteers, Proposed, Unfilled int }
	if err := json.Unmarshal([]byte(res.body), &run); err != nil || res.status != http.StatusOK {
		t.Fatalf("run: %d %s", res.status, res.body)
	}
	if run.Requests != 1 || run.Volunteers != 1 || run.Proposed != 1 || run.Unfilled != 0 {
		t.Errorf("run %+v: want one request, one volunteer, one proposed", run)
	}
	res = a.reqAPI(t, "GET", "/api/v1/proposals", token, "")
	if res.status != http.StatusOK || !strings.Contains(res.body, `"request":"`+r.ID.Hex()+`"`) ||
		!strings.Contains(res.body, `"volunteer":"`+vid.Hex()+`"`) {
		t.Errorf("list: %d %s", res.status, res.body)
	}

	browser := a.reqBrowser(t, "koordination@example.org", domain.RoleCoordinator, "08336050")
	page := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
		req.Header.Set("Accept-Language", "de")
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return html.UnescapeString(b)
	}
	got := page("/proposals")
	for _, want := range []string{
		`<a href="/requests/` + r.ID.Hex() + `">Wohnungssuche Familie K.</a>`, "Sabine Müller", "Lörrach",
		"Passung", "km entfernt", "<details>", "Entfernung", "Sprache", "Zeit", "Fähigkeit", "Dringlichkeit",
		"Auslastung", "Kontinuität", "Vorschläge berechnen", `<a href="/proposals">Vorschläge</a>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	if strings.Contains(got, "Noch keine Vorschläge") {
		t.Error("review page shows the empty state")
	}

	// The page's own form runs the engine again and comes back to the queue.
	csrf := csrfField.FindStringSubmatch(got)[1]
	req, _ := http.NewRequest("POST", a.srv.URL+"/proposals/run", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body(t, post)
	if loc := post.Header.Get("Location"); post.StatusCode != http.StatusSeeOther || loc != "/proposals?run=ok" {
		t.Fatalf("run form: %d → %q, want 303 → /proposals?run=ok", post.StatusCode, loc)
	}
	if got := page("/proposals?run=ok"); !strings.Contains(got, "Die Vorschläge wurden neu berechnet.") ||
		!strings.Contains(got, "Sabine Müller") {
		t.Error("after the run the page lacks the confirmation or the proposal")
	}
}

// TestProposalReviewEmpty shows the empty state before the first run.
func TestProposalReviewEmpty(t *testing.T) {
	a := newTestApp(t)
	browser := a.reqBrowser(t, "admin@example.org", domain.RoleAdmin)
	req, _ := http.NewRequest("GET", a.srv.URL+"/proposals", nil)
	req.Header.Set("Accept-Language", "de")
	res, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := html.UnescapeString(body(t, res)); res.StatusCode != http.StatusOK || !strings.Contains(got, "Noch keine Vorschläge") {
		t.Errorf("empty queue: %d, empty state shown: %v", res.StatusCode, strings.Contains(got, "Noch keine Vorschläge"))
	}
}

// TestProposalDecisions takes the coordinator's decisions from the review
// page's forms: approve a proposed volunteer, refuse a rejection without a
// listed reason, reject the alternative, fill the request with the second
// proposed volunteer, and then try the alternative for the full request.
func TestProposalDecisions(t *testing.T) {
	a := newTestApp(t)
	ctx, sys := context.Background(), domain.System(a.tenant.ID)
	names := map[domain.ID]string{}
	for _, n := range []string{"Anna Weber", "Ben Krüger", "Clara Yilmaz"} {
		v := a.activeVolunteer(t, n)
		names[v.ID] = n
	}
	r, err := a.svc.RegisterRequest(ctx, sys, domain.RequestInput{
		Category: "housing_search", Title: "Wohnungssuche Familie S.", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"de"}, Slots: []string{"mon_am"}, Needed: 2, BeneficiaryRef: "WB-2026-0201"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.ProposeMatches(ctx, sys); err != nil {
		t.Fatal(err)
	}
	ps, err := a.svc.Proposals(ctx, sys)
	if err != nil || len(ps) != 1 || len(ps[0].Proposed) != 2 || len(ps[0].Alternatives) != 1 {
		t.Fatalf("proposals: %+v %v, want two proposed and one alternative", ps, err)
	}
	first, second, alt := ps[0].Proposed[0].Volunteer, ps[0].Proposed[1].Volunteer, ps[0].Alternatives[0].Volunteer

	do := coordinatorForms(t, a)
	page := func() string {
		t.Helper()
		status, _, got := do("GET", "/proposals", nil)
		if status != http.StatusOK {
			t.Fatalf("GET /proposals: %d", status)
		}
		return got
	}
	got := page()
	csrf := csrfField.FindStringSubmatch(got)[1]
	decide := func(verb string, v domain.ID, extra ...string) (int, string, string) {
		t.Helper()
		form := url.Values{"csrf": {csrf}, "volunteer": {v.Hex()}}
		for i := 0; i+1 < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		return do("POST", "/proposals/"+r.ID.Hex()+"/"+verb, form)
	}
	back := "/proposals#req-" + r.ID.Hex()
	approveForm := `name="volunteer" value="`
	for _, want := range []string{`id="req-` + r.ID.Hex() + `"`, `action="/proposals/` + r.ID.Hex() + `/approve"`,
		`action="/proposals/` + r.ID.Hex() + `/reject"`, "Bestätigen", "Stattdessen wählen",
		"Diese Wahl übergeht den Vorschlag von Lotse", "Grund der Ablehnung", `<option value="conflict_of_interest">Interessenkonflikt</option>`,
		approveForm + first.Hex(), approveForm + alt.Hex(), names[alt]} {
		if !strings.Contains(got, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	if strings.Count(got, "übergeht den Vorschlag") != 1 {
		t.Error("the override warning should stand at the alternative only")
	}

	if status, loc, _ := decide("approve", first); status != http.StatusSeeOther || loc != back {
		t.Fatalf("approve: %d → %q, want 303 → %s", status, loc, back)
	}
	got = page()
	if !strings.Contains(got, "bestätigt") || strings.Contains(got, approveForm+first.Hex()) {
		t.Errorf("after approving, the page shows bestätigt: %v, still the forms: %v",
			strings.Contains(got, "bestätigt"), strings.Contains(got, approveForm+first.Hex()))
	}

	// A rejection needs a reason from the list.
	status, _, got := decide("reject", alt, "reason", "dislike")
	if status != http.StatusUnprocessableEntity || !strings.Contains(got, "Bitte wählen Sie aus den angebotenen Möglichkeiten.") ||
		!strings.Contains(got, `aria-invalid="true"`) {
		t.Errorf("bad reason: %d, message shown: %v", status, strings.Contains(got, "angebotenen Möglichkeiten"))
	}
	if status, loc, _ := decide("reject", alt, "reason", "beneficiary_preference", "note", "kennt die Familie"); status != http.StatusSeeOther || loc != back {
		t.Fatalf("reject: %d → %q", status, loc)
	}
	if got := page(); !strings.Contains(got, "abgelehnt: Wunsch der hilfesuchenden Person") || strings.Contains(got, approveForm+alt.Hex()) {
		t.Error("after rejecting, the page lacks the rejection or still shows the alternative's forms")
	}
	m, err := a.st.Match(ctx, sys, r.ID, alt)
	if err != nil || m.Status != domain.MatchRejected || m.Reason != "beneficiary_preference" || !m.Override {
		t.Fatalf("stored rejection: %+v %v", m, err)
	}

	// The second approval fills the request; choosing the alternative after
	// that is a conflict the page explains.
	if status, loc, _ := decide("approve", second); status != http.StatusSeeOther || loc != back {
		t.Fatalf("second approve: %d → %q", status, loc)
	}
	status, _, got = decide("approve", alt)
	if status != http.StatusConflict || !strings.Contains(got, `role="alert"`) ||
		!strings.Contains(got, "Diese Anfrage ist nicht mehr offen – jemand hat inzwischen entschieden.") {
		t.Errorf("approval for the full request: %d, alert shown: %v", status, strings.Contains(got, "nicht mehr offen"))
	}
	for _, v := range []domain.ID{first, second} {
		if m, err := a.st.Match(ctx, sys, r.ID, v); err != nil || m.Status != domain.MatchApproved || m.Override {
			t.Errorf("%s: %+v %v, want approved", names[v], m, err)
		}
	}
	if req, err := a.svc.Request(ctx, sys, r.ID); err != nil || req.Status != domain.RequestMatched {
		t.Errorf("request after two approvals: %+v %v, want matched", req, err)
	}
}

// activeVolunteer stores an active volunteer in Lörrach who speaks German,
// helps with housing search on Monday mornings and has room for one more.
func (a *testApp) activeVolunteer(t *testing.T, name string) *domain.Volunteer {
	t.Helper()
	place, ok := a.svc.Geo.Lookup("79539")
	if !ok {
		t.Fatal("unknown plz 79539")
	}
	v := &domain.Volunteer{Tenant: a.tenant.ID, Municipality: "08336050", Name: name,
		Email: strings.ToLower(strings.Fields(name)[0]) + "@example.org", PLZ: "79539",
		Lat: place.Point.Lat, Lon: place.Point.Lon, RadiusKm: 20, Transport: []string{"car"},
		Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}}, Skills: []string{"housing_search"},
		Availability: []string{"mon_am"}, Capacity: 1, MaxHoursPerMonth: 10, PrivacyVersion: "2026-01",
		PrivacyConsentAt: time.Now(), Locale: "de", Status: domain.VolunteerActive}
	if err := a.st.CreateVolunteer(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestProposalBulkApprove: the review page's bulk form approves the proposed
// volunteers above the threshold, says how many, and refuses a threshold out
// of range with a message at the field.
func TestProposalBulkApprove(t *testing.T) {
	a := newTestApp(t)
	ctx, sys := context.Background(), domain.System(a.tenant.ID)
	for _, n := range []string{"Anna Weber", "Ben Krüger", "Clara Yilmaz"} {
		a.activeVolunteer(t, n)
	}
	r, err := a.svc.RegisterRequest(ctx, sys, domain.RequestInput{
		Category: "housing_search", Title: "Wohnungssuche Familie S.", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"de"}, Slots: []string{"mon_am"}, Needed: 2, BeneficiaryRef: "WB-2026-0202"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.ProposeMatches(ctx, sys); err != nil {
		t.Fatal(err)
	}
	do := coordinatorForms(t, a)
	_, _, got := do("GET", "/proposals", nil)
	csrf := csrfField.FindStringSubmatch(got)[1]
	if !strings.Contains(got, `action="/proposals/approve-above"`) || !strings.Contains(got, `id="f-min_score"`) {
		t.Fatal("the review page has no bulk form")
	}

	for _, bad := range []string{"40", "zehn"} {
		status, _, page := do("POST", "/proposals/approve-above", url.Values{"csrf": {csrf}, "min_score": {bad}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#f-min_score"`) ||
			!strings.Contains(page, `value="`+bad+`"`) {
			t.Errorf("threshold %q: %d, want 422 with the message at the field and the input kept", bad, status)
		}
	}
	if ms, _ := a.svc.Store.Matches(ctx, sys); len(ms) != 0 {
		t.Fatalf("a refused bulk approval decided %d pairs", len(ms))
	}

	status, loc, _ := do("POST", "/proposals/approve-above", url.Values{"csrf": {csrf}, "min_score": {"50"}})
	if status != http.StatusSeeOther || loc != "/proposals?approved=2&failed=0" {
		t.Fatalf("bulk approval: %d → %q", status, loc)
	}
	_, _, got = do("GET", loc, nil)
	if !strings.Contains(got, "Bestätigte Vorschläge: 2.") {
		t.Error("the page does not say how many were approved")
	}
	ms, _ := a.svc.Store.Matches(ctx, sys)
	if len(ms) != 2 || ms[0].Request != r.ID || ms[0].Status != domain.MatchApproved || ms[1].Status != domain.MatchApproved {
		t.Errorf("matches after bulk approval: %+v", ms)
	}
}

// coordinatorForms signs in a coordinator of Lörrach; see formsAs.
func coordinatorForms(t *testing.T, a *testApp) func(method, path string, form url.Values) (int, string, string) {
	return formsAs(t, a, "koordination@example.org", domain.RoleCoordinator, "08336050")
}

// formsAs signs in a staff user and returns a function that sends a page
// request (a form when form is not nil) in German and returns the status,
// the redirect and the unescaped page.
func formsAs(t *testing.T, a *testApp, email string, role domain.Role, munis ...string) func(method, path string, form url.Values) (int, string, string) {
	browser := a.reqBrowser(t, email, role, munis...)
	return func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(form.Encode()))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", "de")
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Header.Get("Location"), html.UnescapeString(body(t, res))
	}
}

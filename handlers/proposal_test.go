package handlers_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

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

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lotse/domain"
)

// TestClaimPage: one accountant checks a claim from the list, the same
// accountant is refused the release with the four-eyes message, a second
// accountant releases; the list says so at each step.
func TestClaimPage(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	c := &domain.Claim{Tenant: a.tenant.ID, Volunteer: domain.NewID(a.svc.Now()), Municipality: "08336050",
		Kind: domain.ClaimTravel, AmountCents: 2736, Status: domain.ClaimSubmitted,
		Trips: []domain.ClaimTrip{{Date: "2026-11-20", From: "79539", To: "79650", Metres: 12300, Mode: "car",
			Purpose: "Begleitung zum Amt", Table: "BRKG", AmountCents: 2736}}}
	if err := a.st.CreateClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	first := formsAs(t, a, "kasse1@example.org", domain.RoleAccountant)
	second := formsAs(t, a, "kasse2@example.org", domain.RoleAccountant)
	csrfOf := func(do func(string, string, url.Values) (int, string, string)) string {
		_, _, page := do("GET", "/claims", nil)
		if !strings.Contains(page, "27,36 €") || !strings.Contains(page, "79539 → 79650") {
			t.Fatalf("the list lacks the claim:\n%s", page)
		}
		return csrfField.FindStringSubmatch(page)[1]
	}
	id := c.ID.Hex()
	csrf1 := csrfOf(first)
	if status, loc, _ := first("POST", "/claims/"+id+"/check", url.Values{"csrf": {csrf1}}); status != http.StatusSeeOther ||
		loc != "/claims?done=check#claim-"+id {
		t.Fatalf("check: %d → %q", status, loc)
	}
	_, _, page := first("GET", "/claims?done=check", nil)
	if !strings.Contains(page, "Als sachlich richtig vermerkt.") || !strings.Contains(page, "Sie haben diese Abrechnung sachlich geprüft") ||
		strings.Contains(page, `action="/claims/`+id+`/release"`) {
		t.Errorf("after checking, the checker sees a release button or no four-eyes note:\n%s", page)
	}
	status, _, page := first("POST", "/claims/"+id+"/release", url.Values{"csrf": {csrf1}})
	if status != http.StatusConflict || !strings.Contains(page, "Vier-Augen-Prinzip") {
		t.Fatalf("the checker releases: %d", status)
	}
	csrf2 := csrfOf(second)
	if status, _, _ := second("POST", "/claims/"+id+"/release", url.Values{"csrf": {csrf2}}); status != http.StatusSeeOther {
		t.Fatalf("second accountant releases: %d", status)
	}
	got, _ := a.st.Claim(ctx, a.tenant.ID, c.ID)
	if got.Status != domain.ClaimReleased || got.CheckedBy == got.ReleasedBy {
		t.Fatalf("claim %+v", got)
	}
	// Released claims leave the open list; a reversal without reason is
	// refused at the field.
	if _, _, page := second("GET", "/claims", nil); strings.Contains(page, "27,36 €") {
		t.Error("a released claim is still among the open ones")
	}
	status, _, page = second("POST", "/claims/"+id+"/reverse", url.Values{"csrf": {csrf2}, "reason": {" "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `href="#f-reason-`+id+`"`) {
		t.Fatalf("reversal without reason: %d", status)
	}
}

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// assignedVolunteer approves the offer case's volunteer for its request and
// lets her accept, so she holds the assignment.
func assignedVolunteer(t *testing.T, a *testApp, oc *offerCase) {
	t.Helper()
	ctx := context.Background()
	sc := domain.Scope{Tenant: a.tenant.ID, User: oc.coord.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	if _, err := a.svc.ProposeMatches(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.ApproveMatch(ctx, sc, oc.request.ID, oc.volunteer.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.RespondAsVolunteer(ctx, oc.volunteer, oc.request.ID, true, ""); err != nil {
		t.Fatal(err)
	}
}

// TestPortalClaims drives the refund pages over HTTP: the claim form of her
// assignment, a refused claim that keeps the input and points at the rows,
// bank details refused and then saved on the way, a valid claim stored with
// the right amount and listed on the overview; another request's form is
// not hers.
func TestPortalClaims(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	oc := newOfferRequest(t, a)
	assignedVolunteer(t, a, oc)
	c := a.client()
	u, _ := url.Parse(a.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "lotse_me", Value: a.portalToken(t, oc.volunteer.Email), Path: "/"}})
	hex := oc.request.ID.Hex()
	formURL := a.srv.URL + "/me/claims/new?request=" + hex

	status, page := get(t, c, a.srv.URL+"/me")
	if status != http.StatusOK || !strings.Contains(page, `href="/me/claims/new?request=`+hex+`"`) ||
		!strings.Contains(page, "Sie haben noch keine Fahrtkosten abgerechnet.") {
		t.Fatalf("overview: %d", status)
	}
	status, page = get(t, c, formURL)
	if status != http.StatusOK || !strings.Contains(page, oc.request.Title) || !strings.Contains(page, `href="/me/bank?request=`+hex+`"`) ||
		!strings.Contains(page, "Sie können die Abrechnung schon jetzt einreichen") {
		t.Fatalf("claim form: %d", status)
	}
	csrf := csrfField.FindStringSubmatch(page)[1]

	// Someone else's request, and none at all: not found.
	if status, _ := get(t, c, a.srv.URL+"/me/claims/new?request="+domain.NewID(time.Now()).Hex()); status != http.StatusNotFound {
		t.Errorf("a request not hers: %d", status)
	}
	if status, _ := get(t, c, a.srv.URL+"/me/claims/new"); status != http.StatusNotFound {
		t.Errorf("no request: %d", status)
	}

	day := func(back int) string { return time.Now().In(berlinZone(t)).AddDate(0, 0, -back).Format("2006-01-02") }
	// Row 1 by car with mistakes, row 2 empty, row 3 by train without a fare.
	form := url.Values{"csrf": {csrf}, "request": {hex}, "note": {"Fahrschein liegt vor"},
		"trips[0].date": {day(3)}, "trips[0].from": {"79539"}, "trips[0].to": {"Weil am Rhein"}, "trips[0].km": {"zwölf"},
		"trips[0].mode": {"car"}, "trips[0].passengers": {"zwei"}, "trips[0].purpose": {""},
		"trips[1].mode": {"car"},
		"trips[2].date": {day(2)}, "trips[2].from": {"Lörrach"}, "trips[2].to": {"Basel Bad Bf"}, "trips[2].mode": {"public_transport"},
		"trips[2].purpose": {"Termin Ausländerbehörde"}}
	res, page := postForm(t, c, a.srv.URL+"/me/claims", form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused claim: %d", res.StatusCode)
	}
	for _, want := range []string{`href="#f-trips-0-km"`, `href="#f-trips-0-purpose"`, `href="#f-trips-0-passengers"`,
		`href="#f-trips-2-ticket"`, `id="f-trips-2-ticket-error"`, `value="zwölf"`, `value="Weil am Rhein"`, `value="Basel Bad Bf"`,
		"Bitte geben Sie die gefahrenen Kilometer an", "Bitte geben Sie den Fahrpreis an", "Bitte eine ganze Zahl angeben.",
		"Fahrschein liegt vor"} {
		if !strings.Contains(page, want) {
			t.Errorf("refused claim lacks %q", want)
		}
	}
	if strings.Contains(page, `href="#f-trips-1-`) || strings.Contains(page, `<details class="trip" open>
 <summary>Weitere Fahrt eintragen (Fahrt 2)`) {
		t.Error("the empty row has errors")
	}
	if cs, _ := a.svc.ClaimsOf(ctx, oc.volunteer); len(cs) != 0 {
		t.Fatalf("a refused claim was stored: %d", len(cs))
	}

	// Bank details on the way: a typo first, then the right IBAN; back to
	// the claim form, which now shows the account masked.
	res, page = postForm(t, c, a.srv.URL+"/me/bank", url.Values{"csrf": {csrf}, "request": {hex},
		"iban": {"DE89 3704 0044 0532 0130 01"}, "holder": {"Anna Weber"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Diese IBAN stimmt nicht") ||
		!strings.Contains(page, `value="Anna Weber"`) {
		t.Fatalf("refused bank details: %d", res.StatusCode)
	}
	res, _ = postForm(t, c, a.srv.URL+"/me/bank", url.Values{"csrf": {csrf}, "request": {hex},
		"iban": {"DE89 3704 0044 0532 0130 00"}, "holder": {"Anna Weber"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/claims/new?request="+hex+"&done=bank" {
		t.Fatalf("bank details: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	status, page = get(t, c, a.srv.URL+res.Header.Get("Location"))
	if status != http.StatusOK || !strings.Contains(page, "DE** **** **** **** **30 00") || strings.Contains(page, "0532") ||
		!strings.Contains(page, "Ihre Bankverbindung ist gespeichert.") {
		t.Fatalf("claim form after the bank details: %d", status)
	}

	// Corrected: 12,3 km by car (0,20 €/km under BRKG) and a 4,60 € fare.
	form.Set("trips[0].km", "12,3")
	form.Set("trips[0].passengers", "")
	form.Set("trips[0].purpose", "Begleitung zur Wohnungsbesichtigung")
	form.Set("trips[2].ticket", "4,60")
	res, _ = postForm(t, c, a.srv.URL+"/me/claims", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me?done=claim" {
		t.Fatalf("claim: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	cs, err := a.svc.ClaimsOf(ctx, oc.volunteer)
	if err != nil || len(cs) != 1 {
		t.Fatalf("claims %d, %v", len(cs), err)
	}
	cl := cs[0].Claim
	if cl.AmountCents != 706 || len(cl.Trips) != 2 || cl.Trips[0].AmountCents != 246 || cl.Trips[1].TicketCents != 460 ||
		cl.Request != oc.request.ID || cl.Status != domain.ClaimSubmitted || cl.Note != "Fahrschein liegt vor" {
		t.Fatalf("stored claim %+v", cl)
	}
	status, page = get(t, c, a.srv.URL+"/me?done=claim")
	row := `id="claim-row-` + cl.ID.Hex() + `"`
	if status != http.StatusOK || !strings.Contains(page, row) || !strings.Contains(page, "7,06 €") ||
		!strings.Contains(page, "eingereicht") || !strings.Contains(page, "Ihre Abrechnung ist eingereicht.") ||
		!strings.Contains(page, "DE** **** **** **** **30 00") {
		t.Fatalf("overview after the claim: %d", status)
	}
	v, err := a.st.Volunteer(ctx, domain.System(a.tenant.ID), oc.volunteer.ID)
	if err != nil || v.BankIBAN != "DE89370400440532013000" || v.BankHolder != "Anna Weber" {
		t.Fatalf("stored bank details %q %q (%v)", v.BankIBAN, v.BankHolder, err)
	}
}

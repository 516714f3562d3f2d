package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/domain"
)

// TestBrowserPortalClaim walks a volunteer's travel claim in Chromium: she
// signs in with the link the SMTP server received, enters her bank details,
// opens the claim form of her assignment, sends one car trip without the
// kilometres, corrects it and finds the claim listed as submitted with its
// amount. Then one accountant checks it, a second releases it, and she sees
// it released.
func TestBrowserPortalClaim(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	ctx := context.Background()
	oc := newOfferRequest(t, a)
	assignedVolunteer(t, a, oc)
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want the offer", n)
	}
	b := newBrowser(t, path)

	// Sign in by mailed link.
	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/me/login"))
	b.do(chromedp.SendKeys(chromedp.ID("f-email"), oc.volunteer.Email))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/login"] button[type="submit"]`)))
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want the login link", n)
	}
	link := portalLink.FindString(a.smtp.WaitFor(t, 2, 5*time.Second)[1].Text)
	if link == "" {
		t.Fatal("no login link in the mail")
	}
	b.load(http.StatusOK, chromedp.Navigate(link))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/enter"] button[type="submit"]`)))
	if got := b.text("#me-claims p"); !strings.Contains(got, "brauchen wir noch Ihre Bankverbindung") {
		t.Errorf("without bank details the overview says %q", got)
	}

	// Bank details.
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`#me-bank a[href="/me/bank"]`)))
	b.do(chromedp.SendKeys(chromedp.ID("f-iban"), "DE89 3704 0044 0532 0130 00"),
		chromedp.SendKeys(chromedp.ID("f-holder"), "Anna Weber"))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/bank"] button[type="submit"]`)))
	if got := b.text("#me-done"); got != "Ihre Bankverbindung ist gespeichert." {
		t.Errorf("after saving the bank details the page says %q", got)
	}
	if got := b.text("#me-bank"); !strings.Contains(got, "DE** **** **** **** **30 00") || strings.Contains(got, "0532") {
		t.Errorf("bank details shown as %q", got)
	}

	// The claim form of her assignment: one car trip, the kilometres
	// forgotten first.
	hex := oc.request.ID.Hex()
	b.load(http.StatusOK, chromedp.Click(chromedp.ID("claim-"+hex)))
	if h1 := b.text("h1"); h1 != "Fahrtkosten abrechnen" {
		t.Fatalf("claim form heading %q", h1)
	}
	if got := b.text("#me-claim-bank"); !strings.Contains(got, "DE** **** **** **** **30 00") {
		t.Errorf("claim form's bank line %q", got)
	}
	day := time.Now().In(berlinZone(t)).AddDate(0, 0, -2).Format("2006-01-02")
	b.do(chromedp.SetValue(chromedp.ID("f-trips-0-date"), day),
		chromedp.SendKeys(chromedp.ID("f-trips-0-purpose"), "Begleitung zur Wohnungsbesichtigung"),
		chromedp.SendKeys(chromedp.ID("f-trips-0-from"), "79539"),
		chromedp.SendKeys(chromedp.ID("f-trips-0-to"), "79540"))
	if got := b.value("#f-trips-0-mode"); got != "car" {
		t.Errorf("means of travel preset to %q, want car", got)
	}
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`main form[action="/me/claims"] button[type="submit"]`)))
	b.wantFieldError("f-trips-0-km", "Bitte geben Sie die gefahrenen Kilometer an")
	if got := b.value("#f-trips-0-purpose"); got != "Begleitung zur Wohnungsbesichtigung" {
		t.Errorf("the refused form lost the purpose: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`#error-summary a[href="#f-trips-0-km"]`)))
	if id := value(b, chromedp.Evaluate[string](`document.activeElement.id`)); id != "f-trips-0-km" {
		t.Errorf("the summary link focuses #%s", id)
	}
	b.do(chromedp.SendKeys(chromedp.ID("f-trips-0-km"), "12,3"))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/claims"] button[type="submit"]`)))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/me?done=claim" {
		t.Fatalf("after submitting the browser is at %s", loc)
	}
	if got := b.text("#me-done"); !strings.HasPrefix(got, "Ihre Abrechnung ist eingereicht.") {
		t.Errorf("after submitting the page says %q", got)
	}
	row := b.text("#me-claims tbody tr")
	for _, want := range []string{oc.request.Title, "2,46 €", "eingereicht", time.Now().In(berlinZone(t)).Format("02.01.2006")} {
		if !strings.Contains(row, want) {
			t.Errorf("claim row %q lacks %q", row, want)
		}
	}
	cs, err := a.svc.ClaimsOf(ctx, oc.volunteer)
	if err != nil || len(cs) != 1 || cs[0].Claim.AmountCents != 246 || cs[0].Claim.Status != domain.ClaimSubmitted ||
		len(cs[0].Claim.Trips) != 1 || cs[0].Claim.Trips[0].Date != day {
		t.Fatalf("stored claims %+v (%v)", cs, err)
	}

	// From the claim to its release: one accountant checks it, and being
	// the checker sees no release button; a second accountant releases it.
	claimID := cs[0].Claim.ID.Hex()
	a.addUser(t, "kasse1@example.org", domain.RoleAccountant)
	a.addUser(t, "kasse2@example.org", domain.RoleAccountant)
	staff := func(email string) *browser {
		sctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		s := &browser{t: t, ctx: sctx}
		s.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/login?next=/claims"))
		s.do(chromedp.SendKeys(chromedp.ID("f-email"), email), chromedp.SendKeys(chromedp.ID("f-password"), staffPassword))
		s.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`)))
		if loc := value(s, chromedp.Location()); loc != a.srv.URL+"/claims" {
			t.Fatalf("%s signed in at %s", email, loc)
		}
		return s
	}
	first := staff("kasse1@example.org")
	section := "#claim-" + claimID
	if got := first.text(section + " h2"); !strings.Contains(got, oc.volunteer.Name) || !strings.Contains(got, "2,46 €") {
		t.Errorf("the accountant's list shows %q", got)
	}
	first.load(http.StatusOK, chromedp.Click(chromedp.CSS(section+` form[action="/claims/`+claimID+`/check"] button`)))
	if got := first.text(section); !strings.Contains(got, "sachlich richtig") || !strings.Contains(got, "freigeben muss jemand anderes") {
		t.Errorf("after checking: %q", got)
	}
	if n := value(first, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/claims/`+claimID+`/release"]').length`)); n != 0 {
		t.Error("the checker is offered the release")
	}
	second := staff("kasse2@example.org")
	second.load(http.StatusOK, chromedp.Click(chromedp.CSS(section+` form[action="/claims/`+claimID+`/release"] button`)))
	if got := second.text("main .flash"); got != "Freigegeben." {
		t.Errorf("after releasing the page says %q", got)
	}
	stored, err := a.st.Claim(ctx, a.tenant.ID, cs[0].Claim.ID)
	if err != nil || stored.Status != domain.ClaimReleased || stored.CheckedBy == stored.ReleasedBy {
		t.Fatalf("released claim %+v %v", stored, err)
	}
	// The volunteer sees it released.
	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/me"))
	if row := b.text("#me-claims tbody tr"); !strings.Contains(row, "freigegeben") {
		t.Errorf("the volunteer's row after the release: %q", row)
	}
}

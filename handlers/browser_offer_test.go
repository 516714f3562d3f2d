package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/domain"
)

// TestBrowserOfferAccept takes an offer from end to end in Chromium: the
// coordinator signs in, computes the proposals and approves the proposed
// volunteer; the offer goes out by mail; the volunteer, in a browser context
// of her own (no staff cookie), opens the mailed link and accepts.
func TestBrowserOfferAccept(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	oc := newOfferRequest(t, a)
	b := newBrowser(t, path)

	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/login?next=/proposals"))
	b.do(
		chromedp.SendKeys(chromedp.ID("f-email"), oc.coord.Email),
		chromedp.SendKeys(chromedp.ID("f-password"), staffPassword),
	)
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`)))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/proposals" {
		t.Fatalf("after signing in the browser is at %s", loc)
	}
	run := `form[action="/proposals/run"] button[type="submit"]`
	if label := b.text(run); label != "Vorschläge berechnen" {
		t.Fatalf("run button %q", label)
	}
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(run)))
	// One volunteer is proposed, so the request's row has one approval form.
	form := `#req-` + oc.request.ID.Hex() + ` form[action="/proposals/` + oc.request.ID.Hex() + `/approve"]`
	if got := b.value(form + ` input[name="volunteer"]`); got != oc.volunteer.ID.Hex() {
		t.Fatalf("the approval form names %s, want %s (%s)", got, oc.volunteer.ID.Hex(), oc.volunteer.Name)
	}
	approve := form + ` button[type="submit"]`
	if label := b.text(approve); label != "Bestätigen" {
		t.Fatalf("approve button for %s: %q", oc.volunteer.Name, label)
	}
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(approve)))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/proposals#req-"+oc.request.ID.Hex() {
		t.Fatalf("after approving the browser is at %s", loc)
	}
	if m := oc.match(t); m.Status != domain.MatchApproved {
		t.Fatalf("after approving the match is %s", m.Status)
	}
	oc.readOffer(t)

	// The volunteer's browser shares nothing with the coordinator's.
	vctx, vcancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(vcancel)
	v := &browser{t: t, ctx: vctx}
	v.load(http.StatusOK, chromedp.Navigate(oc.link))
	if h1 := v.text("h1"); h1 != "Eine Anfrage für Sie" {
		t.Fatalf("offer page heading %q", h1)
	}
	if links := value(v, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/proposals"]').length`)); links != 0 {
		t.Fatal("the volunteer's browser shows the staff navigation")
	}
	if st := v.text("#offer-status"); st != "Wartet auf Ihre Antwort" {
		t.Errorf("status before answering %q", st)
	}
	if m := oc.match(t); m.Status != domain.MatchApproved {
		t.Fatalf("opening the link answered the offer: %s", m.Status)
	}
	accept := `form[action="/offers/accept"] button[type="submit"]`
	if label := v.text(accept); label != "Ja, ich helfe gern" {
		t.Errorf("accept button %q", label)
	}
	v.load(http.StatusOK, chromedp.Click(chromedp.CSS(accept)))
	if got := v.text(`main [role="status"]`); !strings.Contains(got, "Zugesagt – vielen Dank!") {
		t.Fatalf("after accepting the page says %q", got)
	}
	if n := value(v, chromedp.Evaluate[int](`document.querySelectorAll('form[action^="/offers/"]').length`)); n != 0 {
		t.Errorf("after accepting the page still shows %d answer forms", n)
	}
	if m := oc.match(t); m.Status != domain.MatchAccepted {
		t.Fatalf("after accepting the match is %s", m.Status)
	}
}

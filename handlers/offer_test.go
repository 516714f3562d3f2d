package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/mail/mailtest"
)

var (
	offerLink  = regexp.MustCompile(`https?://[^\s"<>]+/offers\?[^\s"<>]+`)
	hiddenLink = regexp.MustCompile(`name="(r|v|exp|sig)" value="([^"]*)"`)
)

// offerCase is a request in Lörrach that a coordinator filed and approved a
// volunteer for, and the offer mail the volunteer got.
type offerCase struct {
	a         *testApp
	coord     *domain.User
	staff     *http.Client // the coordinator's browser
	request   *domain.HelpRequest
	volunteer *domain.Volunteer
	mail      mailtest.Received
	link      string
}

// newOfferCase files a request as the coordinator, who then signs in, runs
// the proposals and approves the proposed volunteer with the review page's
// form; the outbox goes to the SMTP server and the offer's link is read from
// the mail.
func newOfferCase(t *testing.T) *offerCase {
	t.Helper()
	oc := newOfferRequest(t, newTestApp(t))
	a := oc.a
	oc.staff = a.client()
	if res, _ := a.login(t, oc.staff, oc.coord.Email, staffPassword, "/proposals"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	csrf := getForm(t, oc.staff, a.srv.URL+"/proposals")
	if res, _ := postForm(t, oc.staff, a.srv.URL+"/proposals/run", url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run: %d", res.StatusCode)
	}
	res, err := oc.staff.Get(a.srv.URL + "/proposals")
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, res)
	form := `action="/proposals/` + oc.request.ID.Hex() + `/approve"`
	if !strings.Contains(page, form) || !strings.Contains(page, `name="volunteer" value="`+oc.volunteer.ID.Hex()+`"`) {
		t.Fatalf("review page lacks the approval form for %s", oc.volunteer.Name)
	}
	res, _ = postForm(t, oc.staff, a.srv.URL+"/proposals/"+oc.request.ID.Hex()+"/approve",
		url.Values{"csrf": {csrf}, "volunteer": {oc.volunteer.ID.Hex()}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	oc.readOffer(t)
	return oc
}

// newOfferRequest stores an active volunteer ("Anna Weber") and a coordinator
// of Lörrach, who files a request the volunteer fits.
func newOfferRequest(t *testing.T, a *testApp) *offerCase {
	t.Helper()
	ctx := context.Background()
	oc := &offerCase{a: a, volunteer: a.activeVolunteer(t, "Anna Weber")}
	var err error
	oc.coord, err = a.svc.AddUser(ctx, a.tenant.Slug, domain.UserInput{Email: "loerrach@example.org",
		Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}, Password: staffPassword})
	if err != nil {
		t.Fatal(err)
	}
	sc := domain.Scope{Tenant: a.tenant.ID, User: oc.coord.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	oc.request, err = a.svc.RegisterRequest(ctx, sc, domain.RequestInput{
		Category: "housing_search", Title: "Wohnungssuche Familie O.", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"de"}, Slots: []string{"mon_am"}, Needed: 1, BeneficiaryRef: "WB-2026-0500"})
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

// readOffer sends the outbox, which must hold just the offer, to the SMTP
// server and reads the offer's link from the mail.
func (oc *offerCase) readOffer(t *testing.T) {
	t.Helper()
	a := oc.a
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails after the approval, want the offer", n)
	}
	oc.mail = a.smtp.WaitFor(t, 1, 5*time.Second)[0]
	if len(oc.mail.To) != 1 || oc.mail.To[0] != oc.volunteer.Email || oc.mail.Subject != a.svc.T.T("de", "mail.offer.subject") {
		t.Fatalf("offer mail to %v, subject %q", oc.mail.To, oc.mail.Subject)
	}
	if oc.link = offerLink.FindString(oc.mail.Text); oc.link == "" {
		t.Fatalf("no offer link in the mail:\n%s", oc.mail.Text)
	}
}

// match returns the stored match of the case's pair.
func (oc *offerCase) match(t *testing.T) *domain.Match {
	t.Helper()
	m, err := oc.a.st.MatchForLink(context.Background(), oc.request.ID, oc.volunteer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// get opens u in c and returns the status and the unescaped page.
func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, html.UnescapeString(body(t, res))
}

// answer sends the offer page's form verb ("accept" or "decline") with the
// hidden fields as the page has them.
func (oc *offerCase) answer(t *testing.T, c *http.Client, page, verb string, extra url.Values) (int, string) {
	t.Helper()
	form := url.Values{}
	for k, v := range extra {
		form[k] = v
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the offer page has no CSRF token")
	}
	form.Set("csrf", m[1])
	for _, f := range hiddenLink.FindAllStringSubmatch(page, 4) {
		form.Set(f[1], f[2])
	}
	res, err := c.PostForm(oc.a.srv.URL+"/offers/"+verb, form)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, html.UnescapeString(body(t, res))
}

// TestOfferAccept follows the offer from the coordinator's approval to the
// volunteer's yes: opening the mailed link shows the offer and answers
// nothing; accept answers it; accepting again changes nothing; declining by
// the old link afterwards is refused.
func TestOfferAccept(t *testing.T) {
	oc := newOfferCase(t)
	a := oc.a
	vol := a.client() // the volunteer's own browser: no staff session

	for range 2 { // a mail scanner first, then the volunteer
		status, page := get(t, vol, oc.link)
		if status != http.StatusOK {
			t.Fatalf("GET offer: %d", status)
		}
		for _, want := range []string{"Eine Anfrage für Sie", "Hallo Anna Weber,", "Wohnungssuche Familie O.",
			"Wohnungssuche", "Lörrach", "Montag vormittags (8–12 Uhr)", "Wartet auf Ihre Antwort",
			`action="/offers/accept"`, `action="/offers/decline"`, `maxlength="500"`, "Ja, ich helfe gern", "Nein, diesmal nicht"} {
			if !strings.Contains(page, want) {
				t.Errorf("offer page lacks %q", want)
			}
		}
		if strings.Contains(page, "WB-2026-0500") {
			t.Error("the offer page shows the beneficiary's reference")
		}
	}
	if m := oc.match(t); m.Status != domain.MatchApproved {
		t.Fatalf("after opening the link the match is %s, want still approved", m.Status)
	}

	_, page := get(t, vol, oc.link)
	before := a.auditCount(t)
	status, got := oc.answer(t, vol, page, "accept", nil)
	if status != http.StatusOK || !strings.Contains(got, "Zugesagt – vielen Dank!") || !strings.Contains(got, "Sie haben zugesagt.") ||
		strings.Contains(got, `action="/offers/`) {
		t.Fatalf("accept: %d, thanks shown: %v, forms gone: %v", status,
			strings.Contains(got, "Zugesagt – vielen Dank!"), !strings.Contains(got, `action="/offers/`))
	}
	if m := oc.match(t); m.Status != domain.MatchAccepted {
		t.Fatalf("after accepting the match is %s", m.Status)
	}
	afterFirst := a.auditCount(t)
	if afterFirst != before+1 {
		t.Errorf("accepting wrote %d audit records, want 1", afterFirst-before)
	}

	// The same click again (a reload, a double click): the same page, nothing
	// recorded twice.
	status, got = oc.answer(t, vol, page, "accept", nil)
	if status != http.StatusOK || !strings.Contains(got, "Zugesagt – vielen Dank!") {
		t.Errorf("second accept: %d", status)
	}
	if n := a.auditCount(t); n != afterFirst {
		t.Errorf("second accept wrote %d more audit records", n-afterFirst)
	}

	// Changing one's mind by the old link is refused with the recorded answer.
	status, got = oc.answer(t, vol, page, "decline", url.Values{"reason": {"doch keine Zeit"}})
	if status != http.StatusConflict || !strings.Contains(got, "Sie haben auf dieses Angebot bereits geantwortet.") ||
		!strings.Contains(got, "Sie haben zugesagt.") {
		t.Errorf("decline after accept: %d", status)
	}
	if m := oc.match(t); m.Status != domain.MatchAccepted {
		t.Errorf("after the refused decline the match is %s", m.Status)
	}
	if status, got := get(t, vol, oc.link); status != http.StatusOK || !strings.Contains(got, "Sie haben zugesagt.") ||
		strings.Contains(got, `action="/offers/`) {
		t.Errorf("the link after answering: %d, shows the answer: %v", status, strings.Contains(got, "Sie haben zugesagt."))
	}
	if n := a.dispatch(); n != 0 {
		t.Errorf("accepting queued %d mails", n)
	}
}

// TestOfferDecline declines in English with a reason: the request is open
// again and its coordinator gets the decline notice.
func TestOfferDecline(t *testing.T) {
	oc := newOfferCase(t)
	a := oc.a
	ctx := context.Background()
	vol := a.client()

	// ?lang=en switches the page; the cookie keeps English for the answer.
	// The mailed link opens in the volunteer's language (German here); the
	// switch on the page overrides it.
	en, _ := url.Parse(oc.link)
	q := en.Query()
	if q.Get("lang") != "de" {
		t.Fatalf("mailed link without the volunteer's language: %s", oc.link)
	}
	q.Set("lang", "en")
	en.RawQuery = q.Encode()
	status, page := get(t, vol, en.String())
	if status != http.StatusOK || !strings.Contains(page, `<html lang="en"`) || !strings.Contains(page, "Hello Anna Weber,") ||
		!strings.Contains(page, "Housing search") || !strings.Contains(page, "Monday mornings (8–12)") {
		t.Fatalf("English offer page: %d", status)
	}
	status, got := oc.answer(t, vol, page, "decline", url.Values{"reason": {"Bin im Urlaub"}})
	if status != http.StatusOK || !strings.Contains(got, "Declined – thank you for letting us know") ||
		!strings.Contains(got, "You declined.") || strings.Contains(got, `action="/offers/`) {
		t.Fatalf("decline: %d, thanks shown: %v", status, strings.Contains(got, "Declined – thank you"))
	}
	// The reason is stored with the match (answer_reason), which
	// domain.Match does not carry, so only the status is checked here.
	if m := oc.match(t); m.Status != domain.MatchDeclined {
		t.Fatalf("after declining the match is %s", m.Status)
	}
	r, err := a.svc.Request(ctx, domain.System(a.tenant.ID), oc.request.ID)
	if err != nil || r.Status != domain.RequestOpen {
		t.Fatalf("request after the decline: %+v %v, want open", r, err)
	}

	// Accepting by the old link afterwards is refused.
	status, got = oc.answer(t, vol, page, "accept", nil)
	if status != http.StatusConflict || !strings.Contains(got, "You have already answered this offer.") {
		t.Errorf("accept after decline: %d", status)
	}

	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails after the decline, want the coordinator's notice", n)
	}
	notice := a.smtp.WaitFor(t, 2, 5*time.Second)[1]
	if len(notice.To) != 1 || notice.To[0] != oc.coord.Email || notice.Subject != a.svc.T.T("de", "mail.offer_declined.subject") ||
		!strings.Contains(notice.Text, "Wohnungssuche Familie O.") {
		t.Errorf("decline notice to %v, subject %q:\n%s", notice.To, notice.Subject, notice.Text)
	}
}

// TestOfferBadLinks: a link that is tampered with, cut short or expired
// shows no offer and answers nothing.
func TestOfferBadLinks(t *testing.T) {
	oc := newOfferCase(t)
	a := oc.a
	vol := a.client()
	_, page := get(t, vol, oc.link)

	for name, u := range map[string]string{
		"tampered": strings.Replace(oc.link, "sig=", "sig=x", 1),
		"no sig":   regexp.MustCompile(`&?sig=[^&]*`).ReplaceAllString(oc.link, ""),
		"other v":  regexp.MustCompile(`v=[0-9a-f]+`).ReplaceAllString(oc.link, "v="+oc.request.ID.Hex()),
		"bare":     a.srv.URL + "/offers",
	} {
		if status, got := get(t, vol, u); status != http.StatusNotFound || !strings.Contains(got, "Dieser Link ist ungültig.") {
			t.Errorf("%s link: %d", name, status)
		}
	}
	forged := strings.Replace(page, `name="sig" value="`, `name="sig" value="x`, 1)
	if status, got := oc.answer(t, vol, forged, "accept", nil); status != http.StatusNotFound || !strings.Contains(got, "Dieser Link ist ungültig.") {
		t.Errorf("accept with a forged signature: %d", status)
	}

	a.svc.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	if status, got := get(t, vol, oc.link); status != http.StatusConflict || !strings.Contains(got, "Dieser Link ist abgelaufen.") {
		t.Errorf("expired link: %d", status)
	}
	if status, _ := oc.answer(t, vol, page, "accept", nil); status != http.StatusConflict {
		t.Errorf("accept by an expired link: %d", status)
	}
	if m := oc.match(t); m.Status != domain.MatchApproved {
		t.Errorf("after the bad links the match is %s, want approved", m.Status)
	}
}

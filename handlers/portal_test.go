package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

var portalLink = regexp.MustCompile(`https?://[^\s"<>]+/me/enter\?[^\s"<>]+`)

// portalToken asks for a login link for email, reads it from the outbox and
// signs in with it, returning the portal session token.
func (a *testApp) portalToken(t *testing.T, email string) string {
	t.Helper()
	ctx := context.Background()
	if err := a.svc.RequestPortalLink(ctx, email, "198.51.100.77"); err != nil {
		t.Fatal(err)
	}
	msgs, err := a.st.Outbox(ctx, a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To != email || !strings.HasPrefix(m.Key, "portal_login:") {
			continue
		}
		u, err := url.Parse(portalLink.FindString(m.Text))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		token, _, err := a.svc.EnterPortal(ctx, service.PortalLink{ID: q.Get("id"), Nonce: q.Get("n"), Exp: q.Get("exp"), Sig: q.Get("sig")})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	t.Fatalf("no login mail to %s", email)
	return ""
}

// forgedPortalLink is a sign-in form for the target volunteer, valid for a
// day, with a signature nobody issued.
func forgedPortalLink(f *authzFixture, _ int) url.Values {
	return url.Values{"id": {f.volunteer.Hex()}, "n": {"bm9uY2U"},
		"exp": {fmt.Sprint(time.Now().Add(24 * time.Hour).Unix())}, "sig": {"Zm9yZ2Vk"}}
}

// portalProfileForm is a valid profile form for the target volunteer, who
// holds two assignments (12 hours a month) by then.
func portalProfileForm(*authzFixture, int) url.Values {
	return url.Values{"radius_km": {"15"}, "transport": {"bicycle"}, "availability": {"mon_am", "tue_am"},
		"capacity": {"2"}, "max_hours_per_month": {"40"}, "locale": {"de"}}
}

// TestPortalPages drives the portal's routes over HTTP: the cookie, a link
// used twice, staff cookies, a refused profile form, a double withdrawal.
func TestPortalPages(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	oc := newOfferRequest(t, a)
	sc := domain.Scope{Tenant: a.tenant.ID, User: oc.coord.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	if _, err := a.svc.ProposeMatches(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.ApproveMatch(ctx, sc, oc.request.ID, oc.volunteer.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/me/login")
	for _, email := range []string{oc.volunteer.Email, "nobody@example.org"} {
		res, page := postForm(t, c, a.srv.URL+"/me/login", url.Values{"csrf": {csrf}, "email": {email}})
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `id="me-login-sent"`) {
			t.Fatalf("asking for %s: %d", email, res.StatusCode)
		}
	}
	msgs, _ := a.st.Outbox(ctx, a.tenant.ID)
	var link string
	for _, m := range msgs {
		if strings.HasPrefix(m.Key, "portal_login:") {
			link = portalLink.FindString(m.Text)
		}
	}
	status, page := get(t, c, link)
	if status != http.StatusOK {
		t.Fatalf("link page: %d", status)
	}
	form := url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}}
	for _, m := range regexp.MustCompile(`name="(id|n|exp|sig)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Set(m[1], m[2])
	}
	res, _ := postForm(t, c, a.srv.URL+"/me/enter", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me?done=login" {
		t.Fatalf("enter: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "lotse_me" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge != 0 {
		t.Fatalf("portal cookie %+v", cookie)
	}
	// The same link again, in another browser: used.
	other := a.client()
	form.Set("csrf", getForm(t, other, a.srv.URL+"/me/login"))
	res, page = postForm(t, other, a.srv.URL+"/me/enter", form)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "wurde schon verwendet") {
		t.Fatalf("second use: %d", res.StatusCode)
	}

	// A staff session is no portal session, and the other way round.
	staff := a.client()
	if res, _ := a.login(t, staff, oc.coord.Email, staffPassword, "/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff login: %d", res.StatusCode)
	}
	if res, _ := staff.Get(a.srv.URL + "/me"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/me/login" {
		t.Fatalf("staff on /me: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := c.Get(a.srv.URL + "/proposals"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("volunteer on /proposals: %d", res.StatusCode)
	}

	// The overview shows the offer; she accepts it there.
	status, page = get(t, c, a.srv.URL+"/me")
	accept := "/me/offers/" + oc.request.ID.Hex() + "/accept"
	if status != http.StatusOK || !strings.Contains(page, oc.request.Title) || !strings.Contains(page, accept) {
		t.Fatalf("overview: %d", status)
	}
	csrf = csrfField.FindStringSubmatch(page)[1]
	if res, _ := postForm(t, c, a.srv.URL+accept, url.Values{"csrf": {csrf}}); res.Header.Get("Location") != "/me?done=accepted" {
		t.Fatalf("accept: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}

	// A refused profile form comes back in German with the input kept.
	res, page = postForm(t, c, a.srv.URL+"/me/profile", url.Values{"csrf": {csrf}, "radius_km": {"500"},
		"transport": {"car"}, "availability": {"mon_am"}, "capacity": {"0"}, "max_hours_per_month": {"10"}, "locale": {"de"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Die Zahl ist zu groß.") ||
		!strings.Contains(page, "Die Zahl ist zu klein.") || !strings.Contains(page, `value="500"`) {
		t.Fatalf("refused profile: %d", res.StatusCode)
	}

	// Withdrawing twice: the second answer says it is done already.
	withdraw := a.srv.URL + "/me/assignments/" + oc.request.ID.Hex() + "/withdraw"
	if res, _ := postForm(t, c, withdraw, url.Values{"csrf": {csrf}}); res.Header.Get("Location") != "/me?done=withdrawn" {
		t.Fatalf("withdraw: %d", res.StatusCode)
	}
	res, page = postForm(t, c, withdraw, url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Diesen Einsatz haben Sie bereits abgesagt.") {
		t.Fatalf("second withdrawal: %d", res.StatusCode)
	}
}

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
)

var lastErrorCode = regexp.MustCompile(`<code>([^<]*)</code>`)

// TestOutboxResend: a sign-up mail that the SMTP server keeps refusing ends as
// failed; the admin sees it at /admin/outbox with its last error (without the
// address), sends it again with the page's form, and it arrives.
func TestOutboxResend(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	a.svc.MailMaxAttempts = 1
	in := domain.SignupInput{Name: "Nora Keller", Email: "nora.keller@example.org", PLZ: "79539", RadiusKm: 10,
		Transport: []string{"bicycle"}, Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}},
		Skills: []string{"housing_search"}, Availability: []string{"mon_am"}, Capacity: 1, MaxHoursPerMonth: 8,
		PrivacyConsent: true, Locale: "de"}
	if err := a.svc.SignUp(ctx, in, "198.51.100.9"); err != nil {
		t.Fatal(err)
	}
	a.smtp.FailNextN(451, -1)
	if n := a.dispatch(); n != 0 {
		t.Fatalf("sent %d while the server refuses", n)
	}

	admin := &caller{name: "admin", ip: "192.0.2.50"}
	a.staffCaller(t, admin, a.tenant.Slug, "admin@example.org", domain.RoleAdmin)
	admin.jar = a.client()
	u, _ := url.Parse(a.srv.URL)
	admin.jar.Jar.SetCookies(u, []*http.Cookie{admin.cookie})
	get := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", a.srv.URL+"/admin/outbox", nil)
		req.Header.Set("Accept-Language", "de")
		res, err := admin.jar.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin/outbox: %d", res.StatusCode)
		}
		return page
	}

	page := get()
	if !strings.Contains(page, "Fehlgeschlagen") || !strings.Contains(page, "Erneut senden") {
		t.Fatalf("outbox page lacks the failed mail:\n%s", page)
	}
	m := lastErrorCode.FindStringSubmatch(page)
	if m == nil || !strings.Contains(m[1], "451") || strings.Contains(html.UnescapeString(m[1]), "nora.keller") {
		t.Fatalf("last error shown: %v", m)
	}
	action := regexp.MustCompile(`action="(/admin/outbox/[^"]+/resend)"`).FindStringSubmatch(page)
	csrf := csrfField.FindStringSubmatch(page)
	if action == nil || csrf == nil {
		t.Fatal("no resend form with CSRF token on the page")
	}

	// Without the CSRF token the form is refused and nothing changes.
	post := func(form url.Values) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", a.srv.URL+html.UnescapeString(action[1]), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := admin.jar.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body(t, res)
		return res
	}
	if res := post(url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("resend without CSRF: %d, want 403", res.StatusCode)
	}
	res := post(url.Values{"csrf": {csrf[1]}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/outbox?done=resent" {
		t.Fatalf("resend: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	a.smtp.StopFailing()
	if n := a.dispatch(); n != 1 {
		t.Fatalf("after resend: sent %d, want 1", n)
	}
	got := a.smtp.WaitFor(t, 1, 5*time.Second)
	if got[0].To[0] != "nora.keller@example.org" || !strings.Contains(got[0].Text, "Nora Keller") {
		t.Errorf("received %v: %q", got[0].To, got[0].Text)
	}
	if page := get(); !strings.Contains(page, "Keine wartenden E-Mails.") {
		t.Errorf("outbox not empty after the resent mail went out")
	}
}

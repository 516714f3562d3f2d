package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lotse/domain"
)

const staffPassword = "correct horse battery"

func (a *testApp) addUser(t *testing.T, email string, role domain.Role, munis ...string) {
	t.Helper()
	if _, err := a.svc.AddUser(context.Background(), a.tenant.Slug, domain.UserInput{
		Email: email, Role: role, Municipalities: munis, Password: staffPassword}); err != nil {
		t.Fatal(err)
	}
}

func cookieOf(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// login signs in through the form and returns the session cookie's response.
func (a *testApp) login(t *testing.T, c *http.Client, email, password, next string) (*http.Response, string) {
	t.Helper()
	csrf := getForm(t, c, a.srv.URL+"/login?next="+url.QueryEscape(next))
	return postForm(t, c, a.srv.URL+"/login", url.Values{"csrf": {csrf}, "email": {email}, "password": {password}, "next": {next}})
}

func TestLoginFlow(t *testing.T) {
	a := newTestApp(t)
	a.addUser(t, "admin@example.org", domain.RoleAdmin)
	c := a.client()

	// Anonymous: a staff page sends to the login page and remembers where to.
	res, err := c.Get(a.srv.URL + "/volunteers?skill=driving")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fvolunteers%3Fskill%3Ddriving" {
		t.Fatalf("anonymous: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}

	// Wrong password and unknown email: the same page.
	res, page1 := a.login(t, c, "admin@example.org", "wrong password!", "/volunteers")
	_, page2 := a.login(t, c, "nobody@example.org", "wrong password!", "/volunteers")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page1, "E-Mail-Adresse oder Passwort ist falsch.") {
		t.Fatalf("wrong password: %d\n%s", res.StatusCode, page1)
	}
	norm := func(s string) string {
		return csrfField.ReplaceAllString(strings.ReplaceAll(s, "nobody@", "admin@"), "")
	}
	if norm(page1) != norm(page2) {
		t.Fatal("unknown email and wrong password give different pages")
	}
	if strings.Contains(page1, "wrong password!") {
		t.Fatal("the password is echoed back")
	}

	// Without the CSRF token the form is refused.
	res, _ = postForm(t, c, a.srv.URL+"/login", url.Values{"email": {"admin@example.org"}, "password": {staffPassword}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("login without csrf: %d", res.StatusCode)
	}

	res, _ = a.login(t, c, "admin@example.org", staffPassword, "/volunteers")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/volunteers" {
		t.Fatalf("login: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	ck := cookieOf(res, "lotse_session")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge != 0 || len(ck.Value) != 43 {
		t.Fatalf("session cookie: %+v", ck)
	}
	res, err = c.Get(a.srv.URL + "/volunteers")
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "admin@example.org") {
		t.Fatalf("signed in: %d", res.StatusCode)
	}

	// Logout needs the CSRF token of the page's header form.
	csrf := csrfField.FindStringSubmatch(page)[1]
	res, _ = postForm(t, c, a.srv.URL+"/logout", url.Values{})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without csrf: %d", res.StatusCode)
	}
	res, _ = postForm(t, c, a.srv.URL+"/logout", url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	res, _ = c.Get(a.srv.URL + "/volunteers")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d", res.StatusCode)
	}
	// The old cookie is dead on the server too.
	req, _ := http.NewRequest("GET", a.srv.URL+"/volunteers", nil)
	req.AddCookie(&http.Cookie{Name: "lotse_session", Value: ck.Value})
	res, _ = a.client().Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed cookie after logout: %d", res.StatusCode)
	}
}

func TestLoginNextOnlyLocal(t *testing.T) {
	a := newTestApp(t)
	a.addUser(t, "admin@example.org", domain.RoleAdmin)
	for next, want := range map[string]string{
		"/volunteers?x=1":       "/volunteers?x=1",
		"//evil.example/":       "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"":                      "/",
	} {
		res, _ := a.login(t, a.client(), "admin@example.org", staffPassword, next)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("next %q: %d → %q, want %q", next, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}

func TestLoginLockoutMessage(t *testing.T) {
	a := newTestApp(t)
	a.addUser(t, "kasse@example.org", domain.RoleAccountant)
	c := a.client()
	var res *http.Response
	var page string
	for i := 0; i < 5; i++ {
		res, page = a.login(t, c, "kasse@example.org", "wrong password!", "/")
	}
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(page, "15 Minuten lang gesperrt") {
		t.Fatalf("5th failure: %d\n%s", res.StatusCode, page)
	}
	csrf := getForm(t, c, a.srv.URL+"/login?lang=en")
	res, page = postForm(t, c, a.srv.URL+"/login", url.Values{"csrf": {csrf}, "email": {"kasse@example.org"}, "password": {staffPassword}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "blocked for 15 minutes") {
		t.Fatalf("locked, English: %d\n%s", res.StatusCode, page)
	}
}

func TestRolesOnPagesAndAPI(t *testing.T) {
	a := newTestApp(t)
	a.addUser(t, "kasse@example.org", domain.RoleAccountant)
	a.addUser(t, "k@example.org", domain.RoleCoordinator, "08336050")
	c := a.client()
	if res, _ := a.login(t, c, "kasse@example.org", staffPassword, "/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, _ := c.Get(a.srv.URL + "/volunteers")
	if page := body(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(html.UnescapeString(page), "Dafür haben Sie keine Berechtigung") {
		t.Fatalf("accountant on staff page: %d", res.StatusCode)
	}
	// The session works for the API too; the role still counts.
	res, _ = c.Get(a.srv.URL + "/api/v1/volunteers")
	body(t, res)
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("accountant on API: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	get := func(auth string) *http.Response {
		req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/volunteers", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body(t, res)
		return res
	}
	if res := get(""); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous API: %d", res.StatusCode)
	}
	token, err := a.svc.CreateToken(context.Background(), "k@example.org", "test")
	if err != nil {
		t.Fatal(err)
	}
	if res := get("Bearer " + token); res.StatusCode != http.StatusOK {
		t.Fatalf("coordinator with token: %d", res.StatusCode)
	}
	for _, bad := range []string{"Bearer " + token + "x", "Basic " + token, "Bearer"} {
		if res := get(bad); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%q: %d", bad, res.StatusCode)
		}
	}
}

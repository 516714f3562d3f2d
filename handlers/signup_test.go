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
	"lotse/store"
)

func validSignupForm(csrf string) url.Values {
	return url.Values{
		"csrf": {csrf}, "locale": {"de"}, "name": {"Sabine Müller"}, "email": {"sabine@example.org"},
		"plz": {"79539"}, "radius_km": {"15"}, "transport": {"bicycle", "public_transport"},
		"lang_0": {"de"}, "level_0": {"native"}, "lang_1": {"ar"}, "level_1": {"B1"},
		"skills": {"housing_search", "language_cafe"}, "availability": {"mon_am", "wed_pm"},
		"capacity": {"2"}, "max_hours_per_month": {"10"}, "privacy_consent": {"true"},
	}
}

func (a *testApp) volunteers(t *testing.T) store.Page[*domain.Volunteer] {
	t.Helper()
	p, err := a.st.Volunteers(context.Background(), domain.System(a.tenant.ID), store.VolunteerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSignupFormConfirmByMail walks the whole double opt-in: an invalid form
// first (messages at the fields, nothing written), then a valid one, the mail
// through a real SMTP server, the link, and its second use.
func TestSignupFormConfirmByMail(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/signup")

	bad := validSignupForm(csrf)
	bad.Set("email", "not-an-email")
	bad.Set("plz", "99999")
	bad.Del("privacy_consent")
	bad.Del("skills")
	res, page := postForm(t, c, a.srv.URL+"/signup", bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: status %d", res.StatusCode)
	}
	for _, want := range []string{
		"Bitte geben Sie eine gültige E-Mail-Adresse an", "Diese Postleitzahl gibt es nicht",
		"Bitte stimmen Sie der Datenschutzerklärung zu", "Bitte wählen Sie mindestens eine Möglichkeit",
		`id="f-email-error"`, `role="alert"`, `value="Sabine Müller"`,
	} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if n := a.volunteers(t).Total; n != 0 {
		t.Fatalf("invalid form wrote %d volunteers", n)
	}
	if msgs, _ := a.st.Outbox(context.Background(), a.tenant.ID); len(msgs) != 0 {
		t.Fatalf("invalid form queued %d mails", len(msgs))
	}

	res, _ = postForm(t, c, a.srv.URL+"/signup", validSignupForm(csrf))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signup/thanks" {
		t.Fatalf("valid form: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	p := a.volunteers(t)
	if p.Total != 1 || p.Items[0].Status != domain.VolunteerPending || p.Items[0].Municipality != "08336050" {
		t.Fatalf("after sign-up: %+v", p)
	}
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want 1", n)
	}
	msgs := a.smtp.WaitFor(t, 1, 5*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "sabine@example.org" || !strings.Contains(m.Subject, "bestätigen") {
		t.Fatalf("mail: to %v subject %q", m.To, m.Subject)
	}
	link := linkPattern.FindString(m.Text)
	if link == "" || !strings.Contains(m.HTML, html.EscapeString(link)) {
		t.Fatalf("no confirmation link in mail:\n%s", m.Text)
	}
	if a.dispatch() != 0 {
		t.Fatal("a second dispatch sent the mail again")
	}

	res, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, res); res.StatusCode != 200 || !strings.Contains(page, "Sabine Müller") {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	if v := a.volunteers(t).Items[0]; v.Status != domain.VolunteerActive || v.ConfirmedAt.IsZero() {
		t.Fatalf("after confirm: %+v", v)
	}
	res, _ = c.Get(link)
	if page := body(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "schon verwendet") {
		t.Fatalf("second use: %d", res.StatusCode)
	}
	// A tampered or expired link does nothing.
	res, _ = c.Get(strings.Replace(link, "sig=", "sig=x", 1))
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("tampered link: %d", res.StatusCode)
	}
	a.svc.Now = func() time.Time { return time.Now().Add(73 * time.Hour) }
	res, _ = c.Get(link)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("expired link: %d", res.StatusCode)
	}
}

func TestSignupKnownEmailLooksLikeNew(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/signup?lang=en")
	first, _ := postForm(t, c, a.srv.URL+"/signup", validSignupForm(csrf))
	again, _ := postForm(t, c, a.srv.URL+"/signup", validSignupForm(csrf))
	if first.StatusCode != again.StatusCode || first.Header.Get("Location") != again.Header.Get("Location") {
		t.Fatalf("known email answers differently: %d %s vs %d %s", first.StatusCode, first.Header.Get("Location"),
			again.StatusCode, again.Header.Get("Location"))
	}
	if n := a.volunteers(t).Total; n != 1 {
		t.Fatalf("%d volunteers, want 1", n)
	}
	// Pending owner: a fresh link; both mails go to the owner.
	if n := a.dispatch(); n != 2 {
		t.Fatalf("dispatched %d, want 2 (confirmation and fresh link)", n)
	}
	for _, m := range a.smtp.WaitFor(t, 2, 5*time.Second) {
		if m.To[0] != "sabine@example.org" || linkPattern.FindString(m.Text) == "" {
			t.Errorf("mail %q to %v without link", m.Subject, m.To)
		}
	}
}

func TestSignupHoneypotAndCSRF(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/signup")
	f := validSignupForm(csrf)
	f.Set("website", "http://spam.example")
	res, _ := postForm(t, c, a.srv.URL+"/signup", f)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("honeypot: %d", res.StatusCode)
	}
	f = validSignupForm("forged")
	res, _ = postForm(t, c, a.srv.URL+"/signup", f)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("bad csrf: %d", res.StatusCode)
	}
	if n := a.volunteers(t).Total; n != 0 {
		t.Fatalf("honeypot or forged form wrote %d volunteers", n)
	}
}

func TestSignupSharedPLZAsksForMunicipality(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/signup")
	f := validSignupForm(csrf)
	f.Set("plz", "79595")
	res, page := postForm(t, c, a.srv.URL+"/signup", f)
	if res.StatusCode != 422 || !strings.Contains(page, `name="municipality"`) || !strings.Contains(page, "mehreren Gemeinden") {
		t.Fatalf("shared PLZ: %d, municipality select shown: %v", res.StatusCode, strings.Contains(page, `name="municipality"`))
	}
	f.Set("municipality", "08336073")
	res, _ = postForm(t, c, a.srv.URL+"/signup", f)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with municipality: %d", res.StatusCode)
	}
	if v := a.volunteers(t).Items[0]; v.Municipality != "08336073" {
		t.Fatalf("municipality %s", v.Municipality)
	}
}

func TestAPISignup(t *testing.T) {
	a := newTestApp(t)
	post := func(lang, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/signup", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	res, p := post("en", `{"name":"A","email":"x","plz":"7953","radius_km":0,"transport":["rocket"],"languages":[{"code":"xx","level":"C1"}],
		"skills":[],"availability":["mon_night"],"capacity":11,"max_hours_per_month":0,"privacy_consent":false}`)
	if res.StatusCode != 422 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("invalid: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	got := map[string]string{}
	for _, e := range p["errors"].([]any) {
		m := e.(map[string]any)
		got[m["field"].(string)] = m["message"].(string)
	}
	for _, f := range []string{"name", "email", "plz", "radius_km", "transport", "languages", "skills", "availability", "capacity", "max_hours_per_month", "privacy_consent"} {
		if got[f] == "" {
			t.Errorf("no error for %s (got %v)", f, got)
		}
	}
	if !strings.Contains(got["email"], "valid email") {
		t.Errorf("message not in English: %q", got["email"])
	}
	if res, _ := post("de", `{"name": "x",`); res.StatusCode != 400 {
		t.Errorf("broken JSON: %d", res.StatusCode)
	}
	if res, _ := post("de", `{"name":"Jonas Becker","unknown_field":1}`); res.StatusCode != 400 {
		t.Errorf("unknown field: %d", res.StatusCode)
	}
	if a.volunteers(t).Total != 0 {
		t.Fatal("invalid input was written")
	}
	ok := `{"name":"Jonas Becker","email":"jonas@example.org","phone":"+49 7621 12345","plz":"79589","radius_km":10,
		"transport":["car"],"languages":[{"code":"de","level":"native"},{"code":"uk","level":"B2"}],
		"skills":["driving"],"availability":["sat_am"],"capacity":1,"max_hours_per_month":6,
		"neighbouring_municipalities":true,"privacy_consent":true,"locale":"en"}`
	if res, _ := post("de", ok); res.StatusCode != 202 {
		t.Fatalf("valid: %d", res.StatusCode)
	}
	if res, _ := post("de", ok); res.StatusCode != 202 {
		t.Fatalf("known address: %d", res.StatusCode)
	}
	v := a.volunteers(t).Items[0]
	if v.Municipality != "08336006" || v.Locale != "en" || !v.Neighbouring || v.Languages[1].Code != "uk" {
		t.Fatalf("stored: %+v", v)
	}
	a.dispatch()
	if m := a.smtp.WaitFor(t, 1, 5*time.Second)[0]; !strings.Contains(m.Subject, "confirm") {
		t.Errorf("mail not in the volunteer's locale: %q", m.Subject)
	}
}

func TestSignupRateLimit(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	csrf := getForm(t, c, a.srv.URL+"/signup")
	var last int
	for i := 0; i < 11; i++ {
		f := validSignupForm(csrf)
		f.Set("email", "bulk"+string(rune('a'+i))+"@example.org")
		res, _ := postForm(t, c, a.srv.URL+"/signup", f)
		last = res.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("11th sign-up from one address: %d", last)
	}
	if n := a.volunteers(t).Total; n != 10 {
		t.Fatalf("%d volunteers, want 10", n)
	}
}

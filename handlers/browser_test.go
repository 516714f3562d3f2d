package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"lotse/domain"
	"lotse/store"
)

// browserTimeout bounds one browser test, start-up of Chromium included, so a
// hung browser fails that test instead of stalling the whole run.
const browserTimeout = 60 * time.Second

// browser is one headless Chromium tab for one test; its helpers fail the test
// on the first error, so a test reads as the steps a person takes.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// browserPath finds Chromium or Chrome on PATH, "" if there is none.
func browserPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needBrowser returns the browser to run. Without one the test fails (CI
// must run the browser tests), unless LOTSE_SKIP_BROWSER=1 asks to skip. Call
// it before newTestApp, so a skipped test sets up no database.
func needBrowser(t *testing.T) string {
	t.Helper()
	path := browserPath()
	if path == "" {
		if os.Getenv("LOTSE_SKIP_BROWSER") == "1" {
			t.Skip("no Chromium found and LOTSE_SKIP_BROWSER=1")
		}
		t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome): run `make deps`, or set LOTSE_SKIP_BROWSER=1 to skip browser tests")
	}
	return path
}

// newBrowser starts headless Chromium at path with a profile of its own and
// opens a tab; everything ends with the test. Call it after newTestApp, so
// the browser is gone before the test server closes.
func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "lotse-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the browser has exited. Chromium's
	// helper processes may still write into the profile for a moment, which
	// would make t.TempDir's single RemoveAll fail the test.
	t.Cleanup(func() { removeProfile(t, profile) })

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profile),
		// Like most people who sign up, the browser asks for German pages.
		chromedp.Flag("accept-lang", "de-DE,de"),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel) // waits until the browser process has ended
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start the browser now, so a browser that cannot start says so here and
	// not as a failure of the first page.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return &browser{t: t, ctx: bctx}
}

func removeProfile(t *testing.T, dir string) {
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
	}
	t.Logf("browser profile %s left behind: %v", dir, err)
}

// do runs steps that return nothing.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// load runs steps that start a navigation (a click on a link or a submit
// button, or Navigate), waits until the new page has loaded and checks the
// HTTP status of its document (after redirects).
func (b *browser) load(wantStatus int64, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatal(err)
	}
	if res.Status != wantStatus {
		b.t.Fatalf("%s: status %d, want %d", res.URL, res.Status, wantStatus)
	}
}

// value runs one action and returns its result.
func value[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func (b *browser) text(css string) string {
	b.t.Helper()
	return strings.TrimSpace(value(b, chromedp.Text(chromedp.CSS(css))))
}

func (b *browser) value(css string) string {
	b.t.Helper()
	return value(b, chromedp.Value(chromedp.CSS(css)))
}

func (b *browser) checked(css string) bool {
	b.t.Helper()
	return value(b, chromedp.JavascriptAttribute[bool](chromedp.CSS(css), "checked"))
}

// retype replaces the text of a field as a person does: click into it,
// select all (Ctrl+A) and type over the selection.
func retype(css, s string) chromedp.Action[chromedp.Void] {
	selectAll := func(p *input.DispatchKeyEventParams) { p.Commands = []string{"selectAll"} }
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(css)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl), selectAll),
		chromedp.SendKeys(chromedp.CSS(css), s),
	)
}

// fieldState is how a form field presents an error to assistive technology.
type fieldState struct {
	Invalid     string `json:"invalid"`     // aria-invalid
	DescribedBy string `json:"describedBy"` // aria-describedby
	Error       string `json:"error"`       // text of the element #<id>-error
	Beside      bool   `json:"beside"`      // the message sits in the field's own .field box
}

func (b *browser) field(id string) fieldState {
	b.t.Helper()
	return value(b, chromedp.Evaluate[fieldState](fmt.Sprintf(`(() => {
		const f = document.getElementById(%[1]q), e = document.getElementById(%[1]q + "-error");
		return {
			invalid: f.getAttribute("aria-invalid") || "",
			describedBy: f.getAttribute("aria-describedby") || "",
			error: e ? e.innerText.trim() : "",
			beside: !!e && !!f.closest(".field") && f.closest(".field") === e.closest(".field"),
		};
	})()`, id)))
}

// wantFieldError checks that field id is marked invalid and points with
// aria-describedby to a message next to it that contains want.
func (b *browser) wantFieldError(id, want string) {
	b.t.Helper()
	f := b.field(id)
	if f.Invalid != "true" || !slices.Contains(strings.Fields(f.DescribedBy), id+"-error") || !f.Beside ||
		!strings.Contains(f.Error, want) {
		b.t.Errorf("field %s: %+v, want aria-invalid, aria-describedby %s-error and a message beside it containing %q", id, f, id, want)
	}
}

// storedNothing checks that an invalid form left no volunteer and no mail in
// either tenant.
func (a *testApp) storedNothing(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, tn := range []*domain.Tenant{a.tenant, a.other} {
		p, err := a.st.Volunteers(ctx, domain.System(tn.ID), store.VolunteerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := a.st.Outbox(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 0 || len(msgs) != 0 {
			t.Fatalf("invalid form stored %d volunteers and %d mails in %s", p.Total, len(msgs), tn.Slug)
		}
	}
}

const submitButton = `form[action="/signup"] button[type="submit"]`

// TestBrowserSignupConfirm signs up in German as a person would: a form with
// mistakes first (messages at the fields, input kept, nothing stored), then the
// corrections, the mail through the SMTP server and the confirmation link.
func TestBrowserSignupConfirm(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	b := newBrowser(t, path)

	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/signup"))
	if lang := value(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); lang.Value != "de" {
		t.Fatalf("default page language %q, want de", lang.Value)
	}
	check := func(css string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(css)) }
	b.do(
		chromedp.SendKeys(chromedp.ID("f-name"), "Sabine Müller"),
		chromedp.SendKeys(chromedp.ID("f-email"), "sabine.example.org"), // no @
		chromedp.SendKeys(chromedp.ID("f-phone"), "07621 12345"),
		chromedp.SendKeys(chromedp.ID("f-plz"), "99999"), // no such postal code
		retype("#f-radius_km", "15"),
		check(`input[name="transport"][value="bicycle"]`),
		check(`input[name="transport"][value="public_transport"]`),
		chromedp.SetValue(chromedp.ID("f-level-0"), "native"), // German is preselected in row 1
		chromedp.SetValue(chromedp.ID("f-lang-1"), "ar"),
		chromedp.SetValue(chromedp.ID("f-level-1"), "B1"),
		check(`input[name="skills"][value="housing_search"]`),
		check(`input[name="skills"][value="language_cafe"]`),
		check(`input[name="availability"][value="mon_am"]`),
		check(`input[name="availability"][value="wed_pm"]`),
		// The privacy consent stays unticked.
	)
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(submitButton)))

	// The summary on top, announced as an alert, one link per mistake to its field.
	if role := value(b, chromedp.AttributeValue(chromedp.ID("error-summary"), "role")); role.Value != "alert" {
		t.Errorf("error summary role %q, want alert", role.Value)
	}
	summary := b.text("#error-summary")
	for _, want := range []string{"Bitte korrigieren Sie folgende Angaben",
		"Bitte geben Sie eine gültige E-Mail-Adresse an", "Diese Postleitzahl gibt es nicht",
		"Bitte stimmen Sie der Datenschutzerklärung zu"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q:\n%s", want, summary)
		}
	}
	links := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#error-summary a")].map(a => a.getAttribute("href") + (document.querySelector(a.getAttribute("href")) ? "" : " (no target)"))`))
	slices.Sort(links)
	if want := []string{"#f-email", "#f-plz", "#f-privacy_consent"}; !slices.Equal(links, want) {
		t.Errorf("error summary links %v, want %v", links, want)
	}
	// The messages at the fields.
	b.wantFieldError("f-email", "Bitte geben Sie eine gültige E-Mail-Adresse an")
	b.wantFieldError("f-plz", "Diese Postleitzahl gibt es nicht")
	b.wantFieldError("f-privacy_consent", "Bitte stimmen Sie der Datenschutzerklärung zu")
	if f := b.field("f-name"); f.Invalid != "" || f.Error != "" {
		t.Errorf("valid name marked invalid: %+v", f)
	}
	// Everything typed is still there, the mistakes included.
	for css, want := range map[string]string{
		"#f-name": "Sabine Müller", "#f-email": "sabine.example.org", "#f-phone": "07621 12345",
		"#f-plz": "99999", "#f-radius_km": "15", "#f-capacity": "1", "#f-max_hours_per_month": "8",
		"#f-lang-0": "de", "#f-level-0": "native", "#f-lang-1": "ar", "#f-level-1": "B1", "#f-lang-2": "",
	} {
		if got := b.value(css); got != want {
			t.Errorf("%s after re-render: %q, want %q", css, got, want)
		}
	}
	for css, want := range map[string]bool{
		`input[name="transport"][value="bicycle"]`:          true,
		`input[name="transport"][value="public_transport"]`: true,
		`input[name="transport"][value="car"]`:              false,
		`input[name="skills"][value="housing_search"]`:      true,
		`input[name="skills"][value="language_cafe"]`:       true,
		`input[name="skills"][value="driving"]`:             false,
		`input[name="availability"][value="mon_am"]`:        true,
		`input[name="availability"][value="wed_pm"]`:        true,
		`input[name="availability"][value="mon_pm"]`:        false,
		"#f-privacy_consent":                                false,
	} {
		if got := b.checked(css); got != want {
			t.Errorf("%s checked after re-render: %v, want %v", css, got, want)
		}
	}
	a.storedNothing(t)

	// Correct the mistakes, agree by clicking the consent's label, send.
	b.do(
		retype("#f-email", "sabine@example.org"),
		retype("#f-plz", "79539"),
		chromedp.Click(chromedp.CSS(`label[for="f-privacy_consent"]`)),
	)
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(submitButton)))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/signup/thanks" {
		t.Fatalf("after a valid sign-up the browser is at %s", loc)
	}
	if h1, status := b.text("h1"), b.text(`main [role="status"]`); h1 != "Fast geschafft" || !strings.Contains(status, "E-Mail geschickt") {
		t.Fatalf("thanks page: %q / %q", h1, status)
	}
	p := a.volunteers(t)
	if p.Total != 1 {
		t.Fatalf("%d volunteers after sign-up, want 1", p.Total)
	}
	v := p.Items[0]
	if v.Status != domain.VolunteerPending || v.Name != "Sabine Müller" || v.Email != "sabine@example.org" ||
		v.Phone != "07621 12345" || v.Municipality != "08336050" || v.RadiusKm != 15 || v.Locale != "de" ||
		!slices.Equal(v.Transport, []string{"bicycle", "public_transport"}) ||
		!slices.Equal(v.Skills, []string{"housing_search", "language_cafe"}) ||
		!slices.Equal(v.Availability, []string{"mon_am", "wed_pm"}) ||
		!slices.Equal(v.Languages, []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: "ar", Level: "B1"}}) {
		t.Fatalf("stored volunteer: %+v", v)
	}

	// The mail goes out through SMTP; its link confirms the address.
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want 1", n)
	}
	m := a.smtp.WaitFor(t, 1, 5*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "sabine@example.org" {
		t.Fatalf("mail to %v", m.To)
	}
	link := linkPattern.FindString(m.Text)
	if link == "" {
		t.Fatalf("no confirmation link in the mail:\n%s", m.Text)
	}
	b.load(http.StatusOK, chromedp.Navigate(link))
	if h1, status := b.text("h1"), b.text(`main [role="status"]`); h1 != "Anmeldung bestätigt" ||
		!strings.Contains(status, "Danke, Sabine Müller! Ihre Anmeldung ist bestätigt.") {
		t.Fatalf("confirmation page: %q / %q", h1, status)
	}
	if v := a.volunteers(t).Items[0]; v.Status != domain.VolunteerActive || v.ConfirmedAt.IsZero() {
		t.Fatalf("after confirming: status %s, confirmed at %v", v.Status, v.ConfirmedAt)
	}
}

// TestBrowserSignupEnglish switches the page to English with the language
// links and gets the form's messages in English.
func TestBrowserSignupEnglish(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	b := newBrowser(t, path)

	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/signup"))
	if lang := value(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); lang.Value != "de" {
		t.Fatalf("page language before the switch %q, want de", lang.Value)
	}
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`nav.langs a[hreflang="en"]`)))
	if lang := value(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); lang.Value != "en" {
		t.Fatalf("page language after the switch %q, want en", lang.Value)
	}
	if h1 := b.text("h1"); h1 != "Volunteer with us" {
		t.Fatalf("heading after the switch %q", h1)
	}
	b.do(
		chromedp.SendKeys(chromedp.ID("f-name"), "Jonas Becker"),
		chromedp.SendKeys(chromedp.ID("f-email"), "jonas@"),
		chromedp.SendKeys(chromedp.ID("f-plz"), "79589"),
	)
	// The form posts to /signup without ?lang: the choice must stick.
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(submitButton)))
	if lang := value(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); lang.Value != "en" {
		t.Errorf("re-rendered form in %q, want en", lang.Value)
	}
	if s := b.text("#error-summary"); !strings.Contains(s, "Please correct the following") {
		t.Errorf("error summary not in English:\n%s", s)
	}
	b.wantFieldError("f-email", "Please enter a valid email address")
	b.wantFieldError("f-privacy_consent", "Please agree to the privacy notice")
	if got := b.value("#f-plz"); got != "79589" {
		t.Errorf("postal code after re-render %q", got)
	}
	a.storedNothing(t)
}

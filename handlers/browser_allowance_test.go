package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"lotse/domain"
)

// TestBrowserAllowance walks a coordinator's flat allowance in Chromium: from
// the volunteer's page to the form, a refused amount with the message at the
// field and the summary's link focusing it, the corrected form recorded with
// the limit shown, and on to /claims, where the allowance waits for its check.
func TestBrowserAllowance(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	v := a.activeVolunteer(t, "Anna Weber")
	a.addUser(t, "loerrach@example.org", domain.RoleCoordinator, "08336050")
	b := newBrowser(t, path)

	show := "/volunteers/" + v.ID.Hex()
	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/login?next="+show))
	b.do(chromedp.SendKeys(chromedp.ID("f-email"), "loerrach@example.org"), chromedp.SendKeys(chromedp.ID("f-password"), staffPassword))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`)))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main a[href="`+show+`/allowance"]`)))
	if h1 := b.text("h1"); h1 != "Aufwandsentschädigung für Anna Weber" {
		t.Fatalf("form heading %q", h1)
	}

	form := `main form[action="` + show + `/allowance"]`
	b.do(chromedp.SetValue(chromedp.ID("f-basis"), "3_26a"), chromedp.SendKeys(chromedp.ID("f-amount"), "vierzig"))
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	b.wantFieldError("f-amount", "Bitte einen Betrag in Euro angeben")
	if got := b.value("#f-basis"); got != "3_26a" {
		t.Errorf("the refused form lost the basis: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`#error-summary a[href="#f-amount"]`)))
	if id := value(b, chromedp.Evaluate[string](`document.activeElement.id`)); id != "f-amount" {
		t.Errorf("the summary link focuses #%s", id)
	}
	b.do(retype("#f-amount", "800,00"))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	done := b.text("#done")
	for _, want := range []string{"Die Aufwandsentschädigung ist erfasst.", "800,00 € von 960,00 € genutzt (83 %)",
		"80 % des Jahresbetrags oder mehr", "Vier-Augen-Prinzip"} {
		if !strings.Contains(done, want) {
			t.Errorf("the notice %q lacks %q", done, want)
		}
	}

	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`#done a[href="/claims"]`)))
	list := b.text("main")
	for _, want := range []string{"Anna Weber: 800,00 €", "Ehrenamtspauschale (§ 3 Nr. 26a EStG)", "eingereicht"} {
		if !strings.Contains(list, want) {
			t.Errorf("/claims lacks %q", want)
		}
	}
}

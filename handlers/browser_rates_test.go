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

// TestBrowserRates walks an admin's new travel-cost table in Chromium: the
// rates page starts the form from the table in force, a preset link fills in
// another's rates, a refused rate is shown at its field and the summary's
// link focuses it, the corrected table is saved and listed as upcoming, and
// deleting it (it priced nothing) leaves the preset alone again.
func TestBrowserRates(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	a.addUser(t, "kreis-admin@example.org", domain.RoleAdmin)
	b := newBrowser(t, path)

	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/login?next=/admin/rates"))
	b.do(chromedp.SendKeys(chromedp.ID("f-email"), "kreis-admin@example.org"), chromedp.SendKeys(chromedp.ID("f-password"), staffPassword))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`)))
	if h1 := b.text("h1"); h1 != "Fahrtkostensätze" {
		t.Fatalf("heading %q", h1)
	}
	if got := b.value("#f-car"); got != "0,20" {
		t.Errorf("the form starts from BRKG: car %q", got)
	}
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main a[href="/admin/rates?preset=bayern#new"]`)))
	if car, pass := b.value("#f-car"), b.value("#f-passenger"); car != "0,40" || pass != "0,02" {
		t.Errorf("the Bayern preset fills in car %q, passenger %q", car, pass)
	}

	from := time.Now().AddDate(0, 2, 0)
	form := `main form[action="/admin/rates"]`
	b.do(chromedp.SetValue(chromedp.ID("f-valid_from"), from.Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("f-name"), "Kreistagsbeschluss"), retype("#f-car", "0,4,0"))
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	b.wantFieldError("f-car", "Bitte als Euro pro Kilometer angeben")
	if got := b.value("#f-name"); got != "Kreistagsbeschluss" {
		t.Errorf("the refused form lost the name: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`#error-summary a[href="#f-car"]`)))
	if id := value(b, chromedp.Evaluate[string](`document.activeElement.id`)); id != "f-car" {
		t.Errorf("the summary link focuses #%s", id)
	}
	b.do(retype("#f-car", "0,38"))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	page := b.text("main")
	for _, want := range []string{"Gespeichert.", from.Format("02.01.2006"), "Kreistagsbeschluss", "künftig", "0,38 €/km", "gilt heute"} {
		if !strings.Contains(page, want) {
			t.Errorf("the rates page lacks %q", want)
		}
	}
	tn, err := a.st.Tenant(context.Background(), a.tenant.ID)
	if err != nil || len(tn.Rates) != 1 || tn.Rates[0].Car != 380 || tn.Rates[0].Passenger != 20 {
		t.Fatalf("stored %+v %v", tn.Rates, err)
	}

	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/admin/rates/`+from.Format(time.DateOnly)+`/delete"] button`)))
	if strings.Contains(b.text("main table"), "Kreistagsbeschluss") {
		t.Error("the deleted table is still listed")
	}
	if tn, err := a.st.Tenant(context.Background(), a.tenant.ID); err != nil || len(tn.Rates) != 0 {
		t.Errorf("after deleting: %+v %v", tn.Rates, err)
	}
}

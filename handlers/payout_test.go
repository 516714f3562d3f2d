package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lotse/domain"
)

// TestPayoutPages walks the pages: the admin saves the settings (a wrong
// IBAN first), the accountant makes a batch, downloads its files with the
// right headers twice, and the batch page then warns of the earlier download.
func TestPayoutPages(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	adm := a.reqBrowser(t, "admin-pay@example.org", domain.RoleAdmin)
	acct := a.reqBrowser(t, "kasse-pay@example.org", domain.RoleAccountant)

	get := func(c *http.Client, path string, want int) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(a.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, res.StatusCode, want, b)
		}
		return res, b
	}
	post := func(c *http.Client, path string, form url.Values, want int) (*http.Response, string) {
		t.Helper()
		_, page := get(c, "/payouts", http.StatusOK) // any staff page carries the CSRF token
		if c == adm {
			_, page = get(c, "/admin/payout", http.StatusOK)
		}
		form.Set("csrf", csrfField.FindStringSubmatch(page)[1])
		res, err := c.PostForm(a.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d: %s", path, res.StatusCode, want, b)
		}
		return res, b
	}

	_, page := get(adm, "/admin/payout", http.StatusOK)
	if !strings.Contains(page, `name="kost_08336050"`) {
		t.Error("settings form without the cost centre of Lörrach")
	}
	form := authzPayoutForm()
	form.Set("iban", "DE68 2105 0170 0012 3456 79")
	form.Set("kost_08336050", "KST-LOE")
	_, page = post(adm, "/admin/payout", form, http.StatusUnprocessableEntity)
	if !strings.Contains(page, "Diese IBAN ist ungültig") || !strings.Contains(page, "KST-LOE") {
		t.Errorf("re-rendered form: %s", page)
	}
	form.Set("iban", "DE68 2105 0170 0012 3456 78")
	res, _ := post(adm, "/admin/payout", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/payout?saved=1" {
		t.Errorf("after saving: %s", loc)
	}

	v := a.activeVolunteer(t, "Lena Fischer")
	if err := a.st.SetBankDetails(ctx, a.tenant.ID, v.ID, "DE89370400440532013000", "Lena Fischer"); err != nil {
		t.Fatal(err)
	}
	if err := a.st.CreateClaim(ctx, &domain.Claim{Tenant: a.tenant.ID, Volunteer: v.ID, Municipality: "08336050",
		Kind: domain.ClaimTravel, AmountCents: 1890, Status: domain.ClaimReleased}); err != nil {
		t.Fatal(err)
	}
	today := time.Now().Format(time.DateOnly)
	post(acct, "/payouts", url.Values{"execution_date": {"gestern"}}, http.StatusUnprocessableEntity)
	res, _ = post(acct, "/payouts", url.Values{"execution_date": {today}}, http.StatusSeeOther)
	batch := res.Header.Get("Location")
	if !strings.HasPrefix(batch, "/payouts/") {
		t.Fatalf("after creating: %q", batch)
	}
	_, page = post(acct, "/payouts", url.Values{"execution_date": {today}}, http.StatusConflict)
	if !strings.Contains(page, "keine freigegebenen Anträge") {
		t.Errorf("nothing left: %s", page)
	}
	_, page = get(acct, batch, http.StatusOK)
	if strings.Contains(page, "Bereits heruntergeladen") || !strings.Contains(page, "18,90 €") {
		t.Errorf("fresh batch page: %s", page)
	}

	for _, f := range []struct{ name, ctype, file string }{
		{"pain001.xml", "application/xml; charset=utf-8", "pain.001.xml"},
		{"datev.csv", "text/csv; charset=windows-1252", "EXTF_Lotse_Auszahlung_000001.csv"},
		{"export.csv", "text/csv; charset=utf-8", "Lotse_Auszahlung_000001.csv"},
	} {
		var first string
		for range 2 {
			res, b := get(acct, batch+"/"+f.name, http.StatusOK)
			if res.Header.Get("Content-Type") != f.ctype || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment; filename=") ||
				!strings.Contains(res.Header.Get("Content-Disposition"), f.file) {
				t.Errorf("%s: %v", f.name, res.Header)
			}
			if first != "" && b != first {
				t.Errorf("%s changed between downloads", f.name)
			}
			first = b
		}
	}
	_, page = get(adm, batch, http.StatusOK)
	if strings.Count(page, "Bereits heruntergeladen am") != 3 || !strings.Contains(page, "insgesamt 2-mal") {
		t.Errorf("batch page after downloads: %s", page)
	}
	_, page = get(adm, "/payouts", http.StatusOK)
	if strings.Contains(page, `action="/payouts"`) {
		t.Error("the admin is offered to create a batch")
	}

	// A batch whose making was interrupted, voided by the recovery: the
	// list and its page say so.
	crashed := &domain.Payout{Tenant: a.tenant.ID, Seq: 2, Status: domain.PayoutPreparing, ExecutionDate: time.Now().UTC(),
		CreatedAt: time.Now().Add(-time.Hour)}
	if err := a.st.CreatePayout(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	if n, err := a.svc.RecoverPayouts(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("recover: %d, %v", n, err)
	}
	_, page = get(acct, "/payouts", http.StatusOK)
	if !strings.Contains(page, "abgebrochen") {
		t.Errorf("list without the interrupted batch: %s", page)
	}
	_, page = get(acct, "/payouts/"+crashed.ID.Hex(), http.StatusOK)
	if !strings.Contains(page, "automatisch verworfen") || !strings.Contains(page, "wieder freigegeben") {
		t.Errorf("interrupted batch page: %s", page)
	}
}

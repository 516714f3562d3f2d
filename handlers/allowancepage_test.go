package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lotse/domain"
)

// TestAllowancePage walks the allowance form: the volunteer page links to
// it; refused input comes back with the fields' messages in German and
// English and writes nothing; a valid allowance is stored as a claim of kind
// allowance and the form then says so, with the limit and the four-eyes step;
// above the limit a coordinator is refused with the numbers, an accountant is
// pointed at the reason and pays with one; a coordinator of another
// municipality finds nothing.
func TestAllowancePage(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	v := a.activeVolunteer(t, "Anna Weber")
	coord := formsAs(t, a, "loerrach@example.org", domain.RoleCoordinator, "08336050")
	acct := formsAs(t, a, "kasse@example.org", domain.RoleAccountant)
	binzen := formsAs(t, a, "binzen@example.org", domain.RoleCoordinator, "08336006")
	path := "/volunteers/" + v.ID.Hex() + "/allowance"
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	thisYear := a.svc.Now().In(berlin).Year()
	year := strconv.Itoa(thisYear)

	allowances := func() []*domain.Claim {
		t.Helper()
		all, err := a.st.Claims(ctx, a.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []*domain.Claim
		for _, c := range all {
			if c.Kind == domain.ClaimAllowance {
				out = append(out, c)
			}
		}
		return out
	}
	csrfOf := func(page string) string {
		t.Helper()
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token on the page")
		}
		return m[1]
	}
	wantIn := func(name, page string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: page lacks %q", name, w)
			}
		}
	}

	if _, _, page := coord("GET", "/volunteers/"+v.ID.Hex(), nil); !strings.Contains(page, `href="`+path+`"`) ||
		!strings.Contains(page, "Aufwandsentschädigung erfassen") {
		t.Error("the volunteer page does not link to the allowance form")
	}
	status, _, page := coord("GET", path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	wantIn("blank form", page, `value="`+year+`"`, "Anna Weber", "In Lotse erfasst für "+year, `<option value="3_26a">Ehrenamtspauschale (§ 3 Nr. 26a EStG)`,
		"Übungsleiterpauschale (§ 3 Nr. 26 EStG)", "§ 3 Nr. 12 EStG")
	if strings.Contains(page, `id="f-override"`) {
		t.Error("a coordinator is offered the override field")
	}
	csrf := csrfOf(page)

	// Refused input, in both languages: the form comes back with the input
	// and a message at each field; nothing is stored.
	en := formsAs(t, a, "loerrach-en@example.org", domain.RoleCoordinator, "08336050")
	_, _, enPage := en("GET", path+"?lang=en", nil)
	enCSRF := csrfOf(enPage)
	for _, tc := range []struct {
		name string
		form url.Values
		de   []string
		en   []string
	}{
		{"amount abc, no basis", url.Values{"basis": {""}, "year": {year}, "amount": {"abc"}, "note": {"Kurs Herbst"}},
			[]string{"Bitte einen Betrag in Euro angeben, z. B. 40,00.", "Bitte ausfüllen.", `value="abc"`, "Kurs Herbst",
				`href="#f-amount"`, `href="#f-basis"`, `aria-describedby="f-amount-hint f-amount-error"`},
			[]string{"Please enter an amount in euros, e.g. 40.00.", `value="abc"`, `href="#f-basis"`}},
		{"year before the table", url.Values{"basis": {"3_26a"}, "year": {"1999"}, "amount": {"40,00"}},
			[]string{"Für dieses Jahr ist kein steuerfreier Jahresbetrag hinterlegt.", `value="1999"`, `<option value="3_26a" selected>`, `href="#f-year"`},
			[]string{"No tax-free yearly amount is recorded for this year."}},
		{"year after next", url.Values{"basis": {"3_26a"}, "year": {strconv.Itoa(thisYear + 2)}, "amount": {"40,00"}},
			[]string{"höchstens für das kommende Jahr"}, []string{"for next year at the latest"}},
		{"year not a number", url.Values{"basis": {"3_26a"}, "year": {"nächstes"}, "amount": {"40,00"}},
			[]string{"Bitte ein Jahr angeben, z. B. 2026.", `value="nächstes"`}, []string{"Please enter a year"}},
	} {
		form := tc.form
		form.Set("csrf", csrf)
		status, _, page := coord("POST", path, form)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s (de): status %d, want 422", tc.name, status)
		}
		wantIn(tc.name+" (de)", page, append(tc.de, "Bitte korrigieren")...)
		form.Set("csrf", enCSRF)
		status, _, page = en("POST", path+"?lang=en", form)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("%s (en): status %d, want 422", tc.name, status)
		}
		wantIn(tc.name+" (en)", page, tc.en...)
	}
	if n := len(allowances()); n != 0 {
		t.Fatalf("refused forms stored %d allowances", n)
	}

	// Recorded: 700 € of the 960 € of § 3 Nr. 26a.
	record := func(do func(string, string, url.Values) (int, string, string), csrf, amount, override string) (int, string, string) {
		return do("POST", path, url.Values{"csrf": {csrf}, "basis": {"3_26a"}, "year": {year}, "amount": {amount},
			"declared_elsewhere": {""}, "override": {override}, "note": {"Sprachcafé"}})
	}
	status, loc, _ := record(coord, csrf, "700,00", "")
	if want := path + "?done=3_26a&year=" + year + "#done"; status != http.StatusSeeOther || loc != want {
		t.Fatalf("valid allowance: %d → %q, want 303 → %q", status, loc, want)
	}
	got := allowances()
	if len(got) != 1 || got[0].AmountCents != 70000 || got[0].AllowanceBasis != "3_26a" || got[0].AllowanceYear != thisYear ||
		got[0].Status != domain.ClaimSubmitted || got[0].Volunteer != v.ID || got[0].Municipality != "08336050" || got[0].Note != "Sprachcafé" {
		t.Fatalf("stored allowances %+v", got)
	}
	_, _, page = coord("GET", strings.TrimSuffix(loc, "#done"), nil)
	wantIn("recorded", page, "Die Aufwandsentschädigung ist erfasst.", "700,00 € von 960,00 € genutzt (72 %)", "Vier-Augen-Prinzip", `href="/claims"`)
	if strings.Contains(page, "80 % des Jahresbetrags") {
		t.Error("a warning at 72 %")
	}
	_, _, page = coord("GET", "/claims", nil)
	wantIn("claims list", page, "700,00 €", "Ehrenamtspauschale (§ 3 Nr. 26a EStG), "+year, `action="/claims/`+got[0].ID.Hex()+`/check"`)

	// 100 € more: 83 %, a warning.
	if status, loc, _ = record(coord, csrf, "100", ""); status != http.StatusSeeOther {
		t.Fatalf("800 €: %d", status)
	}
	_, _, page = coord("GET", strings.TrimSuffix(loc, "#done"), nil)
	wantIn("warning", page, "800,00 € von 960,00 € genutzt (83 %)", "80 % des Jahresbetrags oder mehr sind ausgeschöpft.")

	// 200 € more is above the limit: refused for the coordinator with the
	// numbers, and for an accountant without a reason.
	status, _, page = record(coord, csrf, "200,00", "")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("over the limit, coordinator: %d", status)
	}
	wantIn("over the limit, coordinator", page, "Nur die Kasse kann das mit Begründung freigeben.",
		"Mit diesem Betrag wären 1.000,00 € von 960,00 € genutzt, 40,00 € mehr als steuerfrei möglich.", `value="200,00"`)
	// A coordinator's forged reason is refused too.
	if status, _, page = record(coord, csrf, "200,00", "Beschluss"); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Eine Begründung für Beträge über dem Jahresbetrag kann nur die Kasse geben.") {
		t.Errorf("a coordinator's override: %d", status)
	}
	status, _, page = acct("GET", path, nil)
	if status != http.StatusOK || !strings.Contains(page, `id="f-override"`) || !strings.Contains(page, `href="/claims"`) {
		t.Fatalf("accountant's form: %d, override field shown: %v", status, strings.Contains(page, `id="f-override"`))
	}
	acctCSRF := csrfOf(page)
	status, _, page = record(acct, acctCSRF, "200,00", " ")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("over the limit, accountant without reason: %d", status)
	}
	wantIn("over the limit, accountant", page, `href="#f-override"`, "Bitte begründen Sie die Zahlung über dem Jahresbetrag.",
		"Um trotzdem zu zahlen, geben Sie eine Begründung an.", `aria-describedby="f-override-hint f-override-error"`)
	if n := len(allowances()); n != 2 {
		t.Fatalf("refused over-limit forms: %d allowances stored, want 2", n)
	}
	if status, loc, _ = record(acct, acctCSRF, "200,00", "Nachzahlung laut Beschluss vom 3.2."); status != http.StatusSeeOther {
		t.Fatalf("over the limit with a reason: %d", status)
	}
	got = allowances()
	if len(got) != 3 || got[2].OverrideReason != "Nachzahlung laut Beschluss vom 3.2." || got[2].AmountCents != 20000 {
		t.Fatalf("override not stored: %+v", got)
	}
	_, _, page = acct("GET", strings.TrimSuffix(loc, "#done"), nil)
	wantIn("above the limit", page, "1.000,00 € von 960,00 € genutzt (104 %)", "Über dem Jahresbetrag")

	// A coordinator of Binzen: the volunteer does not exist for her.
	_, _, signup := binzen("GET", "/signup", nil)
	if status, _, _ := binzen("GET", path, nil); status != http.StatusNotFound {
		t.Errorf("coordinator elsewhere, GET: %d, want 404", status)
	}
	if status, _, _ := record(binzen, csrfOf(signup), "1,00", ""); status != http.StatusNotFound {
		t.Errorf("coordinator elsewhere, POST: %d, want 404", status)
	}
	if n := len(allowances()); n != 3 {
		t.Errorf("after the outsider: %d allowances, want 3", n)
	}
}

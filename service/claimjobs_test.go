package service_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store"
)

// TestClaimJobs: the monthly summaries (accountants with a CSV, volunteers
// with their list), the reminder for an unclaimed finished assignment, and the
// January allowance statement; each mails once however often it runs.
func TestClaimJobs(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	acctUser, err := svc.AddUser(ctx, tn.Slug, domain.UserInput{Email: "kasse@example.org", Role: domain.RoleAccountant, Password: "ein langes Passwort 2026"})
	if err != nil {
		t.Fatal(err)
	}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"driving"})
	feb := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	for _, c := range []*domain.Claim{
		{Volunteer: v.ID, Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 1230, Status: domain.ClaimReleased, SubmittedAt: feb},
		{Volunteer: v.ID, Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 990, Status: domain.ClaimSubmitted, SubmittedAt: feb.Add(24 * time.Hour)},
		{Volunteer: v.ID, Municipality: "08336006", Kind: domain.ClaimTravel, AmountCents: 500, Status: domain.ClaimSubmitted, SubmittedAt: feb.AddDate(0, 1, 0)}, // March
		{Volunteer: v.ID, Municipality: "08336050", Kind: domain.ClaimAllowance, AllowanceBasis: "3_26a", AllowanceYear: 2025, AmountCents: 84000, Status: domain.ClaimPaid, SubmittedAt: feb.AddDate(-1, 0, 0)},
		{Volunteer: v.ID, Municipality: "08336050", Kind: domain.ClaimAllowance, AllowanceBasis: "3_26", AllowanceYear: 2025, AmountCents: 10000, Status: domain.ClaimRejected, SubmittedAt: feb.AddDate(-1, 0, 0)},
	} {
		c.Tenant = tn.ID
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	march1 := time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC) // 06:00 in Berlin
	if n, err := svc.MonthlyClaimSummaries(ctx, march1); err != nil || n != 2 {
		t.Fatalf("monthly summaries: %d, %v; want the accountant's and the volunteer's", n, err)
	}
	if n, err := svc.MonthlyClaimSummaries(ctx, march1.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	msgs, _ := svc.Store.Outbox(ctx, tn.ID)
	for _, m := range msgs {
		switch m.Key {
		case "claims_month:" + acctUser.ID.Hex() + ":2026-02":
			if !strings.Contains(m.Text, "2 Abrechnungen") || !strings.Contains(m.Text, "22,20 €") || len(m.Attachments) != 2 {
				t.Errorf("accountant's summary:\n%s", m.Text)
				continue
			}
			rows := readCSV(t, m.Attachments[0].Data)
			if len(rows) != 3 || rows[1][6] != "12,30" || rows[1][2] != "Lörrach" {
				t.Errorf("CSV %v", rows)
			}
		case "claims_month_volunteer:" + v.ID.Hex() + ":2026-02":
			if !strings.Contains(m.Text, "12,30 €") || !strings.Contains(m.Text, "freigegeben") || strings.Contains(m.Text, "5,00 €") {
				t.Errorf("volunteer's summary:\n%s", m.Text)
			}
		}
	}

	// A finished assignment without a claim: a reminder in the fifth month.
	r := seedRequest(t, svc, tn, "Fahrt zur Tafel", "driving", "08336050", "79539")
	ended := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	if err := svc.Store.PutMatch(ctx, &domain.Match{Tenant: tn.ID, Request: r.ID, Volunteer: v.ID, Municipality: "08336050",
		Status: domain.MatchCompleted, DecidedAt: ended.AddDate(0, 0, -7), AnsweredAt: ended}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at   time.Time
		want int
	}{{ended.AddDate(0, 3, 0), 0}, {ended.AddDate(0, 4, 5), 1}, {ended.AddDate(0, 4, 6), 0}, {ended.AddDate(0, 7, 0), 0}} {
		if n, err := svc.RemindUnclaimedTrips(ctx, step.at); err != nil || n != step.want {
			t.Errorf("reminder at %v: %d, %v; want %d", step.at, n, err, step.want)
		}
	}
	if keys := outboxKeys(t, svc, tn, "claim_reminder:"); len(keys) != 1 {
		t.Errorf("reminders %v", keys)
	}

	// January: last year's paid allowances, the rejected one not.
	jan := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	if n, err := svc.AllowanceStatements(ctx, jan); err != nil || n != 1 {
		t.Fatalf("statements: %d, %v", n, err)
	}
	msgs, _ = svc.Store.Outbox(ctx, tn.ID)
	for _, m := range msgs {
		if strings.HasPrefix(m.Key, "allowance_statement:") && (!strings.Contains(m.Text, "840,00 €") || strings.Contains(m.Text, "100,00 €")) {
			t.Errorf("statement:\n%s", m.Text)
		}
	}
}

// readCSV parses an attached CSV (BOM, semicolons).
func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, data)
	}
	return rows
}

// TestMonthlySummaryCostCentres: the accountants' summary groups by cost
// centre (two municipalities with their own, one without), keeps travel and
// allowances apart in lines, subtotals and totals, and attaches the CSV with
// the cost centre (formula-safe) and the PDF with the same figures.
func TestMonthlySummaryCostCentres(t *testing.T) {
	ctx := context.Background()
	svc := newBareService(t)
	tn := &domain.Tenant{Slug: "markgraefler", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{
			{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}},
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539"}},
			{AGS: "08315074", Name: "Müllheim im Markgräflerland", PLZ: []string{"79379"}},
		}}
	if err := svc.Store.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store.SetPayoutSettings(ctx, tn.ID, &domain.PayoutSettings{DebtorName: "Kasse", RateTable: "brkg",
		CostCentres: map[string]string{"08336050": "KST-LOE", "08315074": "+4711"}}); err != nil {
		t.Fatal(err)
	}
	acct, err := svc.AddUser(ctx, tn.Slug, domain.UserInput{Email: "kasse@example.org", Role: domain.RoleAccountant, Password: "ein langes Passwort 2026"})
	if err != nil {
		t.Fatal(err)
	}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"driving"})
	feb := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	for _, c := range []*domain.Claim{
		{Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 1230, Status: domain.ClaimReleased},
		{Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: -200, Status: domain.ClaimReleased, ReversalOf: domain.NewID(feb)},
		{Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 990, Status: domain.ClaimSubmitted},
		{Municipality: "08336050", Kind: domain.ClaimAllowance, AllowanceBasis: "3_26a", AllowanceYear: 2026, AmountCents: 8400, Status: domain.ClaimSubmitted},
		{Municipality: "08315074", Kind: domain.ClaimTravel, AmountCents: 500, Status: domain.ClaimSubmitted},
		{Municipality: "08336006", Kind: domain.ClaimTravel, AmountCents: 700, Status: domain.ClaimChecked},
		{Municipality: "08336006", Kind: domain.ClaimTravel, AmountCents: 4000, Status: domain.ClaimChecked, SubmittedAt: feb.AddDate(0, 1, 0)}, // March
	} {
		c.Tenant, c.Volunteer = tn.ID, v.ID
		if c.SubmittedAt.IsZero() {
			c.SubmittedAt = feb
		}
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := svc.MonthlyClaimSummaries(ctx, time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)); err != nil || n != 2 {
		t.Fatalf("monthly summaries: %d, %v", n, err)
	}
	msgs, _ := svc.Store.Outbox(ctx, tn.ID)
	var m *store.OutboxMessage
	for i := range msgs {
		if msgs[i].Key == "claims_month:"+acct.ID.Hex()+":2026-02" {
			m = &msgs[i]
		}
	}
	if m == nil || len(m.Attachments) != 2 {
		t.Fatalf("accountant's mail: %+v", m)
	}

	// The mail: groups in order, lines, subtotals and totals per kind.
	wantInOrder := []string{
		"6 Abrechnungen",
		"Kostenstelle +4711", "- Müllheim im Markgräflerland, Fahrtkosten, eingereicht: 1 / 5,00 €", "Zwischensumme Fahrtkosten: 1 / 5,00 €",
		"Kostenstelle KST-LOE", "- Lörrach, Fahrtkosten, eingereicht: 1 / 9,90 €", "- Lörrach, Fahrtkosten, freigegeben: 2 / 10,30 €",
		"- Lörrach, Aufwandsentschädigung, eingereicht: 1 / 84,00 €",
		"Zwischensumme Fahrtkosten: 3 / 20,20 €", "Zwischensumme Aufwandsentschädigung: 1 / 84,00 €",
		"ohne Kostenstelle", "- Binzen, Fahrtkosten, sachlich richtig: 1 / 7,00 €", "Zwischensumme Fahrtkosten: 1 / 7,00 €",
		"Gesamt Fahrtkosten: 5 / 32,20 €", "Gesamt Aufwandsentschädigung: 1 / 84,00 €",
	}
	rest := m.Text
	for _, want := range wantInOrder {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("mail lacks %q (in this order):\n%s", want, m.Text)
		}
		rest = rest[i+len(want):]
	}
	for _, never := range []string{"116,20", "40,00"} { // travel + allowance; the March claim
		if strings.Contains(m.Text, never) {
			t.Errorf("mail has %s:\n%s", never, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "Kostenstelle KST-LOE") || !strings.Contains(m.HTML, "Müllheim im Markgräflerland") {
		t.Errorf("HTML part:\n%s", m.HTML)
	}

	// The CSV: one row per claim with its cost centre, "+4711" neutralised.
	csvA, pdfA := m.Attachments[0], m.Attachments[1]
	if csvA.Name != "abrechnungen-2026-02.csv" || pdfA.Name != "abrechnungen-2026-02.pdf" || pdfA.ContentType != "application/pdf" {
		t.Errorf("attachments %q %q %q", csvA.Name, pdfA.Name, pdfA.ContentType)
	}
	rows := readCSV(t, csvA.Data)
	if len(rows) != 7 || rows[0][2] != "Gemeinde" || rows[0][3] != "Kostenstelle" {
		t.Fatalf("CSV rows %v", rows)
	}
	byKost := map[string]int64{}
	for _, r := range rows[1:] {
		cents, err := strconv.ParseInt(strings.ReplaceAll(r[6], ",", ""), 10, 64)
		if err != nil {
			t.Fatalf("amount %q: %v", r[6], err)
		}
		byKost[r[2]+"|"+r[3]+"|"+r[4]] += cents
	}
	want := map[string]int64{"Lörrach|KST-LOE|travel": 2020, "Lörrach|KST-LOE|allowance": 8400,
		"Müllheim im Markgräflerland|'+4711|travel": 500, "Binzen||travel": 700}
	if len(byKost) != len(want) {
		t.Errorf("CSV sums %v, want %v", byKost, want)
	}
	for k, v := range want {
		if byKost[k] != v {
			t.Errorf("CSV %s: %d, want %d (all: %v)", k, byKost[k], v, byKost)
		}
	}

	// The PDF: the same groups and figures.
	text := pdfToText(t, pdfA.Data)
	rest = text
	for _, want := range []string{"Abrechnungen 2026-02", "Landkreis Lörrach", "Kostenstelle +4711", "Müllheim im Markgräflerland",
		"Kostenstelle KST-LOE", "Lörrach", "20,20 €", "Aufwandsentschädigung", "84,00 €", "ohne Kostenstelle", "Binzen", "7,00 €",
		"Gesamt", "32,20 €"} {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("PDF lacks %q (in this order):\n%s", want, text)
		}
		rest = rest[i+len(want):]
	}
}

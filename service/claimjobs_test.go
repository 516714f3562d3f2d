package service_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"lotse/domain"
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
			if !strings.Contains(m.Text, "2 Abrechnungen") || !strings.Contains(m.Text, "22,20 €") || len(m.Attachments) != 1 {
				t.Errorf("accountant's summary:\n%s", m.Text)
				continue
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(m.Attachments[0].Data), "\uFEFF")))
			r.Comma = ';'
			rows, err := r.ReadAll()
			if err != nil || len(rows) != 3 || rows[1][5] != "12,30" || rows[1][2] != "Lörrach" {
				t.Errorf("CSV %v %v", rows, err)
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

package service_test

import (
	"context"
	"errors"
	"testing"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// TestRecordAllowance: flat allowances count against the yearly limit of
// their basis (960 € under § 3 Nr. 26a in 2026) with what was paid and what
// the volunteer declared elsewhere: a warning from 80 %, refused above the
// limit unless an accountant gives a reason; rejected ones do not count.
func TestRecordAllowance(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"driving"})
	coord := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	acct := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAccountant}
	in := func(amount, elsewhere, override string) service.AllowanceInput {
		return service.AllowanceInput{Volunteer: v.ID, Basis: "3_26a", Year: 2026, Amount: amount, DeclaredElsewhere: elsewhere, Override: override}
	}
	res, err := svc.RecordAllowance(ctx, coord, in("700,00", "", ""))
	if err != nil || res.Check.Status != accounting.AllowanceOK || res.Check.Limit != accounting.Euros(960, 0) || res.Claim.AmountCents != 70000 {
		t.Fatalf("700 €: %+v %v", res.Check, err)
	}
	if res.Claim.Kind != domain.ClaimAllowance || res.Claim.Status != domain.ClaimSubmitted {
		t.Fatalf("claim %+v", res.Claim)
	}
	if res, err = svc.RecordAllowance(ctx, coord, in("100", "", "")); err != nil || res.Check.Status != accounting.AllowanceWarn || res.Check.Percent != 83 {
		t.Fatalf("800 €: %+v %v", res.Check, err)
	}
	if _, err := svc.RecordAllowance(ctx, coord, in("200", "", "")); !errors.Is(err, service.ErrAllowanceLimit) || domain.FieldsOf(err)["amount"] == "" {
		t.Fatalf("1000 € by a coordinator: %v", err)
	}
	if _, err := svc.RecordAllowance(ctx, coord, in("200", "", "Nachzahlung")); domain.FieldsOf(err)["override"] != "field.allowance.override_role" {
		t.Fatalf("a coordinator overrides: %v", err)
	}
	if _, err := svc.RecordAllowance(ctx, acct, in("200", "", "")); !errors.Is(err, service.ErrAllowanceLimit) ||
		domain.FieldsOf(err)["override"] != "field.allowance.override_needed" {
		t.Fatalf("1000 € by an accountant without reason: %v", err)
	}
	over, err := svc.RecordAllowance(ctx, acct, in("200", "", "Nachzahlung aus 2025, Beschluss vom 3.2."))
	if err != nil || over.Check.Status != accounting.AllowanceBlocked || over.Claim.OverrideReason == "" {
		t.Fatalf("override: %+v %v", over, err)
	}
	// Rejecting the override gives the room back; a declaration elsewhere
	// takes it again.
	if _, err := svc.RejectClaim(ctx, acct, over.Claim.ID, "doch nicht"); err != nil {
		t.Fatal(err)
	}
	if res, err = svc.RecordAllowance(ctx, coord, in("50", "", "")); err != nil || res.Check.Used != accounting.Euros(850, 0) {
		t.Fatalf("after the rejection: %+v %v", res.Check, err)
	}
	if _, err := svc.RecordAllowance(ctx, coord, in("50", "100", "")); !errors.Is(err, service.ErrAllowanceLimit) {
		t.Fatalf("with 100 € declared elsewhere: %v", err)
	}
	// Another basis and year have their own limits.
	if res, err := svc.RecordAllowance(ctx, coord, service.AllowanceInput{Volunteer: v.ID, Basis: "3_26", Year: 2026, Amount: "900"}); err != nil ||
		res.Check.Limit != accounting.Euros(3300, 0) {
		t.Fatalf("Nr. 26: %+v %v", res.Check, err)
	}
	for name, bad := range map[string]service.AllowanceInput{
		"amount": {Volunteer: v.ID, Basis: "3_26a", Year: 2026, Amount: "viel"},
		"basis":  {Volunteer: v.ID, Basis: "3_99", Year: 2026, Amount: "1"},
		"year":   {Volunteer: v.ID, Basis: "3_26a", Year: 1999, Amount: "1"},
		"future": {Volunteer: v.ID, Basis: "3_26a", Year: svc.Now().Year() + 2, Amount: "1"},
		"none":   {Volunteer: v.ID, Year: 2026, Amount: "1"},
	} {
		field := map[string]string{"future": "year", "none": "basis"}[name]
		if field == "" {
			field = name
		}
		if _, err := svc.RecordAllowance(ctx, coord, bad); domain.FieldsOf(err)[field] == "" {
			t.Errorf("bad %s: %v", name, err)
		}
	}
	if _, err := svc.RecordAllowance(ctx, binzen, in("1", "", "")); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("coordinator elsewhere: %v", err)
	}
}

// TestAllowanceUsage: the usage per basis counts what RecordAllowance counts
// (claims not rejected, reversals subtracting), for the asked year only, and
// keeps to RecordAllowance's scope rules.
func TestAllowanceUsage(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"driving"})
	other := seedVolunteer(t, svc, tn, "bert", "08336050", "79539", domain.VolunteerActive, false, []string{"driving"})
	coord := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	acct := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAccountant}
	acct2 := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAccountant}
	record := func(who domain.ID, basis string, year int, amount string) *domain.Claim {
		t.Helper()
		res, err := svc.RecordAllowance(ctx, coord, service.AllowanceInput{Volunteer: who, Basis: basis, Year: year, Amount: amount})
		if err != nil {
			t.Fatalf("record %s %s %d: %v", amount, basis, year, err)
		}
		return res.Claim
	}
	record(v.ID, "3_26", 2026, "1000")
	paidOut := record(v.ID, "3_26", 2026, "200")
	rejected := record(v.ID, "3_26", 2026, "300")
	record(v.ID, "3_26a", 2026, "800")
	record(v.ID, "3_26", 2025, "50")
	record(other.ID, "3_26", 2026, "70")
	if _, err := svc.RejectClaim(ctx, acct, rejected.ID, "doppelt"); err != nil {
		t.Fatal(err)
	}
	// The 200 € are checked, released and reversed: the reversal (−200 €,
	// submitted) cancels them.
	if _, err := svc.CheckClaim(ctx, acct, paidOut.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReleaseClaim(ctx, acct2, paidOut.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReverseClaim(ctx, acct2, paidOut.ID, "falsche Person"); err != nil {
		t.Fatal(err)
	}

	u, err := svc.AllowanceUsage(ctx, coord, v.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if u.Volunteer.ID != v.ID || u.Year != 2026 || len(u.Lines) != 3 {
		t.Fatalf("usage %+v", u)
	}
	want := []service.AllowanceUsageLine{
		{Basis: accounting.Nr26, Paid: accounting.Euros(1000, 0), Limit: accounting.Euros(3300, 0), Percent: 30, Status: accounting.AllowanceOK},
		{Basis: accounting.Nr26a, Paid: accounting.Euros(800, 0), Limit: accounting.Euros(960, 0), Percent: 83, Status: accounting.AllowanceWarn},
		{Basis: accounting.Nr12, Paid: 0, Limit: accounting.Euros(3000, 0), Percent: 0, Status: accounting.AllowanceOK},
	}
	for i, l := range u.Lines {
		if l != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, l, want[i])
		}
	}
	// 2025 has its own sums and limits.
	if u, err := svc.AllowanceUsage(ctx, acct, v.ID, 2025); err != nil || u.Lines[0].Paid != accounting.Euros(50, 0) ||
		u.Lines[0].Limit != accounting.Euros(3000, 0) || u.Lines[1].Paid != 0 {
		t.Errorf("2025: %+v %v", u, err)
	}
	// A year without limits shows the sums without a limit.
	if u, err := svc.AllowanceUsage(ctx, acct, v.ID, 2012); err != nil || u.Lines[0].Limit != 0 || u.Lines[0].Paid != 0 {
		t.Errorf("2012: %+v %v", u, err)
	}
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	if _, err := svc.AllowanceUsage(ctx, binzen, v.ID, 2026); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("coordinator elsewhere: %v", err)
	}
	if _, err := svc.AllowanceUsage(ctx, domain.Scope{Tenant: domain.NewID(svc.Now()), Role: domain.RoleAdmin}, v.ID, 2026); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("admin of another tenant: %v", err)
	}
	if _, err := svc.AllowanceUsage(ctx, domain.Scope{Tenant: tn.ID}, v.ID, 2026); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("no role (a volunteer, a public form): %v", err)
	}
}

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
	if _, err := svc.RecordAllowance(ctx, acct, in("200", "", "")); !errors.Is(err, service.ErrAllowanceLimit) {
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
	} {
		if _, err := svc.RecordAllowance(ctx, coord, bad); domain.FieldsOf(err)[name] == "" {
			t.Errorf("bad %s: %v", name, err)
		}
	}
	if _, err := svc.RecordAllowance(ctx, binzen, in("1", "", "")); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("coordinator elsewhere: %v", err)
	}
}

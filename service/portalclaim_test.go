package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// TestSetBankDetails: a volunteer's IBAN is checked and stored without
// spaces, the holder is required, at most 70 characters and in letters a
// bank can read; a refused form writes nothing, and neither the log nor the
// audit log ever holds the IBAN.
func TestSetBankDetails(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	var logs bytes.Buffer
	svc.Log = slog.New(slog.NewTextHandler(&logs, nil))
	sys := domain.System(tn.ID)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})

	const iban = "DE89370400440532013000"
	if err := svc.SetBankDetails(ctx, v, " de89 3704 0044 0532 0130 00 ", "  Ayşe   Yılmaz "); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Store.Volunteer(ctx, sys, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BankIBAN != iban || got.BankHolder != "Ayşe Yılmaz" {
		t.Fatalf("stored %q / %q", got.BankIBAN, got.BankHolder)
	}

	for _, tc := range []struct {
		name, iban, holder string
		want               map[string]string
	}{
		{"empty", "", "", map[string]string{"iban": "field.required", "holder": "field.required"}},
		{"checksum", "DE89 3704 0044 0532 0130 01", "Anna Schmidt", map[string]string{"iban": "field.bank_iban.checksum"}},
		{"country", "US89370400440532013000", "Anna Schmidt", map[string]string{"iban": "field.bank_iban.country"}},
		{"length", "DE8937040044053201300", "Anna Schmidt", map[string]string{"iban": "field.bank_iban.length"}},
		{"characters", "DE89-3704-0044", "Anna Schmidt", map[string]string{"iban": "field.bank_iban.chars"}},
		{"holder too long", iban, strings.Repeat("a", service.MaxBankHolderLen+1), map[string]string{"holder": "field.too_long"}},
		{"holder in Cyrillic", iban, "Ольга Петренко", map[string]string{"holder": "field.bank_holder.latin"}},
		{"holder without letters", iban, "123 / 45", map[string]string{"holder": "field.bank_holder.latin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.SetBankDetails(ctx, v, tc.iban, tc.holder)
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("error %v, want invalid", err)
			}
			fields := domain.FieldsOf(err)
			if len(fields) != len(tc.want) {
				t.Errorf("fields %v, want %v", fields, tc.want)
			}
			for k, w := range tc.want {
				if fields[k] != w {
					t.Errorf("%s: %q, want %q", k, fields[k], w)
				}
			}
			if err.Error() != "" && strings.Contains(err.Error(), "0532") {
				t.Errorf("the error repeats the IBAN: %v", err)
			}
		})
	}
	// The last valid details stand.
	if got, _ := svc.Store.Volunteer(ctx, sys, v.ID); got.BankIBAN != iban || got.BankHolder != "Ayşe Yılmaz" {
		t.Errorf("after refused forms: %q / %q", got.BankIBAN, got.BankHolder)
	}
	// A holder of exactly 70 characters, with Latin letters among others, is fine.
	if err := svc.SetBankDetails(ctx, v, iban, "Ольга Petrenko"+strings.Repeat("x", service.MaxBankHolderLen-14)); err != nil {
		t.Errorf("70 characters: %v", err)
	}

	if acts := auditActions(t, svc, tn)["volunteer.bank"]; len(acts) != 2 || acts[0] != "bank_iban,bank_holder" {
		t.Errorf("audit %q, want two records naming the fields", acts)
	}
	log, err := svc.Store.AuditLog(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e.Action == "volunteer.bank" && e.Actor != v.ID {
			t.Errorf("audit actor %s, want the volunteer", e.Actor.Hex())
		}
	}
	if s := logs.String(); strings.Contains(s, "0532") || strings.Contains(s, "Yılmaz") {
		t.Errorf("the log holds bank details:\n%s", s)
	}
}

// TestClaimsOf: a volunteer sees their own claims, reversals included, newest
// first with the assignment's title, and never another volunteer's or another
// tenant's; the claim form opens only for their own assignments.
func TestClaimsOf(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	coord := seedCoordinator(t, svc, tn)
	anna := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	rA := assigned(t, svc, tn, coord, anna, "Wohnungssuche Familie A")
	ben := seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	rB := assigned(t, svc, tn, coord, ben, "Wohnungssuche Familie B")

	if got, err := svc.ClaimsOf(ctx, anna); err != nil || len(got) != 0 {
		t.Fatalf("before any claim: %v, %v", got, err)
	}
	it, err := svc.ClaimableAssignment(ctx, anna, rA.ID)
	if err != nil || it.Request.Title != rA.Title || it.Municipality != "Lörrach" {
		t.Fatalf("her assignment: %+v, %v", it, err)
	}
	if _, err := svc.ClaimableAssignment(ctx, anna, rB.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("his assignment for her: %v", err)
	}

	trip := func(day string) service.TripInput {
		return service.TripInput{Date: day, From: "79539", To: "79540", Km: "8", Mode: "car", Purpose: "Wohnungsbesichtigung"}
	}
	first, err := svc.SubmitClaim(ctx, anna, service.ClaimInput{Request: rA.ID, Trips: []service.TripInput{trip("2026-11-20")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitClaim(ctx, ben, service.ClaimInput{Request: rB.ID, Trips: []service.TripInput{trip("2026-11-21")}}); err != nil {
		t.Fatal(err)
	}
	// A reversal of hers, and a claim naming her in another tenant.
	later := time.Now().Add(time.Hour)
	rev := &domain.Claim{Tenant: tn.ID, Volunteer: anna.ID, Request: rA.ID, Municipality: "08336050", Kind: domain.ClaimTravel,
		AmountCents: -first.AmountCents, Status: domain.ClaimChecked, SubmittedAt: later, ReversalOf: first.ID}
	foreign := &domain.Claim{Tenant: domain.NewID(now), Volunteer: anna.ID, Request: rA.ID, Municipality: "08336050",
		Kind: domain.ClaimTravel, AmountCents: 999, Status: domain.ClaimSubmitted}
	for _, c := range []*domain.Claim{rev, foreign} {
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	got, err := svc.ClaimsOf(ctx, anna)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Claim.ID != rev.ID || got[1].Claim.ID != first.ID {
		t.Fatalf("her claims: %+v", got)
	}
	for _, c := range got {
		if c.Claim.Volunteer != anna.ID || c.Claim.Tenant != tn.ID || c.Title != rA.Title {
			t.Errorf("claim %s: volunteer %s, tenant %s, title %q", c.Claim.ID.Hex(), c.Claim.Volunteer.Hex(), c.Claim.Tenant.Hex(), c.Title)
		}
	}
	if got[1].Claim.AmountCents != 160 {
		t.Errorf("8 km at 0,20 €: %d cents", got[1].Claim.AmountCents)
	}
	his, err := svc.ClaimsOf(ctx, ben)
	if err != nil || len(his) != 1 || his[0].Claim.Volunteer != ben.ID || his[0].Title != rB.Title {
		t.Fatalf("his claims: %+v, %v", his, err)
	}

	// An offer not yet accepted is no assignment to claim for.
	rC, err := svc.RegisterRequest(ctx, domain.Scope{Tenant: tn.ID, User: coord, Role: domain.RoleCoordinator,
		Municipalities: []string{"08336050"}}, domain.RequestInput{Category: "housing_search", Title: "Wohnungssuche Familie C",
		Municipality: "08336050", PLZ: "79539", Needed: 1, Date: "2026-12-03"})
	if err != nil {
		t.Fatal(err)
	}
	sc := domain.Scope{Tenant: tn.ID, User: coord, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	if _, err := svc.ProposeMatches(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveMatch(ctx, sc, rC.ID, anna.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ClaimableAssignment(ctx, anna, rC.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("an open offer: %v, want a conflict", err)
	}
}

// TestStatement: the yearly statement lists the volunteer's paid claims of
// the year, reversals as such, and nobody else's.
func TestStatement(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	v := seedVolunteer(t, svc, tn, "Jörg Groß", "08336050", "79539", domain.VolunteerActive, false, nil)
	other := seedVolunteer(t, svc, tn, "Fremd", "08336050", "79539", domain.VolunteerActive, false, nil)
	at := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	for _, c := range []*domain.Claim{
		{Volunteer: v.ID, Kind: domain.ClaimTravel, AmountCents: 2460, Status: domain.ClaimPaid, SubmittedAt: at},
		{Volunteer: v.ID, Kind: domain.ClaimTravel, AmountCents: -460, Status: domain.ClaimPaid, SubmittedAt: at.AddDate(0, 1, 0), ReversalOf: domain.NewID(at)},
		{Volunteer: v.ID, Kind: domain.ClaimAllowance, AllowanceBasis: "3_26a", AllowanceYear: 2026, AmountCents: 84000, Status: domain.ClaimPaid, SubmittedAt: at},
		{Volunteer: v.ID, Kind: domain.ClaimTravel, AmountCents: 999, Status: domain.ClaimReleased, SubmittedAt: at}, // not paid yet
		{Volunteer: v.ID, Kind: domain.ClaimTravel, AmountCents: 777, Status: domain.ClaimPaid, SubmittedAt: at.AddDate(-1, 0, 0)},
		{Volunteer: other.ID, Kind: domain.ClaimTravel, AmountCents: 5555, Status: domain.ClaimPaid, SubmittedAt: at},
	} {
		c.Tenant = tn.ID
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	pdf, err := svc.Statement(ctx, v, 2026)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfToText(t, pdf)
	for _, want := range []string{"Jörg Groß", "Jahr 2026", "24,60 €", "-4,60 €", "Storno", "840,00 €", "Ehrenamtspauschale", "860,00 €"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	for _, not := range []string{"9,99 €", "7,77 €", "55,55 €"} {
		if strings.Contains(text, not) {
			t.Errorf("statement shows %q:\n%s", not, text)
		}
	}
}

package service_test

// Figures for issue 6's note: CreatePayout over 10,000 released claims of
// 2,000 volunteers on a fresh database per run (40 volunteers have reversal
// entries only and are skipped: their 200 claims stay released) on the embedded
// backend, seeding excluded:
//
//	go test -run '^$' -bench CreatePayout -benchtime 3x -benchmem ./service/

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

func BenchmarkCreatePayout(b *testing.B) {
	ctx := context.Background()
	const nv, nc = 2_000, 10_000
	b.ReportAllocs()
	var last *domain.Payout
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		svc, acct := seedPayout(b, nv, nc)
		b.StartTimer()
		p, err := svc.CreatePayout(ctx, acct, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Claims) != nc-200 {
			b.Fatalf("batch paid %d claims, want %d", len(p.Claims), nc-200)
		}
		last = p
	}
	b.ReportMetric(float64(len(last.Transfers)), "transfers")
	for _, f := range last.Files {
		b.ReportMetric(float64(f.Size)/1024, f.Name+"-KiB")
	}
}

// seedPayout is a fresh tenant with settings, nv volunteers with bank
// details and nc released claims; the volunteers 0, 50, 100 … have only
// reversal entries (they owe), so 200 claims stay out of the batch.
func seedPayout(b *testing.B, nv, nc int) (*service.Service, domain.Scope) {
	ctx := context.Background()
	svc, tn := newTestService(b)
	admin, _, acct, _ := payoutUsers(b, svc, tn)
	if _, err := svc.SetPayoutSettings(ctx, admin, validPayoutSettings()); err != nil {
		b.Fatal(err)
	}
	vs := make([]*domain.Volunteer, nv)
	for i := range vs {
		vs[i] = &domain.Volunteer{Tenant: tn.ID, Municipality: "08336050", Name: fmt.Sprintf("Helferin %d", i),
			Email: fmt.Sprintf("h%d@example.org", i), PLZ: "79539", Status: domain.VolunteerActive, Locale: "de",
			BankIBAN: "DE89370400440532013000", BankHolder: fmt.Sprintf("Helferin Nr %d", i)}
	}
	if err := svc.Store.InsertVolunteers(ctx, vs); err != nil {
		b.Fatal(err)
	}
	cs := make([]*domain.Claim, nc)
	for i := range cs {
		cents := int64(1000 + i%5000)
		if i%nv%50 == 0 {
			cents = -500 // a reversal entry
		}
		cs[i] = &domain.Claim{Tenant: tn.ID, Volunteer: vs[i%nv].ID, Municipality: []string{"08336050", "08336006"}[i%2],
			Kind: domain.ClaimTravel, AmountCents: cents, Status: domain.ClaimReleased, SubmittedAt: time.Now(),
			Trips: []domain.ClaimTrip{{Date: "2026-03-12", From: "79539", To: "79589", Metres: 12000, Mode: "car",
				Purpose: "Begleitung", Table: "BRKG", AmountCents: cents}}}
	}
	if err := svc.Store.InsertClaims(ctx, cs); err != nil {
		b.Fatal(err)
	}
	return svc, acct
}

package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lotse/domain"
)

// BenchmarkMonthlyClaimSummaries renders and queues the monthly summaries for
// 2,000 volunteers with three claims each and one accountant, on the embedded
// backend; each round on a fresh database.
//
//	go test -run '^$' -bench MonthlyClaimSummaries -benchtime 1x -benchmem ./service/
func BenchmarkMonthlyClaimSummaries(b *testing.B) {
	const volunteers, perVolunteer = 2000, 3
	ctx := context.Background()
	feb := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		svc, tn := newTestService(b)
		if _, err := svc.AddUser(ctx, tn.Slug, domain.UserInput{Email: "kasse@example.org", Role: domain.RoleAccountant,
			Password: "ein langes Passwort 2026"}); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		vols := make([]*domain.Volunteer, volunteers)
		var claims []*domain.Claim
		for i := range vols {
			vols[i] = &domain.Volunteer{Tenant: tn.ID, Municipality: "08336050", Name: fmt.Sprintf("Person %04d", i),
				Email: fmt.Sprintf("p%04d@example.org", i), PLZ: "79539", Status: domain.VolunteerActive, Locale: "de"}
		}
		if err := svc.Store.InsertVolunteers(ctx, vols); err != nil {
			b.Fatal(err)
		}
		for _, v := range vols {
			for range perVolunteer {
				claims = append(claims, &domain.Claim{Tenant: tn.ID, Volunteer: v.ID, Municipality: []string{"08336050", "08336006"}[rng.IntN(2)],
					Kind: domain.ClaimTravel, AmountCents: int64(100 + rng.IntN(5000)), Status: domain.ClaimReleased,
					SubmittedAt: feb.Add(time.Duration(rng.IntN(27*24)) * time.Hour)})
			}
		}
		if err := svc.Store.InsertClaims(ctx, claims); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := svc.MonthlyClaimSummaries(ctx, time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC))
		if err != nil || n != volunteers+1 {
			b.Fatalf("%d mails, %v", n, err)
		}
	}
}

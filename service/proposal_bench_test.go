package service_test

// Figures for issue 4's closing note: ProposeMatches on the demo tenant and on a
// database seeded with 10,000 volunteers and 3,000 requests, split into scenario
// build (reading the store), engine and writing the proposals:
//
//	go test -run '^$' -bench ProposeMatches -benchtime 3x ./service/

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"lotse/demo"
	"lotse/domain"
	"lotse/service"
)

func BenchmarkProposeMatches(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		svc := newBareService(b)
		if _, err := demo.Load(context.Background(), svc); err != nil {
			b.Fatal(err)
		}
		t, err := svc.Store.TenantBySlug(context.Background(), "loerrach")
		if err != nil {
			b.Fatal(err)
		}
		benchPropose(b, svc, t)
	})
	b.Run("10k×3k", func(b *testing.B) {
		svc, tn := newTestService(b)
		seedLarge(b, svc, tn, 10_000, 3_000)
		benchPropose(b, svc, tn)
	})
}

func benchPropose(b *testing.B, svc *service.Service, tn *domain.Tenant) {
	sc := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	var run service.ProposalRun
	b.ResetTimer()
	for b.Loop() {
		var err error
		if run, err = svc.ProposeMatches(context.Background(), sc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(run.Build.Milliseconds()), "build-ms")
	b.ReportMetric(float64(run.Engine.Milliseconds()), "engine-ms")
	b.ReportMetric(float64(run.Write.Milliseconds()), "write-ms")
	b.ReportMetric(float64(run.Volunteers), "volunteers")
	b.ReportMetric(float64(run.Requests), "requests")
	b.ReportMetric(float64(run.Proposed), "proposed")
}

// seedLarge stores nv active volunteers and nr open requests spread over the
// tenant's two municipalities.
func seedLarge(b *testing.B, svc *service.Service, tn *domain.Tenant, nv, nr int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 2))
	plzs := []struct{ ags, plz string }{{"08336006", "79589"}, {"08336050", "79539"}, {"08336050", "79540"}, {"08336050", "79541"}}
	langs := []string{"ar", "uk", "ru", "tr", "fa", "ti", "en"}
	var vs []*domain.Volunteer
	for i := range nv {
		p := plzs[rng.IntN(len(plzs))]
		place, _ := svc.Geo.Lookup(p.plz)
		vs = append(vs, &domain.Volunteer{Tenant: tn.ID, Municipality: p.ags, Name: fmt.Sprintf("V %d", i),
			Email: fmt.Sprintf("v%d@example.org", i), PLZ: p.plz,
			Lat: place.Point.Lat + rng.NormFloat64()*0.01, Lon: place.Point.Lon + rng.NormFloat64()*0.015,
			RadiusKm: 5 + rng.IntN(30), Transport: []string{"car"},
			Languages:    []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: langs[rng.IntN(len(langs))], Level: "B1"}},
			Skills:       []string{domain.Skills[rng.IntN(len(domain.Skills))], domain.Skills[rng.IntN(len(domain.Skills))]},
			Availability: []string{domain.Slots()[rng.IntN(21)], domain.Slots()[rng.IntN(21)], domain.Slots()[rng.IntN(21)]},
			Capacity:     1 + rng.IntN(3), MaxHoursPerMonth: 10, Neighbouring: rng.IntN(2) == 0,
			PrivacyVersion: "2026-01", PrivacyConsentAt: time.Now(), Locale: "de", Status: domain.VolunteerActive})
	}
	if err := svc.Store.InsertVolunteers(ctx, vs); err != nil {
		b.Fatal(err)
	}
	sc := domain.System(tn.ID)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := w; i < nr; i += 8 {
				p := plzs[r.IntN(len(plzs))]
				place, _ := svc.Geo.Lookup(p.plz)
				req := &domain.HelpRequest{Municipality: p.ags, PLZ: p.plz, Lat: place.Point.Lat, Lon: place.Point.Lon,
					Category: domain.Skills[r.IntN(len(domain.Skills))], Title: fmt.Sprintf("R %d", i),
					LanguagesAny: []string{langs[r.IntN(len(langs))]}, Slots: []string{domain.Slots()[r.IntN(21)]},
					Needed: 1 + r.IntN(2), Priority: r.IntN(4)}
				if err := svc.Store.CreateRequest(ctx, sc, req); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/service"
	"lotse/store/storetest"
	"lotse/templates"
)

// newTestService returns the real Service (its store at svc.Store) on a fresh
// embedded database holding one demo-like tenant with two municipalities:
// Binzen (08336006, PLZ 79589) and Lörrach (08336050, PLZ 79539, 79540, 79541).
func newTestService(t testing.TB) (*service.Service, *domain.Tenant) {
	t.Helper()
	svc := newBareService(t)
	st := svc.Store
	tn := &domain.Tenant{
		Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{
			{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}},
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}},
		},
	}
	if err := st.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return svc, tn
}

// newBareService is the real Service on a fresh embedded database without
// tenants.
func newBareService(t testing.TB) *service.Service {
	t.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(storetest.New(t), geo.Default(), tr, slog.New(slog.DiscardHandler), "http://lotse.test", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	// Re-proposals wait for the test to flush them; none outlives its store.
	svc.ReproposeDelay = time.Hour
	t.Cleanup(func() { svc.CloseProposals(false) })
	return svc
}

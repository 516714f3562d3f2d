package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store"
	"lotse/store/storetest"
)

func newVolunteer(tenant domain.ID, n int, ags string) *domain.Volunteer {
	return &domain.Volunteer{
		Tenant: tenant, Municipality: ags, Name: fmt.Sprintf("Person %d", n),
		Email: fmt.Sprintf("p%d@example.org", n), PLZ: "79539", Lat: 47.61, Lon: 7.66,
		RadiusKm: 10, Transport: []string{"bicycle"},
		Languages:    []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: []string{"ar", "uk", "ti"}[n%3], Level: "B2"}},
		Skills:       []string{[]string{"housing_search", "language_cafe"}[n%2]},
		Availability: []string{"mon_am"}, Capacity: 2, MaxHoursPerMonth: 10,
		PrivacyVersion: "2026-01", PrivacyConsentAt: time.Now().UTC(), Locale: "de",
		Status: domain.VolunteerPending,
	}
}

func TestVolunteerLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant, other := domain.NewID(time.Now()), domain.NewID(time.Now())
	v := newVolunteer(tenant, 1, "08336050")
	if err := s.CreateVolunteer(ctx, v); err != nil {
		t.Fatal(err)
	}
	// The same email in the same tenant is a conflict; in another tenant it is not.
	dup := newVolunteer(tenant, 1, "08336050")
	if err := s.CreateVolunteer(ctx, dup); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("duplicate email: want ErrConflict, got %v", err)
	}
	if err := s.CreateVolunteer(ctx, newVolunteer(other, 1, "08336050")); err != nil {
		t.Fatalf("same email, other tenant: %v", err)
	}
	id, err := s.VolunteerIDByEmail(ctx, tenant, "p1@example.org")
	if err != nil || id != v.ID {
		t.Fatalf("by email: %v %v", id, err)
	}

	admin := domain.Scope{Tenant: tenant, Role: domain.RoleAdmin}
	got, err := s.Volunteer(ctx, admin, v.ID)
	if err != nil || got.Name != v.Name || got.Languages[1].Code != "uk" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	for name, sc := range map[string]domain.Scope{
		"foreign tenant":     {Tenant: other, Role: domain.RoleAdmin},
		"other municipality": {Tenant: tenant, Role: domain.RoleCoordinator, Municipalities: []string{"08336091"}},
		"accountant":         {Tenant: tenant, Role: domain.RoleAccountant},
	} {
		if _, err := s.Volunteer(ctx, sc, v.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: want ErrNotFound, got %v", name, err)
		}
	}

	if err := s.ActivateVolunteer(ctx, other, v.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("activate from foreign tenant: want ErrNotFound, got %v", err)
	}
	if err := s.ActivateVolunteer(ctx, tenant, v.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateVolunteer(ctx, tenant, v.ID); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second activation: want ErrConflict, got %v", err)
	}

	radius := 25
	changed, err := s.UpdateVolunteer(ctx, admin, v.ID, store.VolunteerPatch{RadiusKm: &radius, Name: &v.Name})
	if err != nil || len(changed) != 1 || changed[0] != "radius_km" {
		t.Fatalf("update: %v %v", changed, err)
	}
	got, _ = s.Volunteer(ctx, admin, v.ID)
	if got.RadiusKm != 25 || got.Status != domain.VolunteerActive || got.ConfirmedAt.IsZero() {
		t.Errorf("after update: %+v", got)
	}
}

func TestActivateRace(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	v := newVolunteer(tenant, 1, "08336050")
	if err := s.CreateVolunteer(ctx, v); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.ActivateVolunteer(ctx, tenant, v.ID); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, domain.ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("want exactly one winner, got %d", wins)
	}
}

func TestVolunteerListFilters(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	var vs []*domain.Volunteer
	for i := 0; i < 30; i++ {
		vs = append(vs, newVolunteer(tenant, i, []string{"08336050", "08336091"}[i%2]))
	}
	if err := s.InsertVolunteers(ctx, vs); err != nil {
		t.Fatal(err)
	}
	admin := domain.Scope{Tenant: tenant, Role: domain.RoleAdmin}
	coord := domain.Scope{Tenant: tenant, Role: domain.RoleCoordinator, Municipalities: []string{"08336091"}}
	for _, tc := range []struct {
		name  string
		sc    domain.Scope
		f     store.VolunteerFilter
		total int
		items int
	}{
		{"all", admin, store.VolunteerFilter{Limit: 10}, 30, 10},
		{"last page", admin, store.VolunteerFilter{Offset: 25, Limit: 10}, 30, 5},
		{"municipality", admin, store.VolunteerFilter{Municipality: "08336050"}, 15, 15},
		{"skill", admin, store.VolunteerFilter{Skill: "language_cafe"}, 15, 15},
		{"language", admin, store.VolunteerFilter{Language: "ti"}, 10, 10},
		{"status", admin, store.VolunteerFilter{Status: domain.VolunteerActive}, 0, 0},
		{"coordinator sees own", coord, store.VolunteerFilter{}, 15, 15},
		{"coordinator asks foreign", coord, store.VolunteerFilter{Municipality: "08336050"}, 0, 0},
		{"foreign tenant", domain.Scope{Tenant: domain.NewID(time.Now()), Role: domain.RoleAdmin}, store.VolunteerFilter{}, 0, 0},
	} {
		p, err := s.Volunteers(ctx, tc.sc, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.Total != tc.total || len(p.Items) != tc.items {
			t.Errorf("%s: total %d items %d, want %d %d", tc.name, p.Total, len(p.Items), tc.total, tc.items)
		}
	}
	p, _ := s.Volunteers(ctx, admin, store.VolunteerFilter{Limit: 2})
	if p.Items[0].ID.Hex() <= p.Items[1].ID.Hex() {
		t.Error("want newest first")
	}
}

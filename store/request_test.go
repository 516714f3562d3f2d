package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store"
	"lotse/store/storetest"
)

const (
	agsLoerrach = "08336050"
	agsBinzen   = "08336006"
)

func newRequest(n int, ags string) *domain.HelpRequest {
	return &domain.HelpRequest{
		Municipality: ags, PLZ: "79539", Lat: 47.61, Lon: 7.66,
		Category:     []string{"housing_search", "language_cafe", "homework_help"}[n%3],
		Title:        fmt.Sprintf("Anfrage %d", n),
		Description:  "",
		LanguagesAny: []string{[]string{"ar", "uk"}[n%2]},
		Slots:        []string{"mon_am"}, Needed: 1, Priority: n % 4,
		BeneficiaryRef: fmt.Sprintf("WB-2026-%04d", n),
	}
}

func TestRequestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant, other := domain.NewID(time.Now()), domain.NewID(time.Now())
	user := domain.NewID(time.Now())
	admin := domain.Scope{Tenant: tenant, User: user, Role: domain.RoleAdmin}
	coord := domain.Scope{Tenant: tenant, Role: domain.RoleCoordinator, Municipalities: []string{agsLoerrach}}

	// A coordinator cannot create a request in a municipality not theirs.
	if err := s.CreateRequest(ctx, coord, newRequest(0, agsBinzen)); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("foreign municipality: want ErrForbidden, got %v", err)
	}
	r := newRequest(1, agsLoerrach)
	r.Category = "legal_help"
	r.Lawyer = &domain.Lawyer{Name: "RAin Dr. Weber", Contact: "weber@kanzlei.example"}
	if err := s.CreateRequest(ctx, admin, r); err != nil {
		t.Fatal(err)
	}
	if r.ID.IsZero() || r.Status != domain.RequestOpen || r.CreatedBy != user || r.Tenant != tenant {
		t.Fatalf("defaults not set: %+v", r)
	}

	got, err := s.Request(ctx, coord, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != r.Title || got.Lawyer == nil || *got.Lawyer != *r.Lawyer || got.Status != domain.RequestOpen ||
		!slices.Equal(got.LanguagesAny, []string{"uk"}) || got.BeneficiaryRef != "WB-2026-0001" {
		t.Fatalf("read back: %+v", got)
	}
	for name, sc := range map[string]domain.Scope{
		"foreign tenant":     {Tenant: other, Role: domain.RoleAdmin},
		"other municipality": {Tenant: tenant, Role: domain.RoleCoordinator, Municipalities: []string{agsBinzen}},
		"accountant":         {Tenant: tenant, Role: domain.RoleAccountant},
	} {
		if _, err := s.Request(ctx, sc, r.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: want ErrNotFound, got %v", name, err)
		}
		if _, err := s.UpdateRequest(ctx, sc, r.ID, store.RequestPatch{Title: new("x")}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s update: want ErrNotFound, got %v", name, err)
		}
		if err := s.SetRequestStatus(ctx, sc, r.ID, domain.RequestOpen, domain.RequestCancelled); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s status: want ErrNotFound, got %v", name, err)
		}
	}
	if _, err := s.Request(ctx, admin, domain.NewID(time.Now())); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("absent: want ErrNotFound, got %v", err)
	}

	// Update reports only the fields that really change; removing the lawyer
	// takes a zero Lawyer.
	changed, err := s.UpdateRequest(ctx, coord, r.ID, store.RequestPatch{
		Title: new(r.Title), Needed: new(3), Category: new("housing_search"),
		Lawyer: &domain.Lawyer{}, LanguagesAny: &[]string{"uk"}, Slots: &[]string{"mon_am", "tue_pm"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"category", "slots", "needed", "lawyer"}; !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	got, _ = s.Request(ctx, admin, r.ID)
	if got.Needed != 3 || got.Lawyer != nil || got.Category != "housing_search" || !got.UpdatedAt.After(got.CreatedAt.Add(-time.Millisecond)) {
		t.Errorf("after update: %+v", got)
	}
	if changed, err := s.UpdateRequest(ctx, admin, r.ID, store.RequestPatch{Needed: new(3)}); err != nil || changed != nil {
		t.Errorf("no-op update: %v %v", changed, err)
	}

	// An update based on an old read is a conflict.
	stale := *got
	if _, err := s.UpdateRequest(ctx, admin, r.ID, store.RequestPatch{Priority: new(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateRequest(ctx, admin, r.ID, store.RequestPatch{Title: new("neu"), Base: &stale}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("stale base: want ErrConflict, got %v", err)
	}
	fresh, _ := s.Request(ctx, admin, r.ID)
	if _, err := s.UpdateRequest(ctx, admin, r.ID, store.RequestPatch{Title: new("neu"), Base: fresh}); err != nil {
		t.Errorf("fresh base: %v", err)
	}

	// Status moves are guarded by the current status.
	if err := s.SetRequestStatus(ctx, coord, r.ID, domain.RequestOpen, domain.RequestMatched); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRequestStatus(ctx, coord, r.ID, domain.RequestOpen, domain.RequestCancelled); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("stale from: want ErrConflict, got %v", err)
	}
	got, _ = s.Request(ctx, admin, r.ID)
	if got.Status != domain.RequestMatched {
		t.Errorf("status %s, want matched", got.Status)
	}
}

func TestRequestStatusRace(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	admin := domain.Scope{Tenant: tenant, Role: domain.RoleAdmin}
	r := newRequest(1, agsLoerrach)
	if err := s.CreateRequest(ctx, admin, r); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Go(func() {
			to := []domain.RequestStatus{domain.RequestMatched, domain.RequestCancelled}[i%2]
			if err := s.SetRequestStatus(ctx, admin, r.ID, domain.RequestOpen, to); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, domain.ErrConflict) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("want exactly one winner, got %d", wins)
	}
}

func TestRequestUpdateRace(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	admin := domain.Scope{Tenant: tenant, Role: domain.RoleAdmin}
	r := newRequest(1, agsLoerrach)
	if err := s.CreateRequest(ctx, admin, r); err != nil {
		t.Fatal(err)
	}
	base, err := s.Request(ctx, admin, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Go(func() {
			b := *base
			if _, err := s.UpdateRequest(ctx, admin, r.ID, store.RequestPatch{Needed: new(i + 2), Base: &b}); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, domain.ErrConflict) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("want exactly one edit based on the same read to win, got %d", wins)
	}
}

func TestRequestListFilters(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	admin := domain.Scope{Tenant: tenant, Role: domain.RoleAdmin}
	for i := range 24 {
		r := newRequest(i, []string{agsLoerrach, agsBinzen}[i%2])
		if i < 6 {
			r.Status = domain.RequestDone
		}
		if err := s.CreateRequest(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	coord := domain.Scope{Tenant: tenant, Role: domain.RoleCoordinator, Municipalities: []string{agsBinzen}}
	for _, tc := range []struct {
		name  string
		sc    domain.Scope
		f     store.RequestFilter
		total int
		items int
	}{
		{"all", admin, store.RequestFilter{Limit: 10}, 24, 10},
		{"last page", admin, store.RequestFilter{Offset: 20, Limit: 10}, 24, 4},
		{"municipality", admin, store.RequestFilter{Municipality: agsLoerrach}, 12, 12},
		{"category", admin, store.RequestFilter{Category: "language_cafe"}, 8, 8},
		{"language", admin, store.RequestFilter{Language: "uk"}, 12, 12},
		{"status open", admin, store.RequestFilter{Status: domain.RequestOpen}, 18, 18},
		{"status done", admin, store.RequestFilter{Status: domain.RequestDone}, 6, 6},
		{"combined", admin, store.RequestFilter{Municipality: agsBinzen, Language: "uk", Status: domain.RequestOpen}, 9, 9},
		{"coordinator sees own", coord, store.RequestFilter{}, 12, 12},
		{"coordinator asks foreign", coord, store.RequestFilter{Municipality: agsLoerrach}, 0, 0},
		{"accountant", domain.Scope{Tenant: tenant, Role: domain.RoleAccountant}, store.RequestFilter{}, 0, 0},
		{"accountant with municipalities", domain.Scope{Tenant: tenant, Role: domain.RoleAccountant, Municipalities: []string{agsBinzen}}, store.RequestFilter{}, 0, 0},
		{"foreign tenant", domain.Scope{Tenant: domain.NewID(time.Now()), Role: domain.RoleAdmin}, store.RequestFilter{}, 0, 0},
	} {
		p, err := s.Requests(ctx, tc.sc, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.Total != tc.total || len(p.Items) != tc.items {
			t.Errorf("%s: total %d items %d, want %d %d", tc.name, p.Total, len(p.Items), tc.total, tc.items)
		}
	}
	p, _ := s.Requests(ctx, admin, store.RequestFilter{Limit: 2})
	if p.Items[0].ID.Hex() <= p.Items[1].ID.Hex() {
		t.Error("want newest first")
	}
}

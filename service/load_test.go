package service_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

func TestVolunteerLoad(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

	type seed struct {
		name, ags                string
		active, capacity         int
		hours, maxHours          int
		confirmed                time.Time
		status                   domain.VolunteerStatus
		completedAgo, acceptedOn int // days; -1: no such match
	}
	seeds := []seed{
		{"Anna", "08336050", 2, 2, 8, 20, days(400), domain.VolunteerActive, -1, 30},   // full by capacity
		{"Ben", "08336050", 1, 3, 9, 10, days(400), domain.VolunteerActive, -1, 10},    // 90 % of the hours
		{"Cem", "08336050", 1, 3, 4, 10, days(400), domain.VolunteerActive, -1, 10},    // fine
		{"Dora", "08336050", 0, 2, 0, 10, days(200), domain.VolunteerActive, 120, -1},  // last done 120 days ago
		{"Emil", "08336050", 0, 2, 0, 10, days(100), domain.VolunteerActive, -1, -1},   // never, confirmed 100 days ago
		{"Fritz", "08336050", 0, 2, 0, 10, days(30), domain.VolunteerActive, -1, -1},   // new
		{"Gül", "08336050", 0, 2, 0, 10, days(300), domain.VolunteerActive, 20, -1},    // done recently
		{"Hana", "08336050", 0, 2, 0, 10, days(300), domain.VolunteerInactive, -1, -1}, // paused: not listed
		{"Ilse", "08336006", 2, 2, 10, 10, days(300), domain.VolunteerActive, -1, 5},   // Binzen, full
		{"Jonas", "08336006", 0, 1, 0, 10, days(95), domain.VolunteerActive, -1, -1},   // Binzen, never
		{"Kai", "08336050", 0, 2, 0, 10, days(300), domain.VolunteerActive, 95, -1},    // done 95 days ago…
	}
	ids := map[string]domain.ID{}
	for _, s := range seeds {
		place, _ := svc.Geo.Lookup(map[string]string{"08336050": "79539", "08336006": "79589"}[s.ags])
		v := &domain.Volunteer{Tenant: tn.ID, Municipality: s.ags, Name: s.name, Email: s.name + "@example.org",
			PLZ: place.PLZ, Lat: place.Point.Lat, Lon: place.Point.Lon, RadiusKm: 10, Skills: []string{"housing_search"},
			Capacity: s.capacity, MaxHoursPerMonth: s.maxHours, ActiveAssignments: s.active, HoursCommitted: s.hours,
			Status: s.status, ConfirmedAt: s.confirmed, CreatedAt: s.confirmed, Locale: "de"}
		if err := svc.Store.CreateVolunteer(ctx, v); err != nil {
			t.Fatal(err)
		}
		ids[s.name] = v.ID
		put := func(st domain.MatchStatus, at time.Time) {
			m := &domain.Match{Tenant: tn.ID, Request: domain.NewID(at), Volunteer: v.ID, Municipality: "08336006",
				Status: st, DecidedAt: at.Add(-48 * time.Hour), AnsweredAt: at}
			if err := svc.Store.PutMatch(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if s.completedAgo >= 0 {
			put(domain.MatchCompleted, days(s.completedAgo))
		}
		if s.acceptedOn >= 0 {
			put(domain.MatchAccepted, days(s.acceptedOn))
		}
	}
	// Lena would be idle but paused herself until next month.
	lena := &domain.Volunteer{Tenant: tn.ID, Municipality: "08336050", Name: "Lena", Email: "lena@example.org", PLZ: "79539",
		RadiusKm: 10, Skills: []string{"housing_search"}, Capacity: 1, MaxHoursPerMonth: 10, Status: domain.VolunteerActive,
		ConfirmedAt: days(300), CreatedAt: days(300), PausedUntil: now.Add(30 * 24 * time.Hour), Locale: "de"}
	if err := svc.Store.CreateVolunteer(ctx, lena); err != nil {
		t.Fatal(err)
	}
	// …but accepted something else yesterday (in another municipality).
	if err := svc.Store.PutMatch(ctx, &domain.Match{Tenant: tn.ID, Request: domain.NewID(now), Volunteer: ids["Kai"],
		Municipality: "08336006", Status: domain.MatchAccepted, DecidedAt: days(2), AnsweredAt: days(1)}); err != nil {
		t.Fatal(err)
	}
	// Declined and withdrawn offers are no assignment.
	if err := svc.Store.PutMatch(ctx, &domain.Match{Tenant: tn.ID, Request: domain.NewID(now), Volunteer: ids["Emil"],
		Municipality: "08336050", Status: domain.MatchDeclined, DecidedAt: days(3), AnsweredAt: days(2)}); err != nil {
		t.Fatal(err)
	}

	names := func(rows []service.LoadRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Volunteer.Name)
		}
		return out
	}
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	rep, err := svc.VolunteerLoad(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(rep.High), []string{"Anna", "Ilse", "Ben"}; !slices.Equal(got, want) {
		t.Errorf("high load %v, want %v", got, want)
	}
	if rep.High[2].Load != 0.9 {
		t.Errorf("Ben's load %v, want 0.9", rep.High[2].Load)
	}
	if got, want := names(rep.Idle), []string{"Dora", "Emil", "Jonas"}; !slices.Equal(got, want) {
		t.Errorf("idle %v, want %v", got, want)
	}
	if d := rep.Idle[0]; d.IdleDays != 120 || !d.LastAssigned.Equal(days(120)) {
		t.Errorf("Dora idle %d days since %v", d.IdleDays, d.LastAssigned)
	}
	if e := rep.Idle[1]; e.IdleDays != 100 || !e.LastAssigned.IsZero() {
		t.Errorf("Emil idle %d days since %v, want 100 and never", e.IdleDays, e.LastAssigned)
	}
	if rep.Active != 11 {
		t.Errorf("%d active volunteers, want 11", rep.Active)
	}

	// A coordinator sees the volunteers of their municipality only.
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	rep, err = svc.VolunteerLoad(ctx, binzen)
	if err != nil {
		t.Fatal(err)
	}
	if h, i := names(rep.High), names(rep.Idle); !slices.Equal(h, []string{"Ilse"}) || !slices.Equal(i, []string{"Jonas"}) || rep.Active != 2 {
		t.Errorf("Binzen: high %v, idle %v, %d active", h, i, rep.Active)
	}
	// Accountants see money, not people; another tenant sees nobody.
	if _, err := svc.VolunteerLoad(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("accountant: %v", err)
	}
	rep, err = svc.VolunteerLoad(ctx, domain.Scope{Tenant: domain.NewID(now), Role: domain.RoleAdmin})
	if err != nil || rep.Active != 0 || len(rep.High)+len(rep.Idle) != 0 {
		t.Errorf("foreign tenant: %+v %v", rep, err)
	}
}

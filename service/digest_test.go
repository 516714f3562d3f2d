package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/domain"
)

// TestSendDigests: each admin and coordinator with something to read gets one
// digest a day about their own municipalities; accountants and coordinators
// with nothing new get none.
func TestSendDigests(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // 07:00 in Berlin
	svc.Now = func() time.Time { return now }
	users := map[string]domain.ID{}
	for _, u := range []domain.UserInput{
		{Email: "loerrach@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}},
		{Email: "binzen@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}},
		{Email: "admin@example.org", Role: domain.RoleAdmin},
		{Email: "kasse@example.org", Role: domain.RoleAccountant},
	} {
		u.Password = "ein langes Passwort 2026"
		got, err := svc.AddUser(ctx, tn.Slug, u)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Email] = got.ID
	}
	place, _ := svc.Geo.Lookup("79539")
	if err := svc.Store.CreateVolunteer(ctx, &domain.Volunteer{Tenant: tn.ID, Municipality: "08336050", Name: "Neu Lörrach",
		Email: "neu@example.org", PLZ: "79539", Lat: place.Point.Lat, Lon: place.Point.Lon, RadiusKm: 10,
		Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}}, Skills: []string{"housing_search"},
		Availability: []string{"mon_am"}, Capacity: 1, MaxHoursPerMonth: 10, Status: domain.VolunteerActive,
		ConfirmedAt: now.Add(-3 * time.Hour), Locale: "de"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RegisterRequest(ctx, domain.System(tn.ID), domain.RequestInput{Category: "housing_search",
		Title: "Dringend: Wohnung", Municipality: "08336050", PLZ: "79539", Needed: 1, Priority: domain.MaxPriority}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProposeMatches(ctx, domain.System(tn.ID)); err != nil {
		t.Fatal(err)
	}

	n, err := svc.SendDigests(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("digests: %d, %v; want the Lörrach coordinator's and the admin's", n, err)
	}
	msgs, _ := svc.Store.Outbox(ctx, tn.ID)
	var to []string
	for _, m := range msgs {
		if !strings.HasPrefix(m.Key, "digest:") {
			continue
		}
		to = append(to, m.To)
		if m.Key != "digest:"+users[m.To].Hex()+":2026-11-23" {
			t.Errorf("key %s", m.Key)
		}
		for _, want := range []string{"Neu Lörrach", "Dringend: Wohnung", "Vorschläge, die auf Ihre Entscheidung warten: 1"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("digest to %s lacks %q:\n%s", m.To, want, m.Text)
			}
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"admin@example.org", "loerrach@example.org"}) {
		t.Errorf("digests to %v", to)
	}
	if n, err := svc.SendDigests(ctx, now.Add(2*time.Hour)); err != nil || n != 0 {
		t.Errorf("second run the same day: %d, %v", n, err)
	}
	// Next day: the volunteer is no longer new, the proposal and the urgent
	// request still wait.
	next := now.Add(24 * time.Hour)
	if n, err := svc.SendDigests(ctx, next); err != nil || n != 2 {
		t.Errorf("next day: %d, %v", n, err)
	}
}

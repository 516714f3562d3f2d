package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// TestPurgeStaleSignups: unconfirmed sign-ups older than 30 days go, with their
// email claim (the address may sign up again) and an audit record; younger
// and confirmed ones stay; a second run erases nothing.
func TestPurgeStaleSignups(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	sys := domain.System(tn.ID)
	seed := func(name string, status domain.VolunteerStatus, age time.Duration) *domain.Volunteer {
		v := &domain.Volunteer{Tenant: tn.ID, Municipality: "08336050", Name: name, Email: name + "@example.org", PLZ: "79539",
			RadiusKm: 10, Skills: []string{"housing_search"}, Capacity: 1, MaxHoursPerMonth: 10, Status: status,
			CreatedAt: now.Add(-age), Locale: "de"}
		if err := svc.Store.CreateVolunteer(ctx, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	old := seed("alt", domain.VolunteerPending, 31*24*time.Hour)
	young := seed("jung", domain.VolunteerPending, 29*24*time.Hour)
	confirmed := seed("aktiv", domain.VolunteerActive, 400*24*time.Hour)

	n, err := svc.PurgeStaleSignups(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("purge: %d, %v; want 1", n, err)
	}
	if _, err := svc.Store.Volunteer(ctx, sys, old.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the stale sign-up is still there: %v", err)
	}
	if _, err := svc.Store.VolunteerIDByEmail(ctx, tn.ID, old.Email); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("its email claim is still there: %v", err)
	}
	for _, v := range []*domain.Volunteer{young, confirmed} {
		if _, err := svc.Store.Volunteer(ctx, sys, v.ID); err != nil {
			t.Errorf("%s was erased: %v", v.Name, err)
		}
	}
	log, err := svc.Store.AuditLog(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	purged := 0
	for _, e := range log {
		if e.Action == "volunteer.purge" {
			purged++
			if e.ID != old.ID {
				t.Errorf("audit names %s", e.ID.Hex())
			}
		}
	}
	if purged != 1 {
		t.Errorf("%d purge audit records, want 1", purged)
	}
	if n, err := svc.PurgeStaleSignups(ctx, now); err != nil || n != 0 {
		t.Errorf("second run: %d, %v", n, err)
	}
	// The address may sign up afresh.
	seed("alt", domain.VolunteerPending, 0)
}

// TestPurgeLapsedChecks: the Führungszeugnis record of someone who left goes
// three months later; an active volunteer's stays.
func TestPurgeLapsedChecks(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	sys := domain.System(tn.ID)
	left := seedVolunteer(t, svc, tn, "weg", "08336050", "79539", domain.VolunteerActive, false, []string{"homework_help"})
	stays := seedVolunteer(t, svc, tn, "da", "08336050", "79539", domain.VolunteerActive, false, []string{"homework_help"})
	yes := true
	for _, v := range []*domain.Volunteer{left, stays} {
		if _, err := svc.RecordBackgroundCheck(ctx, sys, v.ID, domain.BackgroundCheckInput{
			CertificateDate: svc.Now().AddDate(0, 0, -7).Format(time.DateOnly), Suitable: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	former := domain.VolunteerFormer
	if _, err := svc.UpdateVolunteer(ctx, sys, left.ID, service.VolunteerUpdate{Status: &former}); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Purge(ctx, time.Now().Add(60*24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("two months after leaving: %d, %v", n, err)
	}
	if n, err := svc.Purge(ctx, time.Now().Add(91*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("three months after leaving: %d, %v", n, err)
	}
	if v, _ := svc.Store.Volunteer(ctx, sys, left.ID); v.BackgroundCheck != nil {
		t.Error("the record of the former volunteer is still there")
	}
	if v, _ := svc.Store.Volunteer(ctx, sys, stays.ID); v.BackgroundCheck == nil {
		t.Error("the active volunteer's record is gone")
	}
}

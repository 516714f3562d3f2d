package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// TestBackgroundCheck: a recorded inspection lets the engine propose a
// volunteer for homework help; without it approval is refused; reminders go
// out 90 and 30 days before renewal, once each.
func TestBackgroundCheck(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	coord := seedCoordinator(t, svc, tn)
	sc := domain.Scope{Tenant: tn.ID, User: coord, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"homework_help"})
	r, err := svc.RegisterRequest(ctx, sc, domain.RequestInput{Category: "homework_help", Title: "Mathe",
		Municipality: "08336050", PLZ: "79539", Needed: 1})
	if err != nil || !r.RequiresBackgroundCheck {
		t.Fatalf("request %+v %v", r, err)
	}
	if p := proposalFor(t, svc, sc, r); len(p.Proposed) != 0 || p.ReasonCode != "no_background_check" {
		t.Fatalf("without an inspection: %+v", p)
	}

	yes := true
	if _, err := svc.RecordBackgroundCheck(ctx, sc, v.ID, domain.BackgroundCheckInput{CertificateDate: "2026-06-01", Suitable: &yes}); domain.FieldsOf(err)["certificate_date"] != "field.certificate.too_old" {
		t.Fatalf("too old: %v", err)
	}
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	if _, err := svc.RecordBackgroundCheck(ctx, binzen, v.ID, domain.BackgroundCheckInput{CertificateDate: "2026-11-01", Suitable: &yes}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("coordinator elsewhere: %v", err)
	}
	if got, _ := svc.Store.Volunteer(ctx, sc, v.ID); got.BackgroundCheck != nil {
		t.Fatal("a refused inspection was stored")
	}
	got, err := svc.RecordBackgroundCheck(ctx, sc, v.ID, domain.BackgroundCheckInput{CertificateDate: "2026-11-01", Suitable: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.BackgroundCheck; b == nil || b.InspectedOn != "2026-11-23" || b.RecheckDue != "2031-11-01" || b.InspectedBy != coord {
		t.Fatalf("record %+v", got.BackgroundCheck)
	}
	if p := proposalFor(t, svc, sc, r); len(p.Proposed) != 1 || p.Proposed[0].Volunteer != v.ID {
		t.Fatalf("with an inspection: %+v", p)
	}
	// Deleted after the proposal: the approval is refused.
	if _, err := svc.DeleteBackgroundCheck(ctx, sc, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveMatch(ctx, sc, r.ID, v.ID, service.Decision{}); !errors.Is(err, service.ErrNoBackgroundCheck) {
		t.Fatalf("approve without inspection: %v", err)
	}
	if rr, _ := svc.Store.Request(ctx, sc, r.ID); rr.Status != domain.RequestOpen {
		t.Fatalf("request %s after the refusal", rr.Status)
	}

	// Reminders: renewal due 2031-11-01.
	if _, err := svc.RecordBackgroundCheck(ctx, sc, v.ID, domain.BackgroundCheckInput{CertificateDate: "2026-11-01", Suitable: &yes}); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2031, 11, 1, 6, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		before time.Duration
		want   int
	}{{91 * 24 * time.Hour, 0}, {90 * 24 * time.Hour, 1}, {60 * 24 * time.Hour, 0}, {30 * 24 * time.Hour, 1}, {29 * 24 * time.Hour, 0}, {0, 0}} {
		if n, err := svc.RemindBackgroundChecks(ctx, due.Add(-step.before)); err != nil || n != step.want {
			t.Errorf("%v before: %d, %v; want %d", step.before, n, err, step.want)
		}
	}
	if keys := outboxKeys(t, svc, tn, "background_check_due:"); len(keys) != 2 {
		t.Errorf("reminders %v", keys)
	}
}

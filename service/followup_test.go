package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// outboxKeys lists the keys of the tenant's queued mail with prefix.
func outboxKeys(t *testing.T, svc *service.Service, tn *domain.Tenant, prefix string) []string {
	t.Helper()
	msgs, err := svc.Store.Outbox(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if strings.HasPrefix(m.Key, prefix) {
			out = append(out, m.Key)
		}
	}
	return out
}

// TestFollowUpOffers walks an unanswered offer through the hourly job: nothing
// before 48 hours, one reminder after, one expiry after 96 hours with the place,
// the capacity and the hours given back, the creator told and fresh proposals;
// repeated runs change nothing, and an answered offer is left alone.
func TestFollowUpOffers(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return t0 }
	creator := seedCoordinator(t, svc, tn)
	admin := domain.Scope{Tenant: tn.ID, User: creator, Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	r, err := svc.RegisterRequest(ctx, admin, domain.RequestInput{Category: "housing_search", Title: "Wohnung",
		Municipality: "08336050", PLZ: "79539", Needed: 1})
	if err != nil {
		t.Fatal(err)
	}
	answered, err := svc.RegisterRequest(ctx, admin, domain.RequestInput{Category: "housing_search", Title: "Wohnung 2",
		Municipality: "08336050", PLZ: "79540", Needed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := proposalFor(t, svc, admin, r)
	first, second := p.Proposed[0].Volunteer, p.Alternatives[0].Volunteer
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, first, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	other := byRequest(t, svc, admin)[answered.ID].Proposed[0].Volunteer
	if _, err := svc.ApproveMatch(ctx, admin, answered.ID, other, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, answered.ID, other), true, ""); err != nil {
		t.Fatal(err)
	}

	run := func(after time.Duration, want int) {
		t.Helper()
		at := t0.Add(after)
		svc.Now = func() time.Time { return at }
		n, err := svc.FollowUpOffers(ctx, at)
		if err != nil || n != want {
			t.Fatalf("run after %v: %d, %v; want %d", after, n, err, want)
		}
	}
	run(47*time.Hour, 0)
	run(49*time.Hour, 1)
	run(50*time.Hour, 0) // reminded already
	if keys := outboxKeys(t, svc, tn, "offer_reminder:"); len(keys) != 1 || keys[0] != "offer_reminder:"+domain.MatchID(r.ID, first) {
		t.Fatalf("reminders %v", keys)
	}
	run(97*time.Hour, 1)
	run(98*time.Hour, 0)

	m, _ := svc.Store.Match(ctx, admin, r.ID, first)
	rr, _ := svc.Store.Request(ctx, admin, r.ID)
	v, _ := svc.Store.Volunteer(ctx, admin, first)
	if m.Status != domain.MatchExpired || rr.Status != domain.RequestOpen || v.ActiveAssignments != 0 || v.HoursCommitted != 0 {
		t.Fatalf("after expiry: match %s, request %s, volunteer %d/%d h", m.Status, rr.Status, v.ActiveAssignments, v.HoursCommitted)
	}
	if keys := outboxKeys(t, svc, tn, "offer_expired:"); len(keys) != 1 {
		t.Errorf("creator notices %v", keys)
	}
	if acc, _ := svc.Store.Match(ctx, admin, answered.ID, other); acc.Status != domain.MatchAccepted {
		t.Errorf("an accepted offer became %s", acc.Status)
	}
	// The volunteer's old link now says the offer is closed; the next
	// candidate is proposed.
	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, r.ID, first), true, ""); err == nil {
		t.Error("accepting an expired offer succeeded")
	}
	svc.FlushProposals()
	if again := byRequest(t, svc, admin)[r.ID]; len(again.Proposed) != 1 || again.Proposed[0].Volunteer != second {
		t.Errorf("next candidate not proposed: %+v", again)
	}
}

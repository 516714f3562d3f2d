package service_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

var offerLinkPattern = regexp.MustCompile(`https?://\S+/offers\?\S+`)

// offerLink reads the offer mail for the pair from the outbox.
func offerLink(t *testing.T, svc *service.Service, tn *domain.Tenant, r, v domain.ID) service.OfferLink {
	t.Helper()
	msgs, err := svc.Store.Outbox(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Key != "offer:"+domain.MatchID(r, v) {
			continue
		}
		raw := offerLinkPattern.FindString(m.Text)
		u, err := url.Parse(raw)
		if err != nil || raw == "" {
			t.Fatalf("no link in %q", m.Text)
		}
		q := u.Query()
		return service.OfferLink{Request: q.Get("r"), Volunteer: q.Get("v"), Exp: q.Get("exp"), Sig: q.Get("sig")}
	}
	t.Fatal("no offer mail")
	return service.OfferLink{}
}

func TestOfferAcceptDecline(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	creator := seedCoordinator(t, svc, tn)
	admin := domain.Scope{Tenant: tn.ID, User: creator, Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	r, err := svc.RegisterRequest(ctx, admin, domain.RequestInput{Category: "housing_search", Title: "Wohnung",
		Municipality: "08336050", PLZ: "79539", Needed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := proposalFor(t, svc, admin, r)
	first, second := p.Proposed[0].Volunteer, p.Alternatives[0].Volunteer
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, first, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	link := offerLink(t, svc, tn, r.ID, first)
	o, err := svc.OfferFor(ctx, link)
	if err != nil || o.Request.Title != "Wohnung" || o.Municipality != "Lörrach" || o.Match.Status != domain.MatchApproved {
		t.Fatalf("offer: %+v %v", o, err)
	}
	bad := link
	bad.Sig = strings.Repeat("A", len(link.Sig))
	if _, err := svc.OfferFor(ctx, bad); !errors.Is(err, service.ErrLinkInvalid) {
		t.Fatalf("tampered link: %v", err)
	}

	// The volunteer declines: the place and the capacity come back, the
	// coordinator is told, and the next candidate is proposed.
	if _, err := svc.RespondToOffer(ctx, link, false, "Ich bin verreist"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RespondToOffer(ctx, link, false, ""); err != nil {
		t.Fatalf("declining twice: %v", err)
	}
	if _, err := svc.RespondToOffer(ctx, link, true, ""); !errors.Is(err, service.ErrOfferAnswered) {
		t.Fatalf("accepting after declining: %v", err)
	}
	rr, _ := svc.Store.Request(ctx, admin, r.ID)
	v1, _ := svc.Store.Volunteer(ctx, admin, first)
	if rr.Status != domain.RequestOpen || v1.ActiveAssignments != 0 {
		t.Fatalf("after decline: request %s, volunteer carries %d", rr.Status, v1.ActiveAssignments)
	}
	svc.FlushProposals() // the decline asked for a fresh run
	again := byRequest(t, svc, admin)[r.ID]
	if len(again.Proposed) != 1 || again.Proposed[0].Volunteer != second {
		t.Fatalf("next candidate not proposed: %+v", again)
	}
	msgs, _ := svc.Store.Outbox(ctx, tn.ID)
	notice := false
	for _, m := range msgs {
		notice = notice || strings.HasPrefix(m.Key, "offer_declined:") && m.To == "koordination@example.org"
	}
	if !notice {
		t.Error("the coordinator was not told")
	}

	// The second volunteer accepts; two clicks at once record one answer.
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, second, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	link2 := offerLink(t, svc, tn, r.ID, second)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.RespondToOffer(ctx, link2, true, "") })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("double click: %v", err)
		}
	}
	m, _ := svc.Store.MatchForLink(ctx, r.ID, second)
	v2, _ := svc.Store.Volunteer(ctx, admin, second)
	if m.Status != domain.MatchAccepted || v2.ActiveAssignments != 1 {
		t.Fatalf("accepted: %s, carries %d", m.Status, v2.ActiveAssignments)
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	accepts := 0
	for _, e := range log {
		if e.Action == "match.accept" {
			accepts++
		}
	}
	if accepts != 1 {
		t.Fatalf("%d accept records", accepts)
	}
}

func TestOfferForClosedRequestAndExpiry(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	proposalFor(t, svc, admin, r)
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, v.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	link := offerLink(t, svc, tn, r.ID, v.ID)
	if err := svc.Store.SetRequestStatus(ctx, admin, r.ID, domain.RequestMatched, domain.RequestCancelled); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RespondToOffer(ctx, link, true, ""); !errors.Is(err, service.ErrOfferClosed) {
		t.Fatalf("accepting for a cancelled request: %v", err)
	}
	got, _ := svc.Store.Volunteer(ctx, admin, v.ID)
	m, _ := svc.Store.MatchForLink(ctx, r.ID, v.ID)
	if got.ActiveAssignments != 0 || m.Status != domain.MatchWithdrawn {
		t.Fatalf("carries %d, match %s", got.ActiveAssignments, m.Status)
	}
	now := time.Now()
	svc.Now = func() time.Time { return now.Add(service.OfferTTL + time.Minute) }
	if _, err := svc.OfferFor(ctx, link); !errors.Is(err, service.ErrLinkExpired) {
		t.Fatalf("after 7 days: %v", err)
	}
}

// seedCoordinator adds the coordinator who registers requests and returns
// their ID.
func seedCoordinator(t *testing.T, svc *service.Service, tn *domain.Tenant) domain.ID {
	t.Helper()
	u, err := svc.AddUser(context.Background(), tn.Slug, domain.UserInput{Email: "koordination@example.org",
		Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}, Password: "ein langes Passwort 2026"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestClosingARequestEndsItsMatches: done completes accepted assignments,
// cancelling withdraws offers; either way the capacity comes back.
func TestClosingARequestEndsItsMatches(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	done := seedRequest(t, svc, tn, "Wohnung 1", "housing_search", "08336050", "79539")
	cancelled := seedRequest(t, svc, tn, "Wohnung 2", "housing_search", "08336050", "79540")
	if _, err := svc.ProposeMatches(ctx, admin); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*domain.HelpRequest{done, cancelled} {
		if _, err := svc.ApproveMatch(ctx, admin, r.ID, v.ID, service.Decision{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, done.ID, v.ID), true, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Store.Volunteer(ctx, admin, v.ID); got.ActiveAssignments != 2 {
		t.Fatalf("carries %d", got.ActiveAssignments)
	}
	for r, to := range map[*domain.HelpRequest]domain.RequestStatus{done: domain.RequestDone, cancelled: domain.RequestCancelled} {
		if _, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Status: &to}); err != nil {
			t.Fatal(err)
		}
	}
	m1, _ := svc.Store.MatchForLink(ctx, done.ID, v.ID)
	m2, _ := svc.Store.MatchForLink(ctx, cancelled.ID, v.ID)
	got, _ := svc.Store.Volunteer(ctx, admin, v.ID)
	if m1.Status != domain.MatchCompleted || m2.Status != domain.MatchWithdrawn || got.ActiveAssignments != 0 {
		t.Fatalf("done: %s, cancelled: %s, carries %d", m1.Status, m2.Status, got.ActiveAssignments)
	}
}

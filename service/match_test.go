package service_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// proposalFor runs the engine for the whole tenant and returns the request's
// proposal.
func proposalFor(t *testing.T, svc *service.Service, sc domain.Scope, r *domain.HelpRequest) *domain.Proposal {
	t.Helper()
	if _, err := svc.ProposeMatches(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	p := byRequest(t, svc, sc)[r.ID]
	if p == nil {
		t.Fatal("no proposal")
	}
	return p
}

func TestApproveAndReject(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAdmin}
	a := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	b := seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	p := proposalFor(t, svc, admin, r)
	if len(p.Proposed) != 1 || len(p.Alternatives) != 1 {
		t.Fatalf("proposal: %+v", p)
	}
	chosen, alt := p.Proposed[0].Volunteer, p.Alternatives[0].Volunteer
	if (chosen != a.ID && chosen != b.ID) || chosen == alt {
		t.Fatal("unexpected candidates")
	}

	// A reason from the list is required.
	_, err := svc.RejectMatch(ctx, admin, r.ID, alt, service.Decision{Reason: "dislike"})
	if domain.FieldsOf(err)["reason"] == "" {
		t.Fatalf("bad reason: %v", err)
	}
	m, err := svc.RejectMatch(ctx, admin, r.ID, alt, service.Decision{Reason: "volunteer_unavailable", Note: "im Urlaub"})
	if err != nil || m.Status != domain.MatchRejected || !m.Override {
		t.Fatalf("reject: %+v %v", m, err)
	}
	// The review queue shows the decision at the pair.
	rv, err := svc.ProposalReview(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if d := rv.Decisions[domain.MatchID(r.ID, alt)]; d == nil || d.Status != domain.MatchRejected || len(rv.Decisions) != 1 {
		t.Errorf("review decisions %+v, want the rejection", rv.Decisions)
	}

	m, err = svc.ApproveMatch(ctx, admin, r.ID, chosen, service.Decision{})
	if err != nil || m.Status != domain.MatchApproved || m.Override || m.Score != p.Proposed[0].Score {
		t.Fatalf("approve: %+v %v", m, err)
	}
	// Approving again takes nothing twice.
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, chosen, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	v, _ := svc.Store.Volunteer(ctx, admin, chosen)
	if v.ActiveAssignments != 1 {
		t.Fatalf("active assignments %d", v.ActiveAssignments)
	}
	got, _ := svc.Store.Request(ctx, admin, r.ID)
	if got.Status != domain.RequestMatched {
		t.Fatalf("request %s after its only place was taken", got.Status)
	}
	// The place is taken: the alternative cannot be approved too; an approved
	// match cannot be rejected.
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, alt, service.Decision{}); !errors.Is(err, store.ErrRequestClosed) {
		t.Fatalf("second volunteer for a full request: %v", err)
	}
	if _, err := svc.RejectMatch(ctx, admin, r.ID, chosen, service.Decision{Reason: "other"}); !errors.Is(err, service.ErrAlreadyApproved) {
		t.Fatalf("reject approved: %v", err)
	}
	// Nobody proposed, another tenant, an accountant.
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, domain.NewID(svc.Now()), service.Decision{}); !errors.Is(err, service.ErrNotProposed) {
		t.Fatalf("not proposed: %v", err)
	}
	if _, err := svc.ApproveMatch(ctx, domain.Scope{Tenant: domain.NewID(svc.Now()), Role: domain.RoleAdmin}, r.ID, chosen, service.Decision{}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := svc.ApproveMatch(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant}, r.ID, chosen, service.Decision{}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("accountant: %v", err)
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"match.reject", "match.approve"} {
		found := false
		for _, a := range actions {
			found = found || a == want
		}
		if !found {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

// TestApproveRaceLastPlace: coordinators approve two different volunteers for
// the last place at once; exactly one holds it and only the winner's capacity is
// used.
func TestApproveRaceLastPlace(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	p := proposalFor(t, svc, admin, r)
	both := []domain.ID{p.Proposed[0].Volunteer, p.Alternatives[0].Volunteer}

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, full := map[domain.ID]int{}, 0
	for i := range 12 {
		wg.Go(func() {
			v := both[i%2]
			_, err := svc.ApproveMatch(ctx, admin, r.ID, v, service.Decision{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins[v]++
			case errors.Is(err, store.ErrRequestFull), errors.Is(err, store.ErrRequestClosed):
				full++
			default:
				t.Errorf("approve: %v", err)
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 || full != 6 {
		t.Fatalf("winners %v, refused %d", wins, full)
	}
	for _, v := range both {
		got, _ := svc.Store.Volunteer(ctx, admin, v)
		if want := wins[v] / 6; got.ActiveAssignments != want {
			t.Errorf("volunteer %s carries %d, want %d", v.Hex(), got.ActiveAssignments, want)
		}
	}
}

// TestApproveRaceCapacity: a volunteer with room for one is approved for two
// requests at once; one approval wins and the other request keeps its place.
func TestApproveRaceCapacity(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	one := 1
	if _, err := svc.Store.UpdateVolunteer(ctx, admin, v.ID, store.VolunteerPatch{Capacity: &one}); err != nil {
		t.Fatal(err)
	}
	r1 := seedRequest(t, svc, tn, "Wohnung 1", "housing_search", "08336050", "79539")
	r2 := seedRequest(t, svc, tn, "Wohnung 2", "housing_search", "08336050", "79540")
	if _, err := svc.ProposeMatches(ctx, admin); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []*domain.HelpRequest{r1, r2} {
		wg.Go(func() { _, errs[i] = svc.ApproveMatch(ctx, admin, r.ID, v.ID, service.Decision{}) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrVolunteerFull):
		default:
			t.Fatalf("approve: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d approvals of a volunteer with room for one", ok)
	}
	got, _ := svc.Store.Volunteer(ctx, admin, v.ID)
	if got.ActiveAssignments != 1 {
		t.Fatalf("active assignments %d", got.ActiveAssignments)
	}
	open := 0
	for _, r := range []*domain.HelpRequest{r1, r2} {
		rr, _ := svc.Store.Request(ctx, admin, r.ID)
		if rr.Status == domain.RequestOpen {
			open++
		}
	}
	if open != 1 {
		t.Fatalf("%d requests open, want the loser's place released", open)
	}
}

// TestApproveRaceHours: a volunteer offering 10 hours a month is approved for
// two requests of 6 hours each at once; one approval wins, the other is told
// the hours would be exceeded. The engine then proposes them for no request
// asking more than the 4 hours left, says so, and the hours come back when the
// offer is declined.
func TestApproveRaceHours(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search", "event_help"})
	three, ten := 3, 10
	if _, err := svc.Store.UpdateVolunteer(ctx, admin, v.ID, store.VolunteerPatch{Capacity: &three, MaxHoursPerMonth: &ten}); err != nil {
		t.Fatal(err)
	}
	r1 := seedRequest(t, svc, tn, "Wohnung 1", "housing_search", "08336050", "79539")
	r2 := seedRequest(t, svc, tn, "Wohnung 2", "housing_search", "08336050", "79540")
	if r1.HoursPerMonth != 6 {
		t.Fatalf("housing search asks %d hours a month, want the usual 6", r1.HoursPerMonth)
	}
	if _, err := svc.ProposeMatches(ctx, admin); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []*domain.HelpRequest{r1, r2} {
		wg.Go(func() { _, errs[i] = svc.ApproveMatch(ctx, admin, r.ID, v.ID, service.Decision{}) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			won = i
		case errors.Is(err, store.ErrVolunteerHours):
		default:
			t.Fatalf("approve: %v", err)
		}
	}
	if won < 0 || errs[1-won] == nil {
		t.Fatalf("approvals: %v, want one win and one refusal", errs)
	}
	winner, loser := []*domain.HelpRequest{r1, r2}[won], []*domain.HelpRequest{r1, r2}[1-won]
	got, _ := svc.Store.Volunteer(ctx, admin, v.ID)
	if got.ActiveAssignments != 1 || got.HoursCommitted != 6 {
		t.Fatalf("carries %d assignments, %d hours; want 1 and 6", got.ActiveAssignments, got.HoursCommitted)
	}

	// 4 hours left: an event of 4 hours is proposed, the other flat is not.
	event, err := svc.RegisterRequest(ctx, domain.System(tn.ID), domain.RequestInput{
		Category: "event_help", Title: "Sommerfest", Municipality: "08336050", PLZ: "79539", Needed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p := proposalFor(t, svc, admin, event); len(p.Proposed) != 1 || p.Proposed[0].Volunteer != v.ID {
		t.Errorf("event proposal %+v, want anna", p)
	}
	if p := byRequest(t, svc, admin)[loser.ID]; len(p.Proposed) != 0 || p.ReasonCode != "no_hours" {
		t.Errorf("flat proposal %+v, want none for lack of hours", p)
	}

	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, winner.ID, v.ID), false, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.Store.Volunteer(ctx, admin, v.ID)
	if got.ActiveAssignments != 0 || got.HoursCommitted != 0 {
		t.Fatalf("after declining: %d assignments, %d hours", got.ActiveAssignments, got.HoursCommitted)
	}
}

// TestApproveAbove: bulk approval takes every undecided proposed pair at or
// above the threshold, skips decided ones and alternatives, and reports pairs
// that cannot be approved instead of forcing them.
func TestApproveAbove(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	ben := seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "cem", "08336050", "79541", domain.VolunteerActive, false, []string{"housing_search"})
	var reqs []*domain.HelpRequest
	for _, plz := range []string{"79539", "79540", "79541"} {
		reqs = append(reqs, seedRequest(t, svc, tn, "Wohnung "+plz, "housing_search", "08336050", plz))
	}
	if _, err := svc.ProposeMatches(ctx, admin); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []float64{0.49, 1.01, math.NaN()} {
		if _, err := svc.ApproveAbove(ctx, admin, bad, ""); domain.FieldsOf(err)["min_score"] == "" {
			t.Errorf("threshold %v: %v, want a field error", bad, err)
		}
	}
	// Someone else's coordinator approves nothing here.
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	if res, err := svc.ApproveAbove(ctx, binzen, 0.5, ""); err != nil || len(res.Approved)+len(res.Failed) != 0 {
		t.Fatalf("Binzen's coordinator: %+v %v", res, err)
	}

	// Each volunteer is proposed for one request; one of anna's and cem's pairs
	// is rejected beforehand and ben has no capacity left by now.
	props := byRequest(t, svc, admin)
	type pair struct{ r, v domain.ID }
	want := map[pair]bool{}
	var rejected, full pair
	for _, r := range reqs {
		p := props[r.ID]
		if len(p.Proposed) != 1 {
			t.Fatalf("%s: proposal %+v", r.Title, p)
		}
		c := p.Proposed[0]
		switch {
		case c.Score < 0.5:
			t.Fatalf("%s: score %v, too low for the test", r.Title, c.Score)
		case c.Volunteer == ben.ID:
			full = pair{r.ID, c.Volunteer}
		case rejected == pair{}:
			rejected = pair{r.ID, c.Volunteer}
		default:
			want[pair{r.ID, c.Volunteer}] = true
		}
	}
	if full == (pair{}) || len(want) != 1 {
		t.Fatalf("proposals %+v: want ben and two others proposed", props)
	}
	if _, err := svc.RejectMatch(ctx, admin, rejected.r, rejected.v, service.Decision{Reason: "other"}); err != nil {
		t.Fatal(err)
	}
	zero := 0
	if _, err := svc.Store.UpdateVolunteer(ctx, admin, ben.ID, store.VolunteerPatch{Capacity: &zero}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.ApproveAbove(ctx, admin, 0.5, "Sammelbestätigung")
	if err != nil {
		t.Fatal(err)
	}
	got := map[pair]bool{}
	for _, m := range res.Approved {
		got[pair{m.Request, m.Volunteer}] = true
		if m.Status != domain.MatchApproved || m.Note != "Sammelbestätigung" {
			t.Errorf("approved %+v", m)
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("approved %v, want %v", got, want)
	}
	for p := range want {
		if !got[p] {
			t.Errorf("pair %v not approved", p)
		}
	}
	if len(res.Failed) != 1 || res.Failed[0] != (service.BulkFailure{Request: full.r, Volunteer: ben.ID, Key: "match.volunteer_full"}) {
		t.Errorf("failed %+v, want ben without capacity", res.Failed)
	}
	// Once more: everything is decided, nothing happens twice.
	again, err := svc.ApproveAbove(ctx, admin, 0.5, "")
	if err != nil || len(again.Approved) != 0 || len(again.Failed) != len(res.Failed) {
		t.Errorf("second bulk approval: %+v %v", again, err)
	}
}

// TestApprovePaused: a volunteer who paused after the proposal cannot be
// approved, and the request keeps its place for someone else.
func TestApprovePaused(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	if p := proposalFor(t, svc, admin, r); len(p.Proposed) != 1 {
		t.Fatalf("proposal %+v", p)
	}
	if _, err := svc.PauseVolunteer(ctx, v, svc.Now().AddDate(0, 0, 14).Format(time.DateOnly)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, v.ID, service.Decision{}); !errors.Is(err, store.ErrVolunteerPaused) {
		t.Fatalf("approving a paused volunteer: %v", err)
	}
	rr, _ := svc.Store.Request(ctx, admin, r.ID)
	got, _ := svc.Store.Volunteer(ctx, admin, v.ID)
	if rr.Status != domain.RequestOpen || got.ActiveAssignments != 0 || got.HoursCommitted != 0 {
		t.Errorf("after the refusal: request %s, volunteer carries %d/%d h", rr.Status, got.ActiveAssignments, got.HoursCommitted)
	}
}

func TestRequestMatches(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, User: domain.NewID(svc.Now()), Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"housing_search"})
	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	other := seedRequest(t, svc, tn, "Andere", "housing_search", "08336050", "79541")
	p := proposalFor(t, svc, admin, r)
	if _, err := svc.RejectMatch(ctx, admin, r.ID, p.Alternatives[0].Volunteer, service.Decision{Reason: "other"}); err != nil {
		t.Fatal(err)
	}
	svc.Now = func() time.Time { return time.Now().UTC().Add(time.Minute) }
	if _, err := svc.ApproveMatch(ctx, admin, r.ID, p.Proposed[0].Volunteer, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	ms, err := svc.RequestMatches(ctx, admin, r.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("matches %+v %v", ms, err)
	}
	if ms[0].Match.Status != domain.MatchApproved || ms[1].Match.Status != domain.MatchRejected || ms[0].Name == "" || ms[1].Name == "" {
		t.Errorf("newest first with names: %+v, %+v", ms[0], ms[1])
	}
	if ms, err := svc.RequestMatches(ctx, admin, other.ID); err != nil || len(ms) != 0 {
		t.Errorf("other request: %+v %v", ms, err)
	}
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}
	if _, err := svc.RequestMatches(ctx, binzen, r.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("coordinator elsewhere: %v", err)
	}
	if _, err := svc.RequestMatches(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant}, r.ID); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("accountant: %v", err)
	}
}

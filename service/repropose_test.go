package service_test

import (
	"context"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// proposeRuns counts the matching runs in the tenant's audit log.
func proposeRuns(t *testing.T, svc *service.Service, tn *domain.Tenant) int {
	t.Helper()
	log, err := svc.Store.AuditLog(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.Action == "matching.propose" {
			n++
		}
	}
	return n
}

// TestReproposeDebounced: a burst of new requests makes one matching run after
// the last of them, and the run proposes for all.
func TestReproposeDebounced(t *testing.T) {
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	svc.ReproposeDelay = 300 * time.Millisecond
	var reqs []*domain.HelpRequest
	for _, plz := range []string{"79539", "79540", "79541"} {
		reqs = append(reqs, seedRequest(t, svc, tn, "Wohnung "+plz, "housing_search", "08336050", plz))
	}
	if n := proposeRuns(t, svc, tn); n != 0 {
		t.Fatalf("%d runs right after the burst, want none yet", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for proposeRuns(t, svc, tn) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no run after the burst")
		}
		time.Sleep(50 * time.Millisecond)
	}
	svc.FlushProposals() // waits for the run to finish writing
	if n := proposeRuns(t, svc, tn); n != 1 {
		t.Errorf("%d runs for one burst, want 1", n)
	}
	props := byRequest(t, svc, admin)
	for _, r := range reqs {
		if props[r.ID] == nil {
			t.Errorf("no proposal for %s", r.Title)
		}
	}

	// A status change asks again; closing the service runs what is pending and
	// refuses later requests.
	svc.ReproposeDelay = time.Hour
	cancelled := domain.RequestCancelled
	if _, err := svc.UpdateRequest(context.Background(), admin, reqs[0].ID, service.RequestPatchInput{Status: &cancelled}); err != nil {
		t.Fatal(err)
	}
	svc.CloseProposals(true)
	if n := proposeRuns(t, svc, tn); n != 2 {
		t.Errorf("%d runs after closing, want the pending one run", n)
	}
	if props := byRequest(t, svc, admin); props[reqs[0].ID] != nil || len(props) != 2 {
		t.Errorf("proposals after cancelling: %d, the cancelled one present: %v", len(props), props[reqs[0].ID] != nil)
	}
	seedRequest(t, svc, tn, "Wohnung 4", "housing_search", "08336050", "79539")
	svc.FlushProposals()
	if n := proposeRuns(t, svc, tn); n != 2 {
		t.Errorf("%d runs after closing and a new request, want none more", n)
	}
}

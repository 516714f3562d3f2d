package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// TestProposeAll runs the nightly matching over two tenants: each gets its own
// proposals, counted together, and a second run proposes the same again.
func TestProposeAll(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	other := &domain.Tenant{Slug: "freiburg", Name: "Stadt Freiburg", Kind: domain.KindStadt, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	if err := svc.Store.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	seedVolunteer(t, svc, tn, "amal", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79540")
	seedVolunteer(t, svc, other, "bea", "08311000", "79098", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, other, "cem", "08311000", "79098", domain.VolunteerActive, false, []string{"housing_search"})
	seedRequest(t, svc, other, "Wohnung 1", "housing_search", "08311000", "79098")
	seedRequest(t, svc, other, "Wohnung 2", "housing_search", "08311000", "79098")

	for round := 1; round <= 2; round++ {
		n, err := svc.ProposeAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("round %d: %d proposed, want 3 (1 in Lörrach, 2 in Freiburg)", round, n)
		}
	}
	for _, x := range []struct {
		tn   *domain.Tenant
		want int
	}{{tn, 1}, {other, 2}} {
		ps, err := svc.Proposals(ctx, domain.System(x.tn.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != x.want {
			t.Errorf("%s: %d proposals, want %d", x.tn.Slug, len(ps), x.want)
		}
	}
}

func TestJobError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
		not  []string
	}{
		{nil, "", nil},
		{domain.ErrConflict, "conflict (error.conflict)", nil},
		{errors.New(`store: write: E11000 duplicate key error collection: lotse.users index: email_unique dup key: { email: "sabine@example.org" }`),
			"E11000 duplicate key", []string{"sabine"}},
		{errors.New("mail to ayse@example.org refused"), "mail to …@… refused", []string{"ayse"}},
		{errors.New(strings.Repeat("x", 400)), strings.Repeat("x", 300) + "…", nil},
	} {
		got := service.JobError(tc.err)
		if !strings.Contains(got, tc.want) || tc.want == "" && got != "" {
			t.Errorf("JobError(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("JobError(%v) = %q keeps %q", tc.err, got, n)
			}
		}
	}
}

func TestJobRunStatus(t *testing.T) {
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    store.JobRun
		want string
	}{
		{store.JobRun{HeartbeatAt: now.Add(-time.Minute)}, service.JobRunning},
		{store.JobRun{HeartbeatAt: now.Add(-service.JobLease - time.Second)}, service.JobAbandoned},
		{store.JobRun{HeartbeatAt: now.Add(-time.Hour), EndedAt: now.Add(-time.Hour)}, service.JobOK},
		{store.JobRun{HeartbeatAt: now, EndedAt: now, Error: "conflict"}, service.JobFailed},
	} {
		if got := service.JobRunStatus(tc.r, now); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.r, got, tc.want)
		}
	}
}

package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store/storetest"
)

func TestClaimLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tenant, other := domain.NewID(now), domain.NewID(now.Add(time.Second))
	checker, releaser := domain.NewID(now.Add(2*time.Second)), domain.NewID(now.Add(3*time.Second))
	c := &domain.Claim{Tenant: tenant, Volunteer: domain.NewID(now), Request: domain.NewID(now), Municipality: agsLoerrach,
		Kind: domain.ClaimTravel, Status: domain.ClaimSubmitted, AmountCents: 1234, Note: "Fahrt zum Amt",
		Trips: []domain.ClaimTrip{{Date: "2026-11-20", From: "79539", To: "79650", Metres: 12300, Mode: "car",
			Passengers: 1, Purpose: "Begleitung", Table: "BRKG", AmountCents: 1234, Detour: true}}}
	if err := s.CreateClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claim(ctx, tenant, c.ID)
	if err != nil || got.AmountCents != 1234 || len(got.Trips) != 1 || got.Trips[0] != c.Trips[0] || got.Status != domain.ClaimSubmitted {
		t.Fatalf("read back %+v %v", got, err)
	}
	if _, err := s.Claim(ctx, other, c.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("foreign tenant: %v", err)
	}
	if list, err := s.Claims(ctx, tenant); err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
	if list, err := s.Claims(ctx, other); err != nil || len(list) != 0 {
		t.Fatalf("foreign list %v %v", list, err)
	}

	// Two checks at once: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, by := range []domain.ID{checker, releaser} {
		wg.Go(func() { errs[i] = s.CheckClaim(ctx, c, by, now) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], domain.ErrConflict) || errors.Is(errs[1], domain.ErrConflict)) {
		t.Fatalf("concurrent checks: %v", errs)
	}
	got, _ = s.Claim(ctx, tenant, c.ID)
	if got.Status != domain.ClaimChecked || got.CheckedBy.IsZero() {
		t.Fatalf("after check %+v", got)
	}
	// A release guarded on a checker that is no longer the one stored fails.
	stale := *got
	stale.CheckedBy = domain.NewID(now.Add(9 * time.Second))
	if err := s.ReleaseClaim(ctx, &stale, releaser, now); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("release against a stale checker: %v", err)
	}
	if err := s.ReleaseClaim(ctx, got, releaser, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RejectClaim(ctx, got, domain.ClaimChecked, "zu spät"); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("rejecting a released claim: %v", err)
	}
	got, _ = s.Claim(ctx, tenant, c.ID)
	if got.Status != domain.ClaimReleased || got.ReleasedBy != releaser {
		t.Fatalf("after release %+v", got)
	}
	rev := domain.NewID(now.Add(10 * time.Second))
	if err := s.MarkReversed(ctx, got, rev); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReversed(ctx, got, domain.NewID(now.Add(11*time.Second))); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second reversal: %v", err)
	}
	if got, _ = s.Claim(ctx, tenant, c.ID); got.ReversedBy != rev {
		t.Fatalf("reversed by %s", got.ReversedBy.Hex())
	}

	// A submitted claim can be rejected once.
	r := &domain.Claim{Tenant: tenant, Kind: domain.ClaimAllowance, AllowanceBasis: "26a", AllowanceYear: 2026,
		AmountCents: 5000, Status: domain.ClaimSubmitted}
	if err := s.CreateClaim(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.RejectClaim(ctx, r, domain.ClaimSubmitted, "doppelt"); err != nil {
		t.Fatal(err)
	}
	if err := s.RejectClaim(ctx, r, domain.ClaimSubmitted, "doppelt"); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second rejection: %v", err)
	}
	if got, _ := s.Claim(ctx, tenant, r.ID); got.Status != domain.ClaimRejected || got.RejectReason != "doppelt" || got.AllowanceYear != 2026 {
		t.Fatalf("rejected %+v", got)
	}
}

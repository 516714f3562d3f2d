package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store/storetest"
)

// TestVoidInterruptedPayout: the recovery's two steps. Voiding is guarded on
// "preparing" (a ready batch is never touched, a second void conflicts, and a
// late FinishPayout cannot overwrite the void batch and leaves no file);
// releasing gives back exactly the claims marked with the batch, also for a
// batch larger than one chunk (the every-lock path), and nothing the second
// time.
func TestVoidInterruptedPayout(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tenant := domain.NewID(now)
	claims := make([]*domain.Claim, 1200) // more than one chunk of 1,000
	for i := range claims {
		claims[i] = &domain.Claim{Tenant: tenant, Volunteer: domain.NewID(now), Municipality: agsLoerrach,
			Kind: domain.ClaimTravel, Status: domain.ClaimReleased, AmountCents: 100}
	}
	if err := s.InsertClaims(ctx, claims); err != nil {
		t.Fatal(err)
	}
	ids := func(cs []*domain.Claim) []domain.ID {
		out := make([]domain.ID, len(cs))
		for i, c := range cs {
			out[i] = c.ID
		}
		return out
	}
	batch := func(seq int, cs []*domain.Claim) *domain.Payout {
		p := &domain.Payout{Tenant: tenant, Seq: seq, Status: domain.PayoutPreparing, CreatedAt: now}
		if err := s.CreatePayout(ctx, p); err != nil {
			t.Fatal(err)
		}
		if won, err := s.PayClaims(ctx, tenant, ids(cs), p.ID); err != nil || len(won) != len(cs) {
			t.Fatalf("pay %d claims: %d, %v", len(cs), len(won), err)
		}
		return p
	}
	big := batch(1, claims[:1100])
	small := batch(2, claims[1100:1150])
	ready := batch(3, claims[1150:])
	ready.Status, ready.Claims = domain.PayoutReady, ids(claims[1150:])
	if err := s.FinishPayout(ctx, ready, map[string][]byte{domain.PayoutCSV: []byte("x")}); err != nil {
		t.Fatal(err)
	}

	if err := s.VoidInterruptedPayout(ctx, tenant, ready.ID, now); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("voiding a ready batch: %v", err)
	}
	for _, p := range []*domain.Payout{big, small} {
		if err := s.VoidInterruptedPayout(ctx, tenant, p.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.VoidInterruptedPayout(ctx, tenant, p.ID, now); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("voiding twice: %v", err)
		}
	}
	// The original run of small finishes late: refused, no file left.
	small.Status, small.Claims = domain.PayoutReady, ids(claims[1100:1150])
	if err := s.FinishPayout(ctx, small, map[string][]byte{domain.PayoutCSV: []byte("late")}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("late finish: %v", err)
	}
	if _, err := s.PayoutContent(ctx, tenant, small.ID, domain.PayoutCSV); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("file of the late finish: %v", err)
	}
	if got, _ := s.Payout(ctx, tenant, small.ID); !got.Recovered() || !got.RecoveredAt.Equal(now) || len(got.Claims) != 0 {
		t.Errorf("small batch after the late finish: %+v", got)
	}

	for _, c := range []struct {
		p    *domain.Payout
		want int
	}{{big, 1100}, {small, 50}, {big, 0}, {small, 0}} {
		if n, err := s.ReleaseBatchClaims(ctx, tenant, c.p.ID); err != nil || n != c.want {
			t.Errorf("release batch %d: %d, %v; want %d", c.p.Seq, n, err, c.want)
		}
	}
	all, _ := s.Claims(ctx, tenant)
	count := map[domain.ClaimStatus]int{}
	for _, c := range all {
		count[c.Status]++
		if c.Status == domain.ClaimPaid && c.Batch != ready.ID || c.Status == domain.ClaimReleased && !c.Batch.IsZero() {
			t.Fatalf("claim %s: %s in %s", c.ID.Hex(), c.Status, c.Batch.Hex())
		}
	}
	if count[domain.ClaimReleased] != 1150 || count[domain.ClaimPaid] != 50 {
		t.Errorf("claims by status: %v", count)
	}
}

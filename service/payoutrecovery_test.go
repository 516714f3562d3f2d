package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// testClock is a clock the test moves; svc.Now reads it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// crashedPayout does what CreatePayout does up to a crash: it takes a
// sequence number, inserts the batch "preparing" and marks claims paid by it.
func crashedPayout(t *testing.T, f *payoutFixture, claims ...string) *domain.Payout {
	t.Helper()
	ctx := context.Background()
	now := f.svc.Now()
	p := &domain.Payout{ID: domain.NewID(now), Tenant: f.tn.ID, Status: domain.PayoutPreparing,
		ExecutionDate: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC), CreatedBy: f.a1.User, CreatedAt: now}
	var err error
	if p.Seq, err = f.svc.Store.NextPayoutSeq(ctx, f.tn.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Store.CreatePayout(ctx, p); err != nil {
		t.Fatal(err)
	}
	var ids []domain.ID
	for _, k := range claims {
		ids = append(ids, f.claims[k].ID)
	}
	won, err := f.svc.Store.PayClaims(ctx, f.tn.ID, ids, p.ID)
	if err != nil || len(won) != len(ids) {
		t.Fatalf("pay claims: %v, %v", won, err)
	}
	return p
}

// addReleased adds a released travel claim of v under key.
func addReleased(t *testing.T, f *payoutFixture, key string, v *domain.Volunteer, cents int64) {
	t.Helper()
	c := &domain.Claim{Tenant: f.tn.ID, Volunteer: v.ID, Request: domain.NewID(time.Now()), Municipality: "08336050",
		Kind: domain.ClaimTravel, AmountCents: cents, Status: domain.ClaimReleased, CheckedBy: f.a1.User,
		CheckedAt: time.Now(), ReleasedBy: f.a2.User, ReleasedAt: time.Now(),
		Trips: []domain.ClaimTrip{{Date: "2026-03-12", From: "79539", To: "79589", Metres: 12000, Mode: "car",
			Purpose: "Begleitung", Table: "BRKG", AmountCents: cents}}}
	if err := f.svc.Store.CreateClaim(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	f.claims[key] = c
}

// wantClaims checks that the claims are in state st and batch (zero: none).
func wantClaims(t *testing.T, f *payoutFixture, st domain.ClaimStatus, batch domain.ID, keys ...string) {
	t.Helper()
	for _, k := range keys {
		c, err := f.svc.Store.Claim(context.Background(), f.tn.ID, f.claims[k].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != st || c.Batch != batch {
			t.Errorf("claim %s: %s in batch %s; want %s in %s", k, c.Status, c.Batch.Hex(), st, batch.Hex())
		}
	}
}

func newClockedFixture(t *testing.T) (*payoutFixture, *testClock) {
	f := newPayoutFixture(t)
	clk := &testClock{t: time.Now().UTC()}
	f.svc.Now = clk.Now
	return f, clk
}

// TestRecoverPayouts: a batch left "preparing" by a crash is voided after
// the safe age and its claims are released, so a new batch with a new
// number pays them; a young preparing batch and a ready batch are left
// alone; a second run recovers nothing; every recovery is audited.
func TestRecoverPayouts(t *testing.T) {
	ctx := context.Background()
	f, clk := newClockedFixture(t)
	svc := f.svc

	ready, err := svc.CreatePayout(ctx, f.a1, time.Time{}) // anna's and bernd's claims
	if err != nil {
		t.Fatal(err)
	}
	addReleased(t, f, "anna3", f.anna, 700)
	addReleased(t, f, "bernd2", f.bernd, 1100)
	crashed := crashedPayout(t, f, "anna3")
	clk.Add(10 * time.Minute)
	young := crashedPayout(t, f, "bernd2")
	clk.Add(6 * time.Minute) // crashed is 16 minutes old, young 6

	if n, err := svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 1 {
		t.Fatalf("recover: %d, %v; want 1", n, err)
	}
	got, _ := svc.Payout(ctx, f.a1, crashed.ID)
	if !got.Recovered() || got.Seq != crashed.Seq || !got.RecoveredAt.Equal(clk.Now().Truncate(time.Millisecond)) || len(got.Files) != 0 {
		t.Errorf("crashed batch after recovery: %+v", got)
	}
	wantClaims(t, f, domain.ClaimReleased, domain.NilID, "anna3")
	if got, _ := svc.Payout(ctx, f.a1, young.ID); got.Status != domain.PayoutPreparing {
		t.Errorf("young batch: %s", got.Status)
	}
	wantClaims(t, f, domain.ClaimPaid, young.ID, "bernd2")
	if got, _ := svc.Payout(ctx, f.a1, ready.ID); got.Status != domain.PayoutReady || len(got.Claims) != len(ready.Claims) || len(got.Files) != len(ready.Files) {
		t.Errorf("ready batch touched: %+v", got)
	}
	wantClaims(t, f, domain.ClaimPaid, ready.ID, "anna1", "anna2", "anna2rev", "bernd")

	if n, err := svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 0 {
		t.Errorf("second run: %d, %v; want 0", n, err)
	}
	// Far later the ready batch is still not touched; the young one is.
	clk.Add(48 * time.Hour)
	if n, err := svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 1 {
		t.Errorf("later run: %d, %v; want the young batch", n, err)
	}
	wantClaims(t, f, domain.ClaimReleased, domain.NilID, "bernd2")
	if got, _ := svc.Payout(ctx, f.a1, ready.ID); got.Status != domain.PayoutReady {
		t.Errorf("ready batch: %s", got.Status)
	}

	// The released claims go into a new batch with a new number.
	next, err := svc.CreatePayout(ctx, f.a2, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if next.Seq != young.Seq+1 || len(next.Claims) != 2 {
		t.Errorf("next batch: seq %d with %d claims; want %d with 2", next.Seq, len(next.Claims), young.Seq+1)
	}
	wantClaims(t, f, domain.ClaimPaid, next.ID, "anna3", "bernd2")

	log, err := svc.Store.AuditLog(ctx, f.tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	recovered := map[domain.ID]int{}
	for _, e := range log {
		if e.Action == "payout.recover" {
			recovered[e.ID]++
		}
	}
	if len(recovered) != 2 || recovered[crashed.ID] != 1 || recovered[young.ID] != 1 {
		t.Errorf("payout.recover audit entries: %v", recovered)
	}
}

// TestCreatePayoutRecoversFirst: CreatePayout voids the tenant's interrupted
// batch itself, so its claims are in the new batch without the job.
func TestCreatePayoutRecoversFirst(t *testing.T) {
	ctx := context.Background()
	f, clk := newClockedFixture(t)
	crashed := crashedPayout(t, f, "anna1", "bernd")
	clk.Add(service.PayoutRecoverAfter)
	p, err := f.svc.CreatePayout(ctx, f.a1, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Seq != crashed.Seq+1 || len(p.Claims) != 4 {
		t.Errorf("new batch %d with %d claims", p.Seq, len(p.Claims))
	}
	wantClaims(t, f, domain.ClaimPaid, p.ID, "anna1", "anna2", "anna2rev", "bernd")
	if got, _ := f.svc.Payout(ctx, f.a1, crashed.ID); !got.Recovered() {
		t.Errorf("crashed batch %s %q", got.Status, got.VoidReason)
	}
}

// TestCreatePayoutOutlivedByRecovery: a run so slow that the recovery voided
// its batch meanwhile cannot make it ready. Here the recovery runs after the
// slow run marked its claims, and the slow run then marks them once more (as
// a run would whose PayClaims came after the recovery): FinishPayout's guard
// fails, the run gives the claims back, leaves no file and returns
// EConflict "payout.interrupted"; the next batch pays the claims.
func TestCreatePayoutOutlivedByRecovery(t *testing.T) {
	ctx := context.Background()
	f, clk := newClockedFixture(t)
	svc := f.svc
	var slow *domain.Payout
	svc.SetPayoutPause(func() {
		clk.Add(service.PayoutRecoverAfter + time.Minute)
		if n, err := svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 1 {
			t.Errorf("recovery during the slow run: %d, %v", n, err)
		}
		ps, _ := svc.Payouts(ctx, f.a1)
		slow = ps[0]
		wantClaims(t, f, domain.ClaimReleased, domain.NilID, "anna1", "bernd")
		ids := []domain.ID{f.claims["anna1"].ID, f.claims["anna2"].ID, f.claims["anna2rev"].ID, f.claims["bernd"].ID}
		if won, err := svc.Store.PayClaims(ctx, f.tn.ID, ids, slow.ID); err != nil || len(won) != 4 {
			t.Errorf("late marking: %v, %v", won, err)
		}
	})
	_, err := svc.CreatePayout(ctx, f.a1, time.Time{})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EConflict || de.Key != "payout.interrupted" {
		t.Fatalf("slow run: %v; want EConflict payout.interrupted", err)
	}
	got, _ := svc.Payout(ctx, f.a1, slow.ID)
	if !got.Recovered() || len(got.Files) != 0 || len(got.Claims) != 0 || got.TotalCents != 0 {
		t.Errorf("slow batch after its run: %+v", got)
	}
	for _, name := range domain.PayoutFileNames {
		if _, err := svc.Store.PayoutContent(ctx, f.tn.ID, slow.ID, name); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("file %s of the void batch: %v", name, err)
		}
	}
	wantClaims(t, f, domain.ClaimReleased, domain.NilID, "anna1", "anna2", "anna2rev", "bernd")

	svc.SetPayoutPause(nil)
	next, err := svc.CreatePayout(ctx, f.a1, time.Time{})
	if err != nil || next.Seq != slow.Seq+1 || len(next.Claims) != 4 || next.Status != domain.PayoutReady {
		t.Fatalf("next batch: %+v, %v", next, err)
	}
}

// TestRecoverPayoutsLateClaims: claims marked with a recovered batch after
// the recovery (a slow run that then died) are released by a later run of
// the job within PayoutRecheckFor; the run counts no new recovery.
func TestRecoverPayoutsLateClaims(t *testing.T) {
	ctx := context.Background()
	f, clk := newClockedFixture(t)
	crashed := crashedPayout(t, f, "anna1")
	clk.Add(service.PayoutRecoverAfter)
	if n, err := f.svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 1 {
		t.Fatalf("recover: %d, %v", n, err)
	}
	if won, err := f.svc.Store.PayClaims(ctx, f.tn.ID, []domain.ID{f.claims["bernd"].ID}, crashed.ID); err != nil || len(won) != 1 {
		t.Fatalf("late marking: %v, %v", won, err)
	}
	clk.Add(10 * time.Minute)
	if n, err := f.svc.RecoverPayouts(ctx, clk.Now()); err != nil || n != 0 {
		t.Errorf("recheck: %d, %v; want 0", n, err)
	}
	wantClaims(t, f, domain.ClaimReleased, domain.NilID, "anna1", "bernd")
}

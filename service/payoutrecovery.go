package service

import (
	"context"
	"errors"
	"time"

	"lotse/domain"
)

// Recovery of payout batches whose making was interrupted.
const (
	// PayoutRecoverAfter is how long a batch may stay "preparing" before the
	// recovery takes it for interrupted. CreatePayout takes about 20 s for a
	// batch of 10,000 claims (MaxPayoutClaims is 20,000, so about 40 s at
	// most) on the embedded backend; 15 minutes is far beyond any run that is
	// still alive, even on a slow or busy machine, and short enough that the
	// claims come back the same morning. Should a run still be alive after
	// it, FinishPayout's guard stops it from overwriting the void batch and
	// it gives its claims back (see CreatePayout).
	PayoutRecoverAfter = 15 * time.Minute
	// PayoutRecheckFor is how long after voiding a batch the recovery still
	// looks for claims carrying its ID: a run that outlived
	// PayoutRecoverAfter may mark claims paid after the recovery released
	// them and then die before giving them back; or the recovery itself may
	// have died between voiding and releasing.
	PayoutRecheckFor = 24 * time.Hour
)

// RecoverPayouts is the job that finishes what an interrupted CreatePayout
// left: every batch still "preparing" PayoutRecoverAfter after it was made is
// voided (VoidInterrupted, its sequence number stays used) and the claims
// marked paid by it are released again, so the next batch pays them. A batch
// that is ready is never touched. It is safe to re-run and returns the number
// of batches it voided.
func (s *Service) RecoverPayouts(ctx context.Context, now time.Time) (int, error) {
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		return s.recoverPayouts(ctx, domain.System(t.ID), now)
	})
}

// recoverPayouts recovers the batches of sc's tenant; sc is who is audited
// (the system for the job, the accountant at the start of CreatePayout).
//
// The batch is voided first and its claims released after: the guarded
// void is what decides between the recovery and a slow original run still
// finishing the batch. Releasing first could give back the claims of a batch
// that the original run then makes ready, and they would be paid twice.
func (s *Service) recoverPayouts(ctx context.Context, sc domain.Scope, now time.Time) (int, error) {
	ps, err := s.Store.Payouts(ctx, sc.Tenant)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		switch {
		case p.Status == domain.PayoutPreparing && now.Sub(p.CreatedAt) >= PayoutRecoverAfter:
			err := s.Store.VoidInterruptedPayout(ctx, sc.Tenant, p.ID, now)
			if errors.Is(err, domain.ErrConflict) {
				continue // finished meanwhile, or another recovery was first
			}
			if err != nil {
				return n, err
			}
			released, err := s.Store.ReleaseBatchClaims(ctx, sc.Tenant, p.ID)
			if err != nil {
				// The batch is void; the recheck below releases the claims
				// on the next run.
				return n, err
			}
			n++
			s.Log.Warn("payout recovered", "tenant", sc.Tenant.Hex(), "payout", p.ID.Hex(), "seq", p.Seq, "claims", released)
			s.audit(ctx, sc, "payout.recover", "payout", p.ID, []string{"status", "claims"})
		case p.Recovered() && now.Sub(p.RecoveredAt) < PayoutRecheckFor:
			released, err := s.Store.ReleaseBatchClaims(ctx, sc.Tenant, p.ID)
			if err != nil {
				return n, err
			}
			if released > 0 {
				s.Log.Warn("payout recovered: late claims released", "tenant", sc.Tenant.Hex(), "payout", p.ID.Hex(), "claims", released)
				s.audit(ctx, sc, "payout.recover", "payout", p.ID, []string{"claims"})
			}
		}
	}
	return n, nil
}

package service

import (
	"context"
	"errors"
	"time"

	"lotse/domain"
)

// SignupRetention is how long an unconfirmed sign-up is kept: long enough to
// find a confirmation mail in the spam folder, short enough that an address
// someone typed in for another person does not linger.
const SignupRetention = 30 * 24 * time.Hour

// PurgeStaleSignups erases the volunteers who did not confirm their address
// within SignupRetention, with their email claims, and audits each erasure
// (by ID only). A sign-up confirmed meanwhile is kept. It returns how many
// were erased.
func (s *Service) PurgeStaleSignups(ctx context.Context, now time.Time) (int, error) {
	stale, err := s.Store.StaleSignups(ctx, now.Add(-SignupRetention))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range stale {
		err := s.Store.EraseSignup(ctx, st)
		switch {
		case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrNotFound):
			continue // confirmed or erased meanwhile
		case err != nil:
			return n, err
		}
		n++
		s.audit(ctx, domain.System(st.Tenant), "volunteer.purge", "volunteer", st.ID, nil)
	}
	if n > 0 {
		s.Log.Info("unconfirmed sign-ups erased", "count", n)
	}
	return n, nil
}

// CheckRetention is how long a Führungszeugnis record outlives the person's
// activity: at the latest three months after it ends (§ 72a Abs. 5 SGB VIII).
const CheckRetention = 90 * 24 * time.Hour

// PurgeLapsedChecks deletes the Führungszeugnis records of volunteers who
// left more than CheckRetention ago, audited. It returns how many.
func (s *Service) PurgeLapsedChecks(ctx context.Context, now time.Time) (int, error) {
	lapsed, err := s.Store.LapsedChecks(ctx, now.Add(-CheckRetention))
	if err != nil {
		return 0, err
	}
	for _, l := range lapsed {
		if err := s.Store.SetBackgroundCheck(ctx, l.Tenant, l.ID, nil); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return 0, err
		}
		s.audit(ctx, domain.System(l.Tenant), "volunteer.background_check.delete", "volunteer", l.ID, []string{"background_check"})
	}
	return len(lapsed), nil
}

// Purge is the nightly erasure: stale sign-ups and lapsed Führungszeugnis
// records. It returns how many records went.
func (s *Service) Purge(ctx context.Context, now time.Time) (int, error) {
	a, err := s.PurgeStaleSignups(ctx, now)
	if err != nil {
		return a, err
	}
	b, err := s.PurgeLapsedChecks(ctx, now)
	return a + b, err
}

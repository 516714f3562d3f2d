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

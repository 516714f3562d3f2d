package service

import (
	"context"
	"errors"
	"fmt"

	"lotse/domain"
)

// ProposeAll runs ProposeMatches for every tenant with the system's scope, so
// coordinators find fresh proposals in the morning, and returns the number of
// volunteers proposed over all tenants. A tenant whose run fails does not stop
// the others; the errors come back joined, each naming the tenant by ID.
func (s *Service) ProposeAll(ctx context.Context) (int, error) {
	ts, err := s.Store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, t := range ts {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		run, err := s.ProposeMatches(ctx, domain.System(t.ID))
		if err != nil {
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID.Hex(), err))
			continue
		}
		total += run.Proposed
	}
	return total, errors.Join(errs...)
}

package service

import (
	"context"
	"errors"
	"unicode/utf8"

	"lotse/domain"
)

// maxClaimReason bounds a rejection or reversal reason.
const maxClaimReason = 500

// Claims returns the claims the scope may see, oldest first: an accountant's
// or admin's whole tenant, a coordinator's municipalities.
func (s *Service) Claims(ctx context.Context, sc domain.Scope) ([]*domain.Claim, error) {
	if sc.Role != domain.RoleAccountant && sc.Role != domain.RoleAdmin && sc.Role != domain.RoleCoordinator {
		return nil, domain.ErrForbidden
	}
	all, err := s.Store.Claims(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if domain.MayCheck(sc, c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// claimFor reads a claim and applies may (domain.MayCheck or MayRelease).
func (s *Service) claimFor(ctx context.Context, sc domain.Scope, id domain.ID, may func(domain.Scope, *domain.Claim) error) (*domain.Claim, error) {
	c, err := s.Store.Claim(ctx, sc.Tenant, id)
	if err != nil {
		return nil, err
	}
	if err := may(sc, c); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckClaim signs a submitted claim off as "sachlich richtig": the trips
// happened for the assignment. ErrConflict when someone decided first.
func (s *Service) CheckClaim(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Claim, error) {
	c, err := s.claimFor(ctx, sc, id, domain.MayCheck)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CheckClaim(ctx, c, sc.User, s.Now()); err != nil {
		return nil, lockedOr(c, err)
	}
	s.audit(ctx, sc, "claim.check", "claim", id, []string{"status"})
	return s.Store.Claim(ctx, sc.Tenant, id)
}

// ReleaseClaim releases a checked claim for payment ("rechnerisch richtig").
// Only an accountant who did not check it may (domain.ErrClaimSameUser);
// from then on the claim is locked.
func (s *Service) ReleaseClaim(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Claim, error) {
	c, err := s.claimFor(ctx, sc, id, domain.MayRelease)
	if err != nil {
		return nil, err
	}
	if err := s.Store.ReleaseClaim(ctx, c, sc.User, s.Now()); err != nil {
		return nil, lockedOr(c, err)
	}
	s.audit(ctx, sc, "claim.release", "claim", id, []string{"status"})
	return s.Store.Claim(ctx, sc.Tenant, id)
}

// RejectClaim turns a claim down before its release, with a reason the
// volunteer reads.
func (s *Service) RejectClaim(ctx context.Context, sc domain.Scope, id domain.ID, reason string) (*domain.Claim, error) {
	reason = domain.CleanText(reason)
	if err := checkClaimReason(reason); err != nil {
		return nil, err
	}
	c, err := s.claimFor(ctx, sc, id, domain.MayCheck)
	if err != nil {
		return nil, err
	}
	if !c.Status.CanMove(domain.ClaimRejected) {
		return nil, lockedOr(c, domain.ErrConflict)
	}
	if err := s.Store.RejectClaim(ctx, c, c.Status, reason); err != nil {
		return nil, err
	}
	s.audit(ctx, sc, "claim.reject", "claim", id, []string{"status", "reject_reason"})
	return s.Store.Claim(ctx, sc.Tenant, id)
}

// ReverseClaim corrects a released or paid claim: it books a reversal entry
// of the opposite amount, checked by the accountant who books it, so that
// another accountant must release it like any claim. A claim is reversed
// once; the original stays as it was.
func (s *Service) ReverseClaim(ctx context.Context, sc domain.Scope, id domain.ID, reason string) (*domain.Claim, error) {
	if sc.Role != domain.RoleAccountant {
		return nil, domain.ErrForbidden
	}
	reason = domain.CleanText(reason)
	if err := checkClaimReason(reason); err != nil {
		return nil, err
	}
	c, err := s.Store.Claim(ctx, sc.Tenant, id)
	if err != nil {
		return nil, err
	}
	if !c.Status.Locked() || c.ReversalOf != domain.NilID {
		return nil, domain.Conflict("claim.not_reversible")
	}
	now := s.Now()
	rev := &domain.Claim{ID: domain.NewID(now), Tenant: c.Tenant, Volunteer: c.Volunteer, Request: c.Request,
		Municipality: c.Municipality, Kind: c.Kind, AllowanceBasis: c.AllowanceBasis, AllowanceYear: c.AllowanceYear,
		AmountCents: -c.AmountCents, Status: domain.ClaimChecked, Note: reason, SubmittedAt: now,
		CheckedBy: sc.User, CheckedAt: now, ReversalOf: c.ID}
	switch {
	case c.ReversedBy.IsZero():
		// Claim the original first: of two reversals at once only one proceeds.
		if err := s.Store.MarkReversed(ctx, c, rev.ID); errors.Is(err, domain.ErrConflict) {
			return nil, domain.Conflict("claim.not_reversible")
		} else if err != nil {
			return nil, err
		}
	default:
		// Marked, but its entry is missing (a crash between the two writes):
		// book it now under the marked ID.
		if _, err := s.Store.Claim(ctx, sc.Tenant, c.ReversedBy); !errors.Is(err, domain.ErrNotFound) {
			return nil, domain.Conflict("claim.not_reversible")
		}
		rev.ID = c.ReversedBy
	}
	if err := s.Store.CreateClaim(ctx, rev); err != nil {
		return nil, err
	}
	s.audit(ctx, sc, "claim.reverse", "claim", c.ID, []string{"reversed_by"})
	return rev, nil
}

// lockedOr says "locked" for a conflict on a released or paid claim.
func lockedOr(c *domain.Claim, err error) error {
	if errors.Is(err, domain.ErrConflict) && c.Status.Locked() {
		return domain.ErrClaimLocked
	}
	return err
}

func checkClaimReason(reason string) error {
	fe := domain.FieldErrors{}
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		fe.Add("reason", "field.required")
	case n > maxClaimReason:
		fe.Add("reason", "field.too_long")
	}
	return fe.Err()
}

// ClaimRow is a claim with what a reviewer needs to read it.
type ClaimRow struct {
	Claim        *domain.Claim
	Volunteer    string // name; "" when the record is gone
	Request      string // the assignment's title
	HasBank      bool   // the volunteer gave bank details: payable
	MayCheck     bool
	MayRelease   bool
	MayReverse   bool
	CheckedByMe  bool // the reader checked it and so may not release it
	Municipality string
}

// ClaimReview returns the scope's claims with names, newest first, and what
// the reader may do with each.
func (s *Service) ClaimReview(ctx context.Context, sc domain.Scope) ([]ClaimRow, error) {
	cs, err := s.Claims(ctx, sc)
	if err != nil {
		return nil, err
	}
	sys := domain.System(sc.Tenant)
	vols := map[domain.ID]*domain.Volunteer{}
	titles := map[domain.ID]string{}
	t, err := s.cachedTenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	out := make([]ClaimRow, 0, len(cs))
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		v, seen := vols[c.Volunteer]
		if !seen {
			if v, err = s.Store.Volunteer(ctx, sys, c.Volunteer); err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			vols[c.Volunteer] = v
		}
		if _, seen := titles[c.Request]; !seen && !c.Request.IsZero() {
			r, err := s.Store.Request(ctx, sys, c.Request)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			if r != nil {
				titles[c.Request] = r.Title
			}
		}
		row := ClaimRow{Claim: c, Request: titles[c.Request], Municipality: c.Municipality,
			CheckedByMe: !c.CheckedBy.IsZero() && c.CheckedBy == sc.User}
		if m, ok := t.Municipality(c.Municipality); ok {
			row.Municipality = m.Name
		}
		if v != nil {
			row.Volunteer, row.HasBank = v.Name, v.BankIBAN != ""
		}
		row.MayCheck = c.Status == domain.ClaimSubmitted && domain.MayCheck(sc, c) == nil
		row.MayRelease = c.Status == domain.ClaimChecked && domain.MayRelease(sc, c) == nil
		row.MayReverse = c.Status.Locked() && sc.Role == domain.RoleAccountant && c.ReversedBy.IsZero() && c.ReversalOf.IsZero()
		out = append(out, row)
	}
	return out, nil
}

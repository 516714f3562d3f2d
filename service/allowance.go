package service

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"lotse/accounting"
	"lotse/domain"
)

// AllowanceInput is a flat allowance (Aufwandsentschädigung) a coordinator or
// accountant records for a volunteer; amounts as typed ("40,00").
type AllowanceInput struct {
	Volunteer         domain.ID
	Basis             string // "3_26", "3_26a" or "3_12"
	Year              int
	Amount            string
	DeclaredElsewhere string // what the volunteer used of the same basis with other payers this year; "" is 0
	Override          string // an accountant's reason to pay above the yearly limit
	Note              string
}

// AllowanceResult is the stored allowance and how it stands against the
// yearly limit ("X of Y € used"; warn from 80 %).
type AllowanceResult struct {
	Claim *domain.Claim
	Check accounting.AllowanceCheck
}

// ErrAllowanceLimit: the allowance would take the volunteer beyond the
// yearly tax-free amount; only an accountant may pay it, with a reason.
var ErrAllowanceLimit = &domain.Error{Code: domain.EInvalid, Key: "allowance.over_limit",
	Fields: map[string]string{"amount": "field.allowance.over_limit"}}

// RecordAllowance records a flat allowance as a claim of kind allowance,
// kept apart from expense refunds, after checking it against the year's
// tax-free limit of its basis: what Lotse already pays the volunteer under
// that basis this year (claims not rejected, reversals included), what they
// declared as used elsewhere, and the new amount. Above the limit it is
// refused unless an accountant gives a reason. It then goes through the same
// four eyes as any claim.
func (s *Service) RecordAllowance(ctx context.Context, sc domain.Scope, in AllowanceInput) (AllowanceResult, error) {
	var res AllowanceResult
	if sc.Role != domain.RoleAccountant && sc.Role != domain.RoleAdmin && sc.Role != domain.RoleCoordinator {
		return res, domain.ErrForbidden
	}
	v, err := s.Store.Volunteer(ctx, domain.System(sc.Tenant), in.Volunteer)
	if err != nil {
		return res, err
	}
	if sc.Role != domain.RoleAccountant && !sc.SeesMunicipality(v.Municipality) {
		return res, domain.ErrNotFound
	}
	fe := domain.FieldErrors{}
	basis := accounting.AllowanceBasis(strings.TrimSpace(in.Basis))
	amount, err := accounting.ParseMoney(in.Amount)
	if err != nil || amount <= 0 {
		fe.Add("amount", "field.allowance.amount")
	}
	elsewhere := accounting.Money(0)
	if strings.TrimSpace(in.DeclaredElsewhere) != "" {
		if elsewhere, err = accounting.ParseMoney(in.DeclaredElsewhere); err != nil || elsewhere < 0 {
			fe.Add("declared_elsewhere", "field.allowance.amount")
		}
	}
	override, note := domain.CleanText(in.Override), domain.CleanText(in.Note)
	if utf8.RuneCountInString(override) > maxClaimReason {
		fe.Add("override", "field.too_long")
	}
	if utf8.RuneCountInString(note) > maxClaimNoteLen {
		fe.Add("note", "field.too_long")
	}
	if override != "" && sc.Role != domain.RoleAccountant {
		fe.Add("override", "field.allowance.override_role")
	}
	paid, err := s.allowancePaid(ctx, sc.Tenant, v.ID, in.Year, string(basis))
	if err != nil {
		return res, err
	}
	if len(fe) == 0 {
		res.Check, err = accounting.CheckAllowance(in.Year, basis, paid, elsewhere, amount)
		switch {
		case errors.Is(err, accounting.ErrAllowanceBasis):
			fe.Add("basis", "field.choice.unknown")
		case errors.Is(err, accounting.ErrNoAllowanceLimit):
			fe.Add("year", "field.allowance.year")
		case err != nil:
			fe.Add("amount", "field.allowance.amount")
		}
	}
	if err := fe.Err(); err != nil {
		return res, err
	}
	if res.Check.Status == accounting.AllowanceBlocked && override == "" {
		return res, ErrAllowanceLimit
	}
	c := &domain.Claim{Tenant: sc.Tenant, Volunteer: v.ID, Municipality: v.Municipality, Kind: domain.ClaimAllowance,
		AllowanceBasis: string(basis), AllowanceYear: in.Year, DeclaredElsewhere: int64(elsewhere),
		OverrideReason: override, AmountCents: int64(amount), Status: domain.ClaimSubmitted, Note: note}
	if err := s.Store.CreateClaim(ctx, c); err != nil {
		return res, err
	}
	fields := []string{"allowance"}
	if override != "" {
		fields = append(fields, "override")
	}
	s.audit(ctx, sc, "claim.allowance", "claim", c.ID, fields)
	res.Claim = c
	return res, nil
}

// allowancePaid sums a volunteer's allowances of one basis and year that are
// not rejected, reversals included.
func (s *Service) allowancePaid(ctx context.Context, tenant, volunteer domain.ID, year int, basis string) (accounting.Money, error) {
	all, err := s.Store.Claims(ctx, tenant)
	if err != nil {
		return 0, err
	}
	var sum accounting.Money
	for _, c := range all {
		if c.Volunteer == volunteer && c.Kind == domain.ClaimAllowance && c.AllowanceYear == year &&
			c.AllowanceBasis == basis && c.Status != domain.ClaimRejected {
			sum += accounting.Money(c.AmountCents)
		}
	}
	return max(sum, 0), nil
}

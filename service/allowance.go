package service

import (
	"context"
	"errors"
	"slices"
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

// ErrAllowanceOverride is ErrAllowanceLimit as an accountant gets it: the
// amount is above the limit, and the reason that would allow it is missing.
// It matches ErrAllowanceLimit with errors.Is.
var ErrAllowanceOverride = &domain.Error{Code: domain.EInvalid, Key: "allowance.over_limit",
	Fields: map[string]string{"amount": "field.allowance.over_limit_override", "override": "field.allowance.override_needed"},
	Err:    ErrAllowanceLimit}

// RecordAllowance records a flat allowance as a claim of kind allowance,
// kept apart from expense refunds, after checking it against the year's
// tax-free limit of its basis: what Lotse already pays the volunteer under
// that basis this year (claims not rejected, reversals included), what they
// declared as used elsewhere, and the new amount. Above the limit it is
// refused unless an accountant gives a reason. It then goes through the same
// four eyes as any claim.
func (s *Service) RecordAllowance(ctx context.Context, sc domain.Scope, in AllowanceInput) (AllowanceResult, error) {
	var res AllowanceResult
	v, err := s.allowanceVolunteer(ctx, sc, in.Volunteer)
	if err != nil {
		return res, err
	}
	fe := domain.FieldErrors{}
	basis := accounting.AllowanceBasis(strings.TrimSpace(in.Basis))
	switch {
	case basis == "":
		fe.Add("basis", "field.required")
	case !slices.Contains(accounting.AllowanceBases(), basis):
		fe.Add("basis", "field.choice.unknown")
	}
	if in.Year > s.Now().In(berlin()).Year()+1 {
		fe.Add("year", "field.allowance.year_future")
	} else if _, err := accounting.Allowances().Limit(in.Year, accounting.Nr26); err != nil {
		fe.Add("year", "field.allowance.year")
	}
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
	paid, err := s.allowancesPaid(ctx, sc.Tenant, v.ID, in.Year)
	if err != nil {
		return res, err
	}
	if len(fe) == 0 {
		res.Check, err = accounting.CheckAllowance(in.Year, basis, paid[basis], elsewhere, amount)
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
		if sc.Role == domain.RoleAccountant {
			return res, ErrAllowanceOverride
		}
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

// allowanceVolunteer returns the volunteer sc may record allowances for:
// accountants any of the tenant's, admins too, coordinators those of their
// municipalities (ErrNotFound for the others, as if they did not exist);
// everybody else gets ErrForbidden.
func (s *Service) allowanceVolunteer(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
	if sc.Role != domain.RoleAccountant && sc.Role != domain.RoleAdmin && sc.Role != domain.RoleCoordinator {
		return nil, domain.ErrForbidden
	}
	v, err := s.Store.Volunteer(ctx, domain.System(sc.Tenant), id)
	if err != nil {
		return nil, err
	}
	if sc.Role != domain.RoleAccountant && !sc.SeesMunicipality(v.Municipality) {
		return nil, domain.ErrNotFound
	}
	return v, nil
}

// allowancesPaid sums a volunteer's allowances of one year per basis: the
// claims that are not rejected, reversals included (they are negative), so a
// corrected payment gives its room back. A basis never below zero.
func (s *Service) allowancesPaid(ctx context.Context, tenant, volunteer domain.ID, year int) (map[accounting.AllowanceBasis]accounting.Money, error) {
	all, err := s.Store.Claims(ctx, tenant)
	if err != nil {
		return nil, err
	}
	sum := map[accounting.AllowanceBasis]accounting.Money{}
	for _, c := range all {
		if c.Volunteer == volunteer && c.Kind == domain.ClaimAllowance && c.AllowanceYear == year &&
			c.Status != domain.ClaimRejected {
			sum[accounting.AllowanceBasis(c.AllowanceBasis)] += accounting.Money(c.AmountCents)
		}
	}
	for b, m := range sum {
		sum[b] = max(m, 0)
	}
	return sum, nil
}

// AllowanceUsage is how much of each basis's yearly limit a volunteer uses in
// Lotse: what the allowance form shows above its fields.
type AllowanceUsage struct {
	Volunteer *domain.Volunteer
	Year      int
	Lines     []AllowanceUsageLine // one per basis, in the order of accounting.AllowanceBases
}

// AllowanceUsageLine is one basis of an AllowanceUsage. Limit is 0 when the
// table has no limit for the year and basis; Status is AllowanceWarn from 80 %
// and AllowanceBlocked when an accountant's override already went beyond it.
type AllowanceUsageLine struct {
	Basis   accounting.AllowanceBasis
	Paid    accounting.Money
	Limit   accounting.Money
	Percent int
	Status  accounting.AllowanceStatus
}

// AllowanceUsage returns what the volunteer uses of each basis's limit in
// year, counted as RecordAllowance counts it (declarations of use elsewhere
// are not stored per year and so not included). The scope rules are those of
// RecordAllowance: ErrForbidden for roles that may not record allowances,
// ErrNotFound for a volunteer outside the scope.
func (s *Service) AllowanceUsage(ctx context.Context, sc domain.Scope, volunteer domain.ID, year int) (AllowanceUsage, error) {
	v, err := s.allowanceVolunteer(ctx, sc, volunteer)
	if err != nil {
		return AllowanceUsage{}, err
	}
	paid, err := s.allowancesPaid(ctx, sc.Tenant, v.ID, year)
	if err != nil {
		return AllowanceUsage{}, err
	}
	u := AllowanceUsage{Volunteer: v, Year: year}
	for _, b := range accounting.AllowanceBases() {
		l := AllowanceUsageLine{Basis: b, Paid: paid[b], Status: accounting.AllowanceOK}
		switch ch, err := accounting.CheckAllowance(year, b, paid[b], 0, 0); {
		case err == nil:
			l.Limit, l.Percent, l.Status = ch.Limit, ch.Percent, ch.Status
		case !errors.Is(err, accounting.ErrNoAllowanceLimit):
			return AllowanceUsage{}, err
		}
		u.Lines = append(u.Lines, l)
	}
	return u, nil
}

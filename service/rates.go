package service

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lotse/accounting"
	"lotse/domain"
)

// ratePresets are the tables a tenant can start from (Tenant.RateTable).
var ratePresets = map[string]func() accounting.RateTable{
	"brkg": accounting.BRKG, "bayern": accounting.Bayern, "hessen": accounting.Hessen, "rlp": accounting.RheinlandPfalz,
}

// RatePreset returns the preset table called name (domain.RateTables).
func RatePreset(name string) (accounting.RateTable, bool) {
	p, ok := ratePresets[name]
	if !ok {
		return accounting.RateTable{}, false
	}
	return p(), true
}

// presetOf returns the tenant's preset table, BRKG when none is chosen.
func presetOf(t *domain.Tenant) accounting.RateTable {
	if p, ok := RatePreset(t.RateTable); ok {
		return p
	}
	return accounting.BRKG()
}

// ratesOf returns the tenant's rate history: the preset from the beginning
// of records, then each of the tenant's own tables from its day on.
func ratesOf(t *domain.Tenant) accounting.Rates {
	rs := accounting.Rates{presetOf(t)}
	for _, r := range t.Rates {
		rs = append(rs, TableOf(r))
	}
	return rs
}

// TableOf turns a stored table into the accounting one.
func TableOf(r domain.TravelRates) accounting.RateTable {
	from, _ := time.Parse(time.DateOnly, r.ValidFrom) // checked when saved
	return accounting.RateTable{Name: r.Name, ValidFrom: from, Car: accounting.KmRate(r.Car),
		Motorbike: accounting.KmRate(r.Motorbike), Bicycle: accounting.KmRate(r.Bicycle), EBike: accounting.KmRate(r.EBike),
		Passenger: accounting.KmRate(r.Passenger), PerTripCap: accounting.Money(r.PerTripCapCents), CapRaised: r.CapRaised,
		RaisedCar: accounting.KmRate(r.RaisedCar), RaisedRule: r.RaisedRule, DTicket: r.DTicket, Source: r.Source,
		ExclusionMonths: r.ExclusionMonths, DetourFactor: float64(r.DetourPerMille) / 1000}
}

// RateHistory is a tenant's travel-cost rules as the rates page shows them.
type RateHistory struct {
	Preset  string               // the preset's key (domain.RateTables)
	Base    accounting.RateTable // the preset's table, in force before the first own table
	Tables  []RateEntry          // the tenant's own tables, oldest first
	Current string               // the name of the table in force today
}

// RateEntry is one of the tenant's own tables.
type RateEntry struct {
	domain.TravelRates
	Table   accounting.RateTable
	Started bool // in force today or before
}

// Limits of a rate table's fields.
const (
	maxRateName   = 80
	maxRateText   = 300
	rateYearsAway = 2 // a table may start at most this far ahead
)

// RateHistory returns the tenant's rate tables (admins, who edit them, and
// accountants, who check claims against them).
func (s *Service) RateHistory(ctx context.Context, sc domain.Scope) (*RateHistory, error) {
	if sc.Role != domain.RoleAdmin && sc.Role != domain.RoleAccountant {
		return nil, domain.ErrForbidden
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	h := &RateHistory{Preset: t.RateTable, Base: presetOf(t)}
	if h.Preset == "" {
		h.Preset = "brkg"
	}
	today := s.Now().In(berlin()).Format(time.DateOnly)
	for _, r := range t.Rates {
		h.Tables = append(h.Tables, RateEntry{TravelRates: r, Table: TableOf(r), Started: r.ValidFrom <= today})
	}
	slices.SortFunc(h.Tables, func(a, b RateEntry) int { return strings.Compare(a.ValidFrom, b.ValidFrom) })
	if cur, err := ratesOf(t).At(s.Now().In(berlin())); err == nil {
		h.Current = cur.Name
	}
	return h, nil
}

// RatesInput is a new rate table as typed: rates per km like "0,30",
// the cap like "130,00".
type RatesInput struct {
	ValidFrom, Name                                      string
	Car, Motorbike, Bicycle, EBike, Passenger, RaisedCar string
	RaisedRule, PerTripCap, Source                       string
	ExclusionMonths, DetourFactor                        string // "6", "1,5"; empty: the defaults
	CapRaised, DTicket                                   bool
}

// AddTravelRates adds one of the tenant's own rate tables (admins only).
// It applies to trips from its first day until the next table starts;
// claims already filed keep the amounts they were priced with. A table may
// start in the past, but not before the exclusion period (no trip that old
// can be claimed), and at most two years ahead. Field errors name the JSON
// fields.
func (s *Service) AddTravelRates(ctx context.Context, sc domain.Scope, in RatesInput) (*domain.TravelRates, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	r, err := checkRates(t, in, now.In(berlin()))
	if err != nil {
		return nil, err
	}
	r.CreatedBy, r.CreatedAt = sc.User, now
	next := append(slices.Clone(t.Rates), *r)
	slices.SortFunc(next, func(a, b domain.TravelRates) int { return strings.Compare(a.ValidFrom, b.ValidFrom) })
	if err := s.Store.SetTravelRates(ctx, sc.Tenant, t.Rates, next); err != nil {
		return nil, err
	}
	s.tenants.forget(sc.Tenant)
	s.audit(ctx, sc, "tenant.rates.add", "tenant", sc.Tenant, []string{"rates"})
	return r, nil
}

// checkRates normalises in and checks it against the tenant's tables.
func checkRates(t *domain.Tenant, in RatesInput, today time.Time) (*domain.TravelRates, error) {
	fe := domain.FieldErrors{}
	r := &domain.TravelRates{ValidFrom: strings.TrimSpace(in.ValidFrom), Name: domain.CleanText(in.Name),
		RaisedRule: domain.CleanText(in.RaisedRule), Source: domain.CleanText(in.Source),
		CapRaised: in.CapRaised, DTicket: in.DTicket}
	day, err := time.ParseInLocation(time.DateOnly, r.ValidFrom, berlin())
	switch {
	case r.ValidFrom == "":
		fe.Add("valid_from", "field.required")
	case err != nil:
		fe.Add("valid_from", "field.date.invalid")
	case accounting.Lapsed(day, today, accounting.DefaultExclusionMonths):
		fe.Add("valid_from", "field.rates.too_early")
	case day.After(today.AddDate(rateYearsAway, 0, 0)):
		fe.Add("valid_from", "field.rates.too_late")
	default:
		for _, o := range t.Rates {
			if o.ValidFrom == r.ValidFrom {
				fe.Add("valid_from", "field.rates.same_day")
			}
		}
	}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		fe.Add("name", "field.required")
	case n > maxRateName:
		fe.Add("name", "field.too_long")
	default:
		taken := false
		for _, p := range ratePresets {
			taken = taken || strings.EqualFold(p().Name, r.Name)
		}
		for _, o := range t.Rates {
			taken = taken || strings.EqualFold(o.Name, r.Name)
		}
		if taken {
			fe.Add("name", "field.rates.name_taken")
		}
	}
	for field, v := range map[string]string{"raised_rule": r.RaisedRule, "source": r.Source} {
		if utf8.RuneCountInString(v) > maxRateText {
			fe.Add(field, "field.too_long")
		}
	}
	for _, f := range []struct {
		field, in string
		out       *int64
	}{{"car", in.Car, &r.Car}, {"motorbike", in.Motorbike, &r.Motorbike}, {"bicycle", in.Bicycle, &r.Bicycle},
		{"ebike", in.EBike, &r.EBike}, {"passenger", in.Passenger, &r.Passenger}, {"raised_car", in.RaisedCar, &r.RaisedCar}} {
		k, err := accounting.ParseKmRate(f.in)
		if err != nil {
			fe.Add(f.field, "field.rates.rate")
			continue
		}
		*f.out = int64(k)
	}
	if strings.TrimSpace(in.PerTripCap) != "" {
		if m, err := accounting.ParseMoney(in.PerTripCap); err != nil || m < 0 {
			fe.Add("per_trip_cap", "field.rates.cap")
		} else {
			r.PerTripCapCents = int64(m)
		}
	}
	if v := strings.TrimSpace(in.ExclusionMonths); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > accounting.MaxExclusionMonths {
			fe.Add("exclusion_months", "field.rates.exclusion")
		}
		r.ExclusionMonths = n
	}
	if v := strings.TrimSpace(in.DetourFactor); v != "" {
		f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
		if err != nil || f < 1 || f > accounting.MaxDetourFactor {
			fe.Add("detour_factor", "field.rates.detour")
		} else {
			r.DetourPerMille = int(math.Round(f * 1000))
		}
	}
	if len(fe) > 0 {
		return nil, fe.Err()
	}
	switch err := TableOf(*r).Check(); {
	case errors.Is(err, accounting.ErrRateTable):
		fe.Add("car", "field.rates.empty")
	case errors.Is(err, accounting.ErrRaisedRate) && r.RaisedRule == "":
		fe.Add("raised_rule", "field.rates.raised_rule")
	case errors.Is(err, accounting.ErrRaisedRate):
		fe.Add("raised_car", "field.rates.raised_low")
	case err != nil:
		fe.Add("per_trip_cap", "field.rates.cap")
	}
	if r.RaisedCar == 0 && r.RaisedRule != "" {
		fe.Add("raised_car", "field.rates.raised_missing")
	}
	return r, fe.Err()
}

// DeleteTravelRates removes the tenant's own table starting on validFrom
// (admins only), as long as no claim was priced with it: a table that paid
// something is history, corrected by a newer table.
func (s *Service) DeleteTravelRates(ctx context.Context, sc domain.Scope, validFrom string) error {
	if sc.Role != domain.RoleAdmin {
		return domain.ErrForbidden
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(t.Rates, func(r domain.TravelRates) bool { return r.ValidFrom == validFrom })
	if i < 0 {
		return domain.ErrNotFound
	}
	claims, err := s.Store.Claims(ctx, sc.Tenant)
	if err != nil {
		return err
	}
	for _, c := range claims {
		for _, trip := range c.Trips {
			if trip.Table == t.Rates[i].Name {
				return domain.Conflict("rates.used")
			}
		}
	}
	next := slices.Delete(slices.Clone(t.Rates), i, i+1)
	if err := s.Store.SetTravelRates(ctx, sc.Tenant, t.Rates, next); err != nil {
		return err
	}
	s.tenants.forget(sc.Tenant)
	s.audit(ctx, sc, "tenant.rates.delete", "tenant", sc.Tenant, []string{"rates"})
	return nil
}

// exclusionOn returns the exclusion period, in months, of the tenant's table
// in force on day.
func exclusionOn(t *domain.Tenant, day time.Time) int {
	table, err := ratesOf(t).At(day)
	if err != nil {
		return accounting.DefaultExclusionMonths
	}
	return table.Exclusion()
}

// ClaimableSince returns the first trip day volunteer v may still claim
// today under the exclusion period of the tenant's table in force now, for
// the claim form's date picker (the service checks each trip's own table).
func (s *Service) ClaimableSince(ctx context.Context, v *domain.Volunteer) time.Time {
	today := s.Now().In(berlin())
	months := accounting.DefaultExclusionMonths
	if t, err := s.cachedTenant(ctx, v.Tenant); err == nil {
		months = exclusionOn(t, today)
	}
	return today.AddDate(0, -months, 0)
}

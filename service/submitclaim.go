package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"lotse/accounting"
	"lotse/domain"
	"lotse/geo"
)

// Limits of a travel claim's fields.
const (
	maxClaimTrips   = 31 // one a day for a month
	maxPlaceLen     = 100
	maxPurposeLen   = 200
	maxPassengers   = 8
	maxClaimNoteLen = 500
)

// TripInput is one trip as the volunteer enters it, numbers as typed.
type TripInput struct {
	Date, From, To, Km, Mode string
	Passengers               int
	Ticket                   string // public transport: the ticket price, e.g. "4,60"
	Purpose, RaisedReason    string
}

// ClaimInput is a travel claim for one assignment.
type ClaimInput struct {
	Request domain.ID
	Trips   []TripInput
	Note    string
}

// ratePresets are the tables a tenant can pick (Tenant.RateTable).
var ratePresets = map[string]func() accounting.RateTable{
	"brkg": accounting.BRKG, "bayern": accounting.Bayern, "hessen": accounting.Hessen, "rlp": accounting.RheinlandPfalz,
}

// ratesOf returns the tenant's rate history: its preset, BRKG when none.
func ratesOf(t *domain.Tenant) accounting.Rates {
	preset, ok := ratePresets[t.RateTable]
	if !ok {
		preset = accounting.BRKG
	}
	return accounting.Rates{preset()}
}

// SubmitClaim records volunteer v's travel claim for an assignment they
// accepted: each trip priced with the tenant's rate table valid on its day,
// trips older than the exclusion period refused, routes much longer than
// the straight line between two postal codes flagged for the checker. Field
// errors are keyed trips[i].field; nothing is stored on any error.
func (s *Service) SubmitClaim(ctx context.Context, v *domain.Volunteer, in ClaimInput) (*domain.Claim, error) {
	m, err := s.ownMatch(ctx, v, in.Request)
	if err != nil {
		return nil, err
	}
	if m.Status != domain.MatchAccepted && m.Status != domain.MatchCompleted {
		return nil, domain.Conflict("claim.no_assignment")
	}
	t, err := s.cachedTenant(ctx, v.Tenant)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	today := now.In(berlin())
	fe := domain.FieldErrors{}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > maxClaimNoteLen {
		fe.Add("note", "field.too_long")
	}
	switch {
	case len(in.Trips) == 0:
		fe.Add("trips", "field.claim.no_trips")
	case len(in.Trips) > maxClaimTrips:
		fe.Add("trips", "field.claim.too_many_trips")
	}
	c := &domain.Claim{Tenant: v.Tenant, Volunteer: v.ID, Request: in.Request, Municipality: m.Municipality,
		Kind: domain.ClaimTravel, Status: domain.ClaimSubmitted, Note: note}
	rates := ratesOf(t)
	for i, ti := range in.Trips {
		trip, ok := s.priceTrip(fe, fmt.Sprintf("trips[%d].", i), ti, rates, today)
		if ok {
			c.Trips = append(c.Trips, trip)
			c.AmountCents += trip.AmountCents
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := s.Store.CreateClaim(ctx, c); err != nil {
		return nil, err
	}
	sc := domain.System(v.Tenant)
	sc.User = v.ID
	s.audit(ctx, sc, "claim.submit", "claim", c.ID, []string{"trips"})
	return c, nil
}

// priceTrip checks one trip and prices it; problems go into fe under prefix.
func (s *Service) priceTrip(fe domain.FieldErrors, prefix string, in TripInput, rates accounting.Rates, today time.Time) (domain.ClaimTrip, bool) {
	before := len(fe)
	t := domain.ClaimTrip{Date: strings.TrimSpace(in.Date), From: domain.CleanText(in.From), To: domain.CleanText(in.To),
		Mode: strings.TrimSpace(in.Mode), Passengers: in.Passengers, Purpose: domain.CleanText(in.Purpose),
		RaisedReason: domain.CleanText(in.RaisedReason)}
	day, err := time.ParseInLocation(time.DateOnly, t.Date, berlin())
	switch {
	case t.Date == "":
		fe.Add(prefix+"date", "field.required")
	case err != nil:
		fe.Add(prefix+"date", "field.date.invalid")
	case day.After(today):
		fe.Add(prefix+"date", "field.date.future")
	case accounting.Lapsed(day, today, accounting.DefaultExclusionMonths):
		fe.Add(prefix+"date", "field.claim.lapsed")
	}
	for field, v := range map[string]string{"from": t.From, "to": t.To} {
		switch n := utf8.RuneCountInString(v); {
		case n == 0:
			fe.Add(prefix+field, "field.required")
		case n > maxPlaceLen:
			fe.Add(prefix+field, "field.too_long")
		}
	}
	switch n := utf8.RuneCountInString(t.Purpose); {
	case n == 0:
		fe.Add(prefix+"purpose", "field.required")
	case n > maxPurposeLen:
		fe.Add(prefix+"purpose", "field.too_long")
	}
	if t.Passengers < 0 || t.Passengers > maxPassengers {
		fe.Add(prefix+"passengers", "field.number.max")
	}
	mode := accounting.Mode(t.Mode)
	var dist accounting.Distance
	if mode != accounting.ModePublicTransport && mode != accounting.ModeOnFoot || strings.TrimSpace(in.Km) != "" {
		if dist, err = accounting.ParseDistance(in.Km); err != nil || dist <= 0 {
			fe.Add(prefix+"km", "field.claim.km")
		}
	}
	var ticket accounting.Money
	if mode == accounting.ModePublicTransport {
		if ticket, err = accounting.ParseMoney(in.Ticket); err != nil || ticket <= 0 {
			fe.Add(prefix+"ticket", "field.claim.ticket")
		}
	}
	if len(fe) > before {
		return t, false
	}
	b, err := accounting.TripAmount(accounting.Trip{Date: day, Mode: mode, Distance: dist, Passengers: t.Passengers,
		RaisedReason: t.RaisedReason, Ticket: ticket}, rates)
	switch {
	case errors.Is(err, accounting.ErrMode):
		fe.Add(prefix+"mode", "field.choice.unknown")
	case errors.Is(err, accounting.ErrModeNotCovered):
		fe.Add(prefix+"mode", "field.claim.mode_not_paid")
	case errors.Is(err, accounting.ErrNoRaisedRate):
		fe.Add(prefix+"raised_reason", "field.claim.no_raised_rate")
	case errors.Is(err, accounting.ErrPassengers):
		fe.Add(prefix+"passengers", "field.claim.passengers")
	case err != nil:
		fe.Add(prefix+"km", "field.claim.km")
	}
	if err != nil {
		return t, false
	}
	t.Metres, t.TicketCents, t.Table = int64(dist), int64(ticket), b.Table
	t.AmountCents, t.Capped = int64(b.Total), b.Capped
	if a, ok := s.Geo.Lookup(t.From); ok {
		if z, ok := s.Geo.Lookup(t.To); ok && dist > 0 {
			straight := accounting.Distance(math.Round(geo.Distance(a.Point, z.Point) * 1000))
			t.Detour = accounting.Detour(dist, straight, accounting.DefaultDetourFactor)
		}
	}
	return t, true
}

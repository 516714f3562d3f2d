package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
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
	c.ID = domain.NewID(now)
	if err := s.addDTickets(ctx, c); err != nil {
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
	table, terr := rates.At(day) // the rules of the trip's day: its exclusion period and detour factor
	switch {
	case t.Date == "":
		fe.Add(prefix+"date", "field.required")
	case err != nil:
		fe.Add(prefix+"date", "field.date.invalid")
	case day.After(today):
		fe.Add(prefix+"date", "field.date.future")
	case terr == nil && accounting.Lapsed(day, today, table.Exclusion()):
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
	fare := mode == accounting.ModePublicTransport || mode == accounting.ModeDTicket
	if !fare && mode != accounting.ModeOnFoot || strings.TrimSpace(in.Km) != "" {
		if dist, err = accounting.ParseDistance(in.Km); err != nil || dist <= 0 {
			fe.Add(prefix+"km", "field.claim.km")
		}
	}
	var ticket accounting.Money
	if fare {
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
	case errors.Is(err, accounting.ErrNoDTicket):
		fe.Add(prefix+"mode", "field.claim.dticket_not_paid")
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
			t.Detour = accounting.Detour(dist, straight, table.Detour())
		}
	}
	return t, true
}

// dticketWriterGrace is how long a Deutschlandticket month stays with a
// claim that is not stored yet: its writer may still be between taking the
// month and inserting the claim. After that the writer is taken as dead.
const dticketWriterGrace = 2 * time.Minute

// addDTickets adds to c, before it is stored, the volunteer's own
// Deutschlandtickets that its trips make pay for themselves: for each month
// of c's ticket trips, the single fares of that month's ticket trips in all
// the volunteer's live claims, c's included, are added up; once they reach
// the ticket's price, and no live claim refunds that month yet, c refunds
// the whole ticket (never a part). The month is taken in the store first,
// so two claims filed at once cannot both refund it.
func (s *Service) addDTickets(ctx context.Context, c *domain.Claim) error {
	fares := map[string]int64{}
	for _, t := range c.Trips {
		if t.Mode == string(accounting.ModeDTicket) {
			fares[t.Date[:7]] += t.TicketCents
		}
	}
	if len(fares) == 0 {
		return nil
	}
	all, err := s.Store.Claims(ctx, c.Tenant)
	if err != nil {
		return err
	}
	refunded := map[string]bool{}
	for _, o := range all {
		if o.Volunteer != c.Volunteer || !dticketLive(o) {
			continue
		}
		for _, t := range o.Trips {
			if _, ok := fares[t.Date[:7]]; ok && t.Mode == string(accounting.ModeDTicket) {
				fares[t.Date[:7]] += t.TicketCents
			}
		}
		for _, d := range o.DTickets {
			refunded[d.Month] = true
		}
	}
	months := slices.Sorted(maps.Keys(fares))
	for _, m := range months {
		day, _ := time.Parse("2006-01", m) // from a checked trip date
		price, err := accounting.DTicketPrice(day)
		if refunded[m] || err != nil || accounting.DTicketRefund(accounting.Money(fares[m]), price) == 0 {
			continue
		}
		ok, err := s.Store.TakeDTicketMonth(ctx, c.Tenant, c.Volunteer, m, c.ID, func(holder domain.ID) (bool, error) {
			h, err := s.Store.Claim(ctx, c.Tenant, holder)
			if errors.Is(err, domain.ErrNotFound) {
				return s.Now().Sub(holder.Time()) < dticketWriterGrace, nil
			}
			return err == nil && dticketLive(h) && slices.ContainsFunc(h.DTickets, func(d domain.ClaimDTicket) bool { return d.Month == m }), err
		})
		if err != nil {
			return err
		}
		if ok {
			c.DTickets = append(c.DTickets, domain.ClaimDTicket{Month: m, FaresCents: fares[m], AmountCents: int64(price)})
			c.AmountCents += int64(price)
		}
	}
	return nil
}

// dticketLive says whether claim o still counts for the ticket rule: not
// rejected, not cancelled by a reversal, and not a reversal itself.
func dticketLive(o *domain.Claim) bool {
	return o.Status != domain.ClaimRejected && o.ReversedBy.IsZero() && o.ReversalOf.IsZero()
}

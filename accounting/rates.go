package accounting

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// KmRate is a rate per kilometre in tenths of a cent (1/1000 €), so that
// rates like 0,125 €/km fit; all researched rates are whole cents.
type KmRate int64

// CentsPerKm returns the rate of c cents per km: CentsPerKm(30) is 0,30 €/km.
func CentsPerKm(c int64) KmRate { return KmRate(c * 10) }

// String formats r for display: "0,30 €/km", "0,125 €/km".
func (r KmRate) String() string {
	s := fmt.Sprintf("%d,%03d", int64(r)/1000, int64(r)%1000)
	if strings.HasSuffix(s, "0") {
		s = s[:len(s)-1] // two decimals unless the third is needed
	}
	return s + " €/km"
}

// Mode is how a volunteer travelled.
type Mode string

// The travel modes a claim can name.
const (
	ModeCar             Mode = "car"
	ModeMotorbike       Mode = "motorbike"
	ModeBicycle         Mode = "bicycle"
	ModeEBike           Mode = "ebike"
	ModePublicTransport Mode = "public_transport"
	// ModeDTicket is bus and train on the volunteer's own Deutschlandticket:
	// the trip itself costs nothing; the fare a single ticket would have cost
	// counts towards refunding the month's ticket (DTicketRefund).
	ModeDTicket Mode = "deutschlandticket"
	ModeOnFoot  Mode = "on_foot"
)

// Modes lists every travel mode, in the order forms offer them.
var Modes = []Mode{ModeCar, ModeMotorbike, ModeBicycle, ModeEBike, ModePublicTransport, ModeDTicket, ModeOnFoot}

// RateTable is one set of travel-cost rules valid from a date on: the
// Wegstreckenentschädigung per km for each vehicle, the passenger supplement,
// the cap per trip and the raised car rate. A zero rate means the table pays
// nothing per km for that vehicle (TripAmount returns ErrModeNotCovered).
type RateTable struct {
	Name      string
	ValidFrom time.Time // first calendar day the table applies; zero: from the beginning of records

	Car       KmRate
	Motorbike KmRate
	Bicycle   KmRate
	EBike     KmRate
	Passenger KmRate // per passenger and km (Mitnahmeentschädigung), car and motorbike only

	// PerTripCap limits the km amount of one trip (vehicle and passenger
	// supplement together); 0 means no cap.
	PerTripCap Money
	// CapRaised says whether PerTripCap also limits trips paid at RaisedCar.
	CapRaised bool

	// RaisedCar is the car rate paid only when a reason was recorded before
	// the trip (BRKG: erhebliches dienstliches Interesse; Länder: triftige
	// Gründe); 0 means the table has none.
	RaisedCar KmRate
	// RaisedRule says what the raised rate needs, for the form and the audit.
	RaisedRule string

	// DTicket says whether a privately bought Deutschlandticket is refunded
	// in a month whose official trips would have cost at least its price in
	// single tickets (public-sector practice; never in part).
	DTicket bool

	// ExclusionMonths is the Ausschlussfrist: a trip must be claimed within
	// this many months (0: DefaultExclusionMonths, § 3 BRKG).
	ExclusionMonths int
	// DetourFactor flags routes longer than the straight line times this
	// (0: DefaultDetourFactor).
	DetourFactor float64

	Source string // legal basis and where the numbers come from
}

// Exclusion returns the table's exclusion period in months.
func (t RateTable) Exclusion() int {
	if t.ExclusionMonths <= 0 {
		return DefaultExclusionMonths
	}
	return t.ExclusionMonths
}

// Detour returns the table's detour factor.
func (t RateTable) Detour() float64 {
	if t.DetourFactor <= 0 {
		return DefaultDetourFactor
	}
	return t.DetourFactor
}

// rateFor returns the per-km rate of mode, and whether it is the raised one.
func (t RateTable) rateFor(mode Mode, reason bool) (KmRate, bool, error) {
	var r KmRate
	switch mode {
	case ModeCar:
		if reason {
			if t.RaisedCar == 0 {
				return 0, false, fmt.Errorf("%w (%s)", ErrNoRaisedRate, t.Name)
			}
			return t.RaisedCar, true, nil
		}
		r = t.Car
	case ModeMotorbike:
		r = t.Motorbike
	case ModeBicycle:
		r = t.Bicycle
	case ModeEBike:
		r = t.EBike
	default:
		return 0, false, fmt.Errorf("%w: %q", ErrMode, mode)
	}
	if reason {
		return 0, false, fmt.Errorf("%w (%s, %s)", ErrNoRaisedRate, t.Name, mode)
	}
	if r == 0 {
		return 0, false, fmt.Errorf("%w: %s in %s", ErrModeNotCovered, mode, t.Name)
	}
	return r, false, nil
}

// BRKG is the federal rate table, Bundesreisekostengesetz § 5: 0,20 €/km for a
// car or other motor vehicle, at most 130 € per trip (the supreme federal
// authority may raise the cap to 150 €); 0,30 €/km, uncapped, when an
// erhebliches dienstliches Interesse was recorded before the trip. Bicycles
// get a monthly 5 € flat under the BRKGVwV, not a rate per km, so Bicycle is 0.
// Sources: https://www.buzer.de/gesetz/5122/a70876.htm ,
// http://gesatz.de/link.aspx?lnk=8624 (domain-de.md § 1).
func BRKG() RateTable {
	return RateTable{
		Name:       "BRKG § 5",
		DTicket:    true,
		Car:        CentsPerKm(20),
		Motorbike:  CentsPerKm(20),
		PerTripCap: Euros(130, 0),
		RaisedCar:  CentsPerKm(30),
		RaisedRule: "§ 5 Abs. 2 BRKG: erhebliches dienstliches Interesse, vor Antritt der Fahrt schriftlich oder elektronisch festgestellt",
		Source:     "https://www.buzer.de/gesetz/5122/a70876.htm",
	}
}

// Bayern is Art. 6 BayRKG: car 0,40 €/km (the Act asks for triftige Gründe;
// the rate without them was not researched, so the Kämmerei must confirm),
// motorcycle 0,17, bicycle and e-bike 0,10, plus 0,02 €/km per passenger; no
// cap. The moped rate (0,10) is not modelled. The source does not date the
// text (confidence M). Source: http://www.anwalt24.de/gesetze/bayrkg/6
func Bayern() RateTable {
	return RateTable{
		Name:      "BayRKG Art. 6",
		DTicket:   true,
		Car:       CentsPerKm(40),
		Motorbike: CentsPerKm(17),
		Bicycle:   CentsPerKm(10),
		EBike:     CentsPerKm(10),
		Passenger: CentsPerKm(2),
		Source:    "http://www.anwalt24.de/gesetze/bayrkg/6",
	}
}

// Hessen is § 6 HRKG: car 0,21 €/km, 0,35 €/km with triftige Gründe; bicycle
// 0,06, e-bike 0,10, passenger 0,02 €/km. Motorcycles were not researched
// (Motorbike 0). Source: https://www.haufe.de/personal/haufe-personal-office-platin/reisekostengesetz-hessen-6-wegstrecken-und-mitnahmeentschaedigung_idesk_PI42323_HI2300293.html
func Hessen() RateTable {
	return RateTable{
		Name:       "HRKG § 6",
		DTicket:    true,
		Car:        CentsPerKm(21),
		RaisedCar:  CentsPerKm(35),
		RaisedRule: "§ 6 HRKG: triftige Gründe für die Benutzung des Kraftfahrzeugs",
		Bicycle:    CentsPerKm(6),
		EBike:      CentsPerKm(10),
		Passenger:  CentsPerKm(2),
		Source:     "https://www.haufe.de/personal/haufe-personal-office-platin/reisekostengesetz-hessen-6-wegstrecken-und-mitnahmeentschaedigung_idesk_PI42323_HI2300293.html",
	}
}

// RheinlandPfalz is the LRKG Rheinland-Pfalz as the LfF describes it: car
// 0,18 €/km, 0,28 €/km with triftige Gründe, on the shortest usual road route.
// Other vehicles were not researched (0). Source:
// https://lff.rlp.de/fachliche-themen/reisemanagement/reisekosten/wegstreckenentschaedigung_ft
func RheinlandPfalz() RateTable {
	return RateTable{
		Name:       "LRKG Rheinland-Pfalz",
		DTicket:    true,
		Car:        CentsPerKm(18),
		RaisedCar:  CentsPerKm(28),
		RaisedRule: "LRKG RLP: triftige Gründe für die Benutzung des Kraftfahrzeugs",
		Source:     "https://lff.rlp.de/fachliche-themen/reisemanagement/reisekosten/wegstreckenentschaedigung_ft",
	}
}

// Rates is a tenant's rate history: each table applies from its ValidFrom
// until the next one. Order does not matter.
type Rates []RateTable

// Errors from Rates and TripAmount.
var (
	ErrNoRateTable    = errors.New("accounting: no rate table valid on the trip's date")
	ErrRateHistory    = errors.New("accounting: two rate tables start on the same day")
	ErrMode           = errors.New("accounting: unknown travel mode")
	ErrModeNotCovered = errors.New("accounting: the rate table pays nothing per km for this mode")
	ErrNoRaisedRate   = errors.New("accounting: a reason for the raised rate was given, but the rate table has no raised rate for this mode")
	ErrTripDistance   = errors.New("accounting: the trip needs a distance above 0 and at most 10.000 km")
	ErrPassengers     = errors.New("accounting: passengers only in a car or on a motorbike, and not negative")
	ErrTicketAmount   = errors.New("accounting: a public-transport trip needs the ticket amount")
	ErrNoDTicket      = errors.New("accounting: the rate table refunds no Deutschlandticket")
)

// At returns the table valid on day (its calendar date is used, in its own
// location): the one with the latest ValidFrom not after day. It returns
// ErrNoRateTable if none has started yet and ErrRateHistory if two tables
// start on the same day.
func (rs Rates) At(day time.Time) (RateTable, error) {
	d := dateOf(day)
	best := -1
	for i, t := range rs {
		from := dateOf(t.ValidFrom) // the zero time is 1 January of year 1: before any trip
		if from.after(d) {
			continue
		}
		if best >= 0 {
			bf := dateOf(rs[best].ValidFrom)
			if bf == from {
				return RateTable{}, fmt.Errorf("%w: %s, %s", ErrRateHistory, rs[best].Name, t.Name)
			}
			if bf.after(from) {
				continue
			}
		}
		best = i
	}
	if best < 0 {
		return RateTable{}, fmt.Errorf("%w: %s", ErrNoRateTable, day.Format(time.DateOnly))
	}
	return rs[best], nil
}

// Trip is one journey a volunteer claims.
type Trip struct {
	Date       time.Time // the day of the trip (calendar date in its location)
	Mode       Mode
	Distance   Distance // the km driven; for public transport informational only
	Passengers int      // other people taken along, for the passenger supplement
	// RaisedReason is the recorded reason for the raised car rate; empty
	// means the normal rate.
	RaisedReason string
	Ticket       Money // public transport: the ticket price as entered; Deutschlandticket: the single fare saved
}

// TripBreakdown is how TripAmount arrived at a trip's amount, for the claim
// form and the accountant's check.
type TripBreakdown struct {
	Table               string // name of the rate table used
	Mode                Mode
	Distance            Distance
	Rate                KmRate // the vehicle's rate per km
	Raised              bool   // Rate is the raised rate
	Passengers          int
	PassengerRate       KmRate
	Vehicle             Money // Distance × Rate, rounded
	PassengerSupplement Money // the rest of Uncapped
	Ticket              Money
	Uncapped            Money // before the cap
	Capped              bool  // Total is the table's PerTripCap
	Total               Money // what is paid
	ReceiptRequired     bool  // a ticket or receipt must be attached (public transport)
}

// TripAmount computes what one trip earns under the rate table valid on its
// date. Rounding: the km amount (vehicle plus passengers) is computed exactly
// in tenths of a cent × metres and rounded half up to the cent once per trip;
// Vehicle is rounded the same way and PassengerSupplement is the difference,
// so the parts add up to Uncapped. The cap applies after rounding. Public
// transport pays the ticket as entered and requires a receipt; on foot pays 0.
// Errors: ErrNoRateTable, ErrRateHistory, ErrMode, ErrModeNotCovered,
// ErrNoRaisedRate, ErrTripDistance, ErrPassengers, ErrTicketAmount.
func TripAmount(trip Trip, rates Rates) (TripBreakdown, error) {
	t, err := rates.At(trip.Date)
	if err != nil {
		return TripBreakdown{}, err
	}
	b := TripBreakdown{Table: t.Name, Mode: trip.Mode, Distance: trip.Distance}
	reason := strings.TrimSpace(trip.RaisedReason) != ""
	if trip.Passengers < 0 {
		return b, ErrPassengers
	}
	switch trip.Mode {
	case ModePublicTransport:
		if trip.Ticket <= 0 || trip.Ticket >= maxMoney {
			return b, ErrTicketAmount
		}
		if trip.Passengers > 0 {
			return b, ErrPassengers
		}
		if reason {
			return b, fmt.Errorf("%w (%s, %s)", ErrNoRaisedRate, t.Name, trip.Mode)
		}
		b.Ticket, b.Uncapped, b.Total, b.ReceiptRequired = trip.Ticket, trip.Ticket, trip.Ticket, true
		return b, nil
	case ModeDTicket:
		// Ticket is the single fare the trip saved: it pays nothing itself
		// and counts towards the month's ticket.
		switch {
		case !t.DTicket:
			return b, fmt.Errorf("%w (%s)", ErrNoDTicket, t.Name)
		case trip.Ticket <= 0 || trip.Ticket >= maxMoney:
			return b, ErrTicketAmount
		case trip.Passengers > 0:
			return b, ErrPassengers
		case reason:
			return b, fmt.Errorf("%w (%s, %s)", ErrNoRaisedRate, t.Name, trip.Mode)
		}
		b.Ticket = trip.Ticket
		return b, nil
	case ModeOnFoot:
		if trip.Passengers > 0 {
			return b, ErrPassengers
		}
		return b, nil
	case ModeBicycle, ModeEBike:
		if trip.Passengers > 0 {
			return b, ErrPassengers
		}
	}
	rate, raised, err := t.rateFor(trip.Mode, reason)
	if err != nil {
		return b, err
	}
	if trip.Distance <= 0 || trip.Distance > maxDistance {
		return b, ErrTripDistance
	}
	// Passengers in a table without a supplement are allowed; they earn nothing.
	b.Rate, b.Raised = rate, raised
	b.Passengers = trip.Passengers
	if trip.Passengers > 0 {
		b.PassengerRate = t.Passenger
	}
	m := int64(trip.Distance)
	// metres × tenth-cents per km = 1/10,000 cent.
	b.Vehicle = Money(roundHalfUp(m*int64(rate), 10_000))
	perKm := int64(rate) + int64(trip.Passengers)*int64(t.Passenger)
	b.Uncapped = Money(roundHalfUp(m*perKm, 10_000))
	b.PassengerSupplement = b.Uncapped - b.Vehicle
	b.Total = b.Uncapped
	if t.PerTripCap > 0 && b.Total > t.PerTripCap && (!raised || t.CapRaised) {
		b.Total, b.Capped = t.PerTripCap, true
	}
	return b, nil
}

// DefaultDetourFactor is how much longer than the straight line a route may be
// before Detour flags it: roads are rarely more than half again as long.
const DefaultDetourFactor = 1.5

// Detour reports whether the claimed distance exceeds the straight-line
// distance times factor (DefaultDetourFactor if factor ≤ 0). It is a flag for
// the reviewer, not an error: the volunteer may have had a reason. Without a
// straight-line distance (straight ≤ 0) it reports false.
func Detour(driven, straight Distance, factor float64) bool {
	if straight <= 0 {
		return false
	}
	if factor <= 0 {
		factor = DefaultDetourFactor
	}
	// Compare in per mille so the distances stay integers.
	perMille := int64(factor*1000 + 0.5)
	return int64(driven)*1000 > int64(straight)*perMille
}

// DefaultExclusionMonths is the Ausschlussfrist of § 3 BRKG: a claim lapses
// unless filed within six months after the trip.
const DefaultExclusionMonths = 6

// ClaimDeadline returns the last calendar day on which a claim for a trip on
// tripDate is in time, with a period of months (DefaultExclusionMonths if
// months ≤ 0). The period starts the day after the trip (§ 187 Abs. 1 BGB)
// and ends on the day of the last month that has the trip's day number, or on
// that month's last day if it is shorter (§ 188 Abs. 2, 3 BGB): a trip on
// 31 August may be claimed until 28 (or 29) February. The result is midnight
// UTC of that calendar day.
func ClaimDeadline(tripDate time.Time, months int) time.Time {
	if months <= 0 {
		months = DefaultExclusionMonths
	}
	y, m, d := tripDate.Date()
	total := int(m) - 1 + months
	y += total / 12
	m = time.Month(total%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Lapsed reports whether a claim filed on claimDate for a trip on tripDate
// came after the exclusion period of months (DefaultExclusionMonths if
// months ≤ 0); see ClaimDeadline. Only calendar dates count.
func Lapsed(tripDate, claimDate time.Time, months int) bool {
	return dateOf(claimDate).after(dateOf(ClaimDeadline(tripDate, months)))
}

// civil is a calendar date without time or location.
type civil struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

func (c civil) after(o civil) bool {
	if c.y != o.y {
		return c.y > o.y
	}
	if c.m != o.m {
		return c.m > o.m
	}
	return c.d > o.d
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

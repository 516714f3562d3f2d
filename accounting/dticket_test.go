package accounting

import (
	"errors"
	"testing"
	"time"
)

func TestDTicketPrice(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		day  time.Time
		want Money
		err  error
	}{
		{day(2023, time.April, 30), 0, ErrNoDTicketPrice},
		{day(2023, time.May, 1), Euros(49, 0), nil},
		{day(2024, time.December, 31), Euros(49, 0), nil},
		{day(2025, time.January, 1), Euros(58, 0), nil},
		{day(2025, time.December, 31), Euros(58, 0), nil},
		{day(2026, time.January, 1), Euros(63, 0), nil},
		{day(2026, time.November, 23), Euros(63, 0), nil},
	} {
		got, err := DTicketPrice(c.day)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("DTicketPrice(%s) = %v, %v; want %v, %v", c.day.Format(time.DateOnly), got, err, c.want, c.err)
		}
	}
}

func TestDTicketRefund(t *testing.T) {
	price := Euros(63, 0)
	for _, c := range []struct{ fares, want Money }{
		{0, 0},
		{Euros(62, 99), 0},     // one cent short: nothing, never in part
		{Euros(63, 0), price},  // exactly the price pays for itself
		{Euros(140, 0), price}, // more fares earn no more than the ticket
	} {
		if got := DTicketRefund(c.fares, price); got != c.want {
			t.Errorf("DTicketRefund(%v) = %v, want %v", c.fares, got, c.want)
		}
	}
	if got := DTicketRefund(Euros(10, 0), 0); got != 0 {
		t.Errorf("no price: %v", got)
	}
}

func TestTripAmountDTicket(t *testing.T) {
	on := time.Date(2026, time.March, 4, 0, 0, 0, 0, time.UTC)
	b, err := TripAmount(Trip{Date: on, Mode: ModeDTicket, Ticket: 460}, Rates{BRKG()})
	if err != nil || b.Total != 0 || b.Ticket != 460 || b.ReceiptRequired {
		t.Fatalf("D-Ticket trip = %+v, %v; want 0 paid, fare 4,60 kept", b, err)
	}
	no := BRKG()
	no.DTicket = false
	for name, c := range map[string]struct {
		trip  Trip
		rates Rates
		err   error
	}{
		"table without D-Ticket": {Trip{Date: on, Mode: ModeDTicket, Ticket: 460}, Rates{no}, ErrNoDTicket},
		"no fare":                {Trip{Date: on, Mode: ModeDTicket}, Rates{BRKG()}, ErrTicketAmount},
		"passengers":             {Trip{Date: on, Mode: ModeDTicket, Ticket: 460, Passengers: 1}, Rates{BRKG()}, ErrPassengers},
		"raised reason":          {Trip{Date: on, Mode: ModeDTicket, Ticket: 460, RaisedReason: "x"}, Rates{BRKG()}, ErrNoRaisedRate},
	} {
		if _, err := TripAmount(c.trip, c.rates); !errors.Is(err, c.err) {
			t.Errorf("%s: err %v, want %v", name, err, c.err)
		}
	}
}

func TestParseKmRate(t *testing.T) {
	for in, want := range map[string]KmRate{
		"":           0,
		"0,30":       CentsPerKm(30),
		"0.3":        CentsPerKm(30),
		",2":         CentsPerKm(20),
		"0,125":      125,
		"1":          1000,
		"0,30 €/km":  CentsPerKm(30),
		" 0,02 € ":   CentsPerKm(2),
		"0,40/km":    CentsPerKm(40),
		"9,999 €/km": 9999,
	} {
		got, err := ParseKmRate(in)
		if err != nil || got != want {
			t.Errorf("ParseKmRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]error{
		"0,1234":   ErrKmRateSyntax,
		"abc":      ErrKmRateSyntax,
		"0,3,0":    ErrKmRateSyntax,
		"-0,30":    ErrKmRateSyntax,
		"1.000,00": ErrKmRateSyntax,
		"10":       ErrKmRateRange,
		"=1+1":     ErrKmRateSyntax,
	} {
		if _, err := ParseKmRate(in); !errors.Is(err, want) {
			t.Errorf("ParseKmRate(%q) err %v, want %v", in, err, want)
		}
	}
}

func TestRateTableCheck(t *testing.T) {
	for _, p := range []RateTable{BRKG(), Bayern(), Hessen(), RheinlandPfalz()} {
		if err := p.Check(); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
	}
	raisedLow := BRKG()
	raisedLow.RaisedCar = CentsPerKm(20)
	noRule := BRKG()
	noRule.RaisedRule = " "
	for name, c := range map[string]struct {
		t   RateTable
		err error
	}{
		"nothing per km":      {RateTable{Name: "x", Passenger: CentsPerKm(2)}, ErrRateTable},
		"negative":            {RateTable{Name: "x", Car: -1}, ErrKmRateRange},
		"raised not above":    {raisedLow, ErrRaisedRate},
		"raised without rule": {noRule, ErrRaisedRate},
		"negative cap":        {RateTable{Name: "x", Car: 200, PerTripCap: -1}, ErrMoneyRange},
		"exclusion too long":  {RateTable{Name: "x", Car: 200, ExclusionMonths: 37}, ErrExclusion},
		"detour below 1":      {RateTable{Name: "x", Car: 200, DetourFactor: 0.9}, ErrDetourFactor},
		"detour above 5":      {RateTable{Name: "x", Car: 200, DetourFactor: 5.1}, ErrDetourFactor},
	} {
		if err := c.t.Check(); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", name, err, c.err)
		}
	}
}

// FuzzParseKmRate: any input either fails or gives a rate in range that
// prints and parses back to itself.
func FuzzParseKmRate(f *testing.F) {
	for _, s := range []string{"0,30", "0.125", "9,999 €/km", ",2", "1.000", "-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseKmRate(s)
		if err != nil {
			return
		}
		if r < 0 || r > 9999 {
			t.Fatalf("ParseKmRate(%q) = %d: out of range", s, r)
		}
		back, err := ParseKmRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseKmRate(%q) = %v; printed %q parses to %v, %v", s, r, r.String(), back, err)
		}
	})
}

func TestRateTableDefaults(t *testing.T) {
	if b := BRKG(); b.Exclusion() != 6 || b.Detour() != 1.5 {
		t.Errorf("BRKG: %d months, factor %v", b.Exclusion(), b.Detour())
	}
	own := RateTable{ExclusionMonths: 3, DetourFactor: 1.2}
	if own.Exclusion() != 3 || own.Detour() != 1.2 {
		t.Errorf("own: %d months, factor %v", own.Exclusion(), own.Detour())
	}
}

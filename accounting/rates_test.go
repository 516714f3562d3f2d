package accounting

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestKmRateString(t *testing.T) {
	for r, want := range map[KmRate]string{
		CentsPerKm(30): "0,30 €/km", CentsPerKm(2): "0,02 €/km", 125: "0,125 €/km", CentsPerKm(100): "1,00 €/km",
	} {
		if got := r.String(); got != want {
			t.Errorf("KmRate(%d).String() = %q, want %q", int64(r), got, want)
		}
	}
}

func TestRatesAt(t *testing.T) {
	old := BRKG()
	raised := BRKG()
	raised.Name, raised.ValidFrom, raised.Car = "BRKG 2027", day(2027, 1, 1), CentsPerKm(25)
	local := Bayern()
	local.Name, local.ValidFrom = "Landkreis 2026", day(2026, 3, 1)
	rates := Rates{raised, old, local} // out of order on purpose

	tests := []struct {
		on   time.Time
		want string
	}{
		{day(2020, 1, 1), "BRKG § 5"},
		{day(2026, 2, 28), "BRKG § 5"},
		{day(2026, 3, 1), "Landkreis 2026"},
		{time.Date(2026, 3, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "Landkreis 2026"}, // its own calendar day counts
		{day(2026, 12, 31), "Landkreis 2026"},
		{day(2027, 1, 1), "BRKG 2027"},
	}
	for _, tt := range tests {
		got, err := rates.At(tt.on)
		if err != nil || got.Name != tt.want {
			t.Errorf("At(%s) = %q, %v; want %q", tt.on, got.Name, err, tt.want)
		}
	}

	late := Rates{local}
	if _, err := late.At(day(2026, 2, 28)); !errors.Is(err, ErrNoRateTable) {
		t.Errorf("At before the first table: %v, want ErrNoRateTable", err)
	}
	dup := local
	dup.Name = "duplicate"
	if _, err := (Rates{local, dup}).At(day(2026, 5, 1)); !errors.Is(err, ErrRateHistory) {
		t.Errorf("two tables on one day: %v, want ErrRateHistory", err)
	}
	if _, err := (Rates{}).At(day(2026, 5, 1)); !errors.Is(err, ErrNoRateTable) {
		t.Errorf("empty history: %v, want ErrNoRateTable", err)
	}
}

func TestTripAmount(t *testing.T) {
	on := day(2026, 4, 14)
	brkg, bayern, hessen, rlp := Rates{BRKG()}, Rates{Bayern()}, Rates{Hessen()}, Rates{RheinlandPfalz()}
	capped := BRKG()
	capped.CapRaised = true
	tests := []struct {
		name  string
		trip  Trip
		rates Rates
		want  TripBreakdown
		err   error
	}{
		{"BRKG car 42,3 km", Trip{Date: on, Mode: ModeCar, Distance: 42300}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: 42300, Rate: CentsPerKm(20), Vehicle: 846, Uncapped: 846, Total: 846}, nil},
		{"BRKG car rounds half up: 0,1 km × 0,25 = 2,5 ct → 3 ct", Trip{Date: on, Mode: ModeCar, Distance: 100},
			Rates{func() RateTable { r := BRKG(); r.Car = CentsPerKm(25); return r }()},
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: 100, Rate: CentsPerKm(25), Vehicle: 3, Uncapped: 3, Total: 3}, nil},
		{"BRKG car at the cap: 650 km × 0,20 = 130 €", Trip{Date: on, Mode: ModeCar, Distance: Km(650)}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(650), Rate: CentsPerKm(20), Vehicle: 13000, Uncapped: 13000, Total: 13000}, nil},
		{"BRKG car above the cap", Trip{Date: on, Mode: ModeCar, Distance: Km(700)}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(700), Rate: CentsPerKm(20), Vehicle: 14000, Uncapped: 14000, Capped: true, Total: 13000}, nil},
		{"BRKG raised rate with reason, uncapped", Trip{Date: on, Mode: ModeCar, Distance: Km(700), RaisedReason: "Transport von Akten"}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(700), Rate: CentsPerKm(30), Raised: true, Vehicle: 21000, Uncapped: 21000, Total: 21000}, nil},
		{"raised rate capped when the table says so", Trip{Date: on, Mode: ModeCar, Distance: Km(700), RaisedReason: "x"}, Rates{capped},
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(700), Rate: CentsPerKm(30), Raised: true, Vehicle: 21000, Uncapped: 21000, Capped: true, Total: 13000}, nil},
		{"blank reason is no reason", Trip{Date: on, Mode: ModeCar, Distance: Km(10), RaisedReason: "  "}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(10), Rate: CentsPerKm(20), Vehicle: 200, Uncapped: 200, Total: 200}, nil},
		{"Bayern car with two passengers", Trip{Date: on, Mode: ModeCar, Distance: 12500, Passengers: 2}, bayern,
			TripBreakdown{Table: "BayRKG Art. 6", Mode: ModeCar, Distance: 12500, Rate: CentsPerKm(40), Passengers: 2, PassengerRate: CentsPerKm(2),
				Vehicle: 500, PassengerSupplement: 50, Uncapped: 550, Total: 550}, nil},
		{"Bayern passenger supplement rounded once per trip", Trip{Date: on, Mode: ModeCar, Distance: 1300, Passengers: 1}, bayern,
			// 1,3 km × 0,42 = 54,6 ct → 55; vehicle 52 ct; supplement the rest.
			TripBreakdown{Table: "BayRKG Art. 6", Mode: ModeCar, Distance: 1300, Rate: CentsPerKm(40), Passengers: 1, PassengerRate: CentsPerKm(2),
				Vehicle: 52, PassengerSupplement: 3, Uncapped: 55, Total: 55}, nil},
		{"Bayern motorbike", Trip{Date: on, Mode: ModeMotorbike, Distance: Km(10)}, bayern,
			TripBreakdown{Table: "BayRKG Art. 6", Mode: ModeMotorbike, Distance: Km(10), Rate: CentsPerKm(17), Vehicle: 170, Uncapped: 170, Total: 170}, nil},
		{"Bayern bicycle", Trip{Date: on, Mode: ModeBicycle, Distance: 7400}, bayern,
			TripBreakdown{Table: "BayRKG Art. 6", Mode: ModeBicycle, Distance: 7400, Rate: CentsPerKm(10), Vehicle: 74, Uncapped: 74, Total: 74}, nil},
		{"Hessen e-bike", Trip{Date: on, Mode: ModeEBike, Distance: Km(5)}, hessen,
			TripBreakdown{Table: "HRKG § 6", Mode: ModeEBike, Distance: Km(5), Rate: CentsPerKm(10), Vehicle: 50, Uncapped: 50, Total: 50}, nil},
		{"Hessen car with triftige Gründe", Trip{Date: on, Mode: ModeCar, Distance: Km(10), RaisedReason: "kein ÖPNV"}, hessen,
			TripBreakdown{Table: "HRKG § 6", Mode: ModeCar, Distance: Km(10), Rate: CentsPerKm(35), Raised: true, Vehicle: 350, Uncapped: 350, Total: 350}, nil},
		{"RLP car", Trip{Date: on, Mode: ModeCar, Distance: Km(10)}, rlp,
			TripBreakdown{Table: "LRKG Rheinland-Pfalz", Mode: ModeCar, Distance: Km(10), Rate: CentsPerKm(18), Vehicle: 180, Uncapped: 180, Total: 180}, nil},
		{"passengers in a table without supplement earn nothing", Trip{Date: on, Mode: ModeCar, Distance: Km(10), Passengers: 3}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeCar, Distance: Km(10), Rate: CentsPerKm(20), Passengers: 3, Vehicle: 200, Uncapped: 200, Total: 200}, nil},
		{"public transport pays the ticket, needs a receipt", Trip{Date: on, Mode: ModePublicTransport, Ticket: 380, Distance: Km(8)}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModePublicTransport, Distance: Km(8), Ticket: 380, Uncapped: 380, Total: 380, ReceiptRequired: true}, nil},
		{"on foot pays nothing", Trip{Date: on, Mode: ModeOnFoot, Distance: 1200}, brkg,
			TripBreakdown{Table: "BRKG § 5", Mode: ModeOnFoot, Distance: 1200}, nil},

		{"BRKG bicycle has no per-km rate", Trip{Date: on, Mode: ModeBicycle, Distance: Km(3)}, brkg, TripBreakdown{}, ErrModeNotCovered},
		{"RLP motorbike not researched", Trip{Date: on, Mode: ModeMotorbike, Distance: Km(3)}, rlp, TripBreakdown{}, ErrModeNotCovered},
		{"Bayern has no raised rate", Trip{Date: on, Mode: ModeCar, Distance: Km(3), RaisedReason: "x"}, bayern, TripBreakdown{}, ErrNoRaisedRate},
		{"raised rate only for cars", Trip{Date: on, Mode: ModeMotorbike, Distance: Km(3), RaisedReason: "x"}, brkg, TripBreakdown{}, ErrNoRaisedRate},
		{"unknown mode", Trip{Date: on, Mode: "horse", Distance: Km(3)}, brkg, TripBreakdown{}, ErrMode},
		{"zero km", Trip{Date: on, Mode: ModeCar}, brkg, TripBreakdown{}, ErrTripDistance},
		{"negative km", Trip{Date: on, Mode: ModeCar, Distance: -5}, brkg, TripBreakdown{}, ErrTripDistance},
		{"too far", Trip{Date: on, Mode: ModeCar, Distance: maxDistance + 1}, brkg, TripBreakdown{}, ErrTripDistance},
		{"passengers on a bicycle", Trip{Date: on, Mode: ModeBicycle, Distance: Km(3), Passengers: 1}, bayern, TripBreakdown{}, ErrPassengers},
		{"negative passengers", Trip{Date: on, Mode: ModeCar, Distance: Km(3), Passengers: -1}, bayern, TripBreakdown{}, ErrPassengers},
		{"ticket missing", Trip{Date: on, Mode: ModePublicTransport}, brkg, TripBreakdown{}, ErrTicketAmount},
		{"no table yet", Trip{Date: day(2020, 1, 1), Mode: ModeCar, Distance: Km(3)},
			Rates{func() RateTable { r := BRKG(); r.ValidFrom = day(2025, 1, 1); return r }()}, TripBreakdown{}, ErrNoRateTable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TripAmount(tt.trip, tt.rates)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("breakdown (-want +got):\n%s", diff)
			}
			if !got.Capped && got.Vehicle+got.PassengerSupplement+got.Ticket != got.Total {
				t.Errorf("parts %d + %d + %d do not add up to %d", got.Vehicle, got.PassengerSupplement, got.Ticket, got.Total)
			}
		})
	}
}

func TestDetour(t *testing.T) {
	tests := []struct {
		driven, straight Distance
		factor           float64
		want             bool
	}{
		{Km(15), Km(10), 0, false},  // exactly 1.5 × is fine
		{15001, Km(10), 0, true},    // a metre more is flagged
		{Km(15), Km(10), 1.4, true}, // a tenant's stricter factor
		{Km(25), Km(10), 2.5, false},
		{Km(5), 0, 0, false}, // no straight line known: no judgement
		{Km(5), Km(10), 0, false},
	}
	for _, tt := range tests {
		if got := Detour(tt.driven, tt.straight, tt.factor); got != tt.want {
			t.Errorf("Detour(%v, %v, %v) = %v, want %v", tt.driven, tt.straight, tt.factor, got, tt.want)
		}
	}
}

func TestClaimDeadlineAndLapsed(t *testing.T) {
	tests := []struct {
		trip     time.Time
		months   int
		deadline time.Time
	}{
		{day(2026, 1, 15), 0, day(2026, 7, 15)},
		{day(2026, 1, 15), 6, day(2026, 7, 15)},
		{day(2025, 8, 31), 6, day(2026, 2, 28)}, // February is shorter: its last day
		{day(2027, 8, 31), 6, day(2028, 2, 29)}, // leap year
		{day(2026, 8, 30), 6, day(2027, 2, 28)},
		{day(2026, 2, 28), 6, day(2026, 8, 28)}, // not the end of August
		{day(2026, 12, 31), 6, day(2027, 6, 30)},
		{day(2026, 3, 31), 6, day(2026, 9, 30)},
		{day(2026, 7, 31), 6, day(2027, 1, 31)}, // across the year
		{day(2026, 5, 10), 3, day(2026, 8, 10)}, // a tenant's shorter period
		{day(2026, 11, 30), 15, day(2028, 2, 29)},
	}
	for _, tt := range tests {
		got := ClaimDeadline(tt.trip, tt.months)
		if !got.Equal(tt.deadline) {
			t.Errorf("ClaimDeadline(%s, %d) = %s, want %s", tt.trip.Format(time.DateOnly), tt.months, got.Format(time.DateOnly), tt.deadline.Format(time.DateOnly))
		}
		if Lapsed(tt.trip, tt.deadline, tt.months) {
			t.Errorf("Lapsed(%s, deadline %s) = true, want false (the last day is in time)", tt.trip.Format(time.DateOnly), tt.deadline.Format(time.DateOnly))
		}
		if !Lapsed(tt.trip, tt.deadline.AddDate(0, 0, 1), tt.months) {
			t.Errorf("Lapsed(%s, day after deadline) = false, want true", tt.trip.Format(time.DateOnly))
		}
	}
	// Only calendar dates count: late in the evening of the last day is in time.
	berlin := time.FixedZone("CEST", 2*3600)
	if Lapsed(time.Date(2026, 1, 15, 9, 0, 0, 0, berlin), time.Date(2026, 7, 15, 23, 59, 0, 0, berlin), 6) {
		t.Error("a claim at 23:59 on the last day lapsed")
	}
	if Lapsed(day(2026, 1, 15), day(2026, 1, 15), 6) {
		t.Error("a claim on the trip's day lapsed")
	}
}

func TestAllowanceCheck(t *testing.T) {
	tests := []struct {
		name                    string
		year                    int
		basis                   AllowanceBasis
		paid, elsewhere, amount Money
		want                    AllowanceCheck
		err                     error
	}{
		{"26a 2025 well below", 2025, Nr26a, Euros(100, 0), 0, Euros(100, 0),
			AllowanceCheck{Year: 2025, Basis: Nr26a, Status: AllowanceOK, Limit: Euros(840, 0), Used: Euros(200, 0), Remaining: Euros(640, 0), Percent: 23}, nil},
		{"26a 2026 higher limit: warn, not blocked", 2026, Nr26a, Euros(800, 0), 0, Euros(100, 0),
			AllowanceCheck{Year: 2026, Basis: Nr26a, Status: AllowanceWarn, Limit: Euros(960, 0), Used: Euros(900, 0), Remaining: Euros(60, 0), Percent: 93}, nil},
		{"26a 2025 same numbers blocked", 2025, Nr26a, Euros(800, 0), 0, Euros(100, 0),
			AllowanceCheck{Year: 2025, Basis: Nr26a, Status: AllowanceBlocked, Limit: Euros(840, 0), Used: Euros(900, 0), Excess: Euros(60, 0), Percent: 107}, nil},
		{"warn at exactly 80 %", 2026, Nr26, Euros(2000, 0), Euros(500, 0), Euros(140, 0),
			AllowanceCheck{Year: 2026, Basis: Nr26, Status: AllowanceWarn, Limit: Euros(3300, 0), Used: Euros(2640, 0), Remaining: Euros(660, 0), Percent: 80}, nil},
		{"one cent below 80 % is ok", 2026, Nr26, Euros(2639, 99), 0, 0,
			AllowanceCheck{Year: 2026, Basis: Nr26, Status: AllowanceOK, Limit: Euros(3300, 0), Used: Euros(2639, 99), Remaining: Euros(660, 1), Percent: 79}, nil},
		{"exactly the limit is allowed", 2025, Nr26, Euros(2500, 0), Euros(400, 0), Euros(100, 0),
			AllowanceCheck{Year: 2025, Basis: Nr26, Status: AllowanceWarn, Limit: Euros(3000, 0), Used: Euros(3000, 0), Percent: 100}, nil},
		{"declared elsewhere counts", 2025, Nr26, 0, Euros(3000, 0), 1,
			AllowanceCheck{Year: 2025, Basis: Nr26, Status: AllowanceBlocked, Limit: Euros(3000, 0), Used: Euros(3000, 1), Excess: 1, Percent: 100}, nil},
		{"2013 history", 2015, Nr26a, 0, 0, Euros(720, 0),
			AllowanceCheck{Year: 2015, Basis: Nr26a, Status: AllowanceWarn, Limit: Euros(720, 0), Used: Euros(720, 0), Percent: 100}, nil},
		{"Nr. 12: twelve months of 250 €", 2026, Nr12, Euros(1000, 0), 0, Euros(250, 0),
			AllowanceCheck{Year: 2026, Basis: Nr12, Status: AllowanceOK, Limit: Euros(3000, 0), Used: Euros(1250, 0), Remaining: Euros(1750, 0), Percent: 41}, nil},
		{"Nr. 12 not recorded before 2021", 2020, Nr12, 0, 0, 1, AllowanceCheck{}, ErrNoAllowanceLimit},
		{"before any record", 2010, Nr26, 0, 0, 1, AllowanceCheck{}, ErrNoAllowanceLimit},
		{"unknown basis", 2026, "3_26b", 0, 0, 1, AllowanceCheck{}, ErrAllowanceBasis},
		{"unknown basis before any record", 2010, "x", 0, 0, 1, AllowanceCheck{}, ErrAllowanceBasis},
		{"negative amount", 2026, Nr26, 0, 0, -1, AllowanceCheck{}, ErrAllowanceAmount},
		{"absurd amount", 2026, Nr26, 0, 0, maxMoney, AllowanceCheck{}, ErrMoneyRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckAllowance(tt.year, tt.basis, tt.paid, tt.elsewhere, tt.amount)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check (-want +got):\n%s", diff)
			}
		})
	}
}

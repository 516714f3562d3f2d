package accounting

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// dticketPrices is the Deutschlandticket's monthly price history (domain-de.md
// § 1, confidence H): 49 € from its start in May 2023, 58 € in 2025, 63 €
// from January 2026. A new price is one line here.
var dticketPrices = []struct {
	from  civil
	price Money
}{
	{civil{2023, time.May, 1}, Euros(49, 0)},
	{civil{2025, time.January, 1}, Euros(58, 0)},
	{civil{2026, time.January, 1}, Euros(63, 0)},
}

// ErrNoDTicketPrice: the month lies before the Deutschlandticket existed.
var ErrNoDTicketPrice = errors.New("accounting: no Deutschlandticket price for this month")

// DTicketPrice returns the Deutschlandticket's price in the month of day.
// Sources: https://www.adac.de/news/49-euro-ticket ,
// https://www.wallstreet-online.de/nachricht/20325990-deutschlandticket-teurer
func DTicketPrice(day time.Time) (Money, error) {
	y, m, _ := day.Date()
	first := civil{y, m, 1}
	for i := len(dticketPrices) - 1; i >= 0; i-- {
		if !dticketPrices[i].from.after(first) {
			return dticketPrices[i].price, nil
		}
	}
	return 0, fmt.Errorf("%w: %04d-%02d", ErrNoDTicketPrice, y, m)
}

// DTicketRefund returns what a volunteer's own Deutschlandticket earns in a
// month whose official trips would have cost fares in single tickets: the
// full price once the fares reach it, otherwise nothing. Public-sector
// practice refunds a privately bought ticket only when official travel pays
// for it in full, never in part (domain-de.md § 1, confidence M).
func DTicketRefund(fares, price Money) Money {
	if price > 0 && fares >= price {
		return price
	}
	return 0
}

// Errors of ParseKmRate and RateTable.Check.
var (
	ErrKmRateSyntax = errors.New("accounting: a rate per km is written like 0,30 or 0,125")
	ErrKmRateRange  = errors.New("accounting: a rate per km must lie between 0 and 9,999 €")
	ErrRateTable    = errors.New("accounting: the rate table pays nothing per km for any vehicle")
	ErrRaisedRate   = errors.New("accounting: the raised car rate must be above the normal car rate and needs its rule")
	ErrExclusion    = errors.New("accounting: the exclusion period must lie between 1 and 36 months")
	ErrDetourFactor = errors.New("accounting: the detour factor must lie between 1 and 5")
)

// Bounds of a table's exclusion period and detour factor.
const (
	MaxExclusionMonths = 36 // three years: the general limitation period (§ 195 BGB)
	MaxDetourFactor    = 5.0
)

// ParseKmRate reads a rate in euros per km as typed: "0,30", "0.3", "0,125",
// "0,30 €/km". At most three decimals; empty is 0.
func ParseKmRate(s string) (KmRate, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "/km"))
	s = strings.TrimSpace(strings.TrimSuffix(s, "€"))
	if s == "" {
		return 0, nil
	}
	head, frac, _ := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if head == "" {
		head = "0"
	}
	if !allDigits(head) || frac != "" && !allDigits(frac) || strings.Count(s, ",")+strings.Count(s, ".") > 1 || len(frac) > 3 {
		return 0, fmt.Errorf("%w: %q", ErrKmRateSyntax, in)
	}
	if len(head) > 1 {
		return 0, fmt.Errorf("%w: %q", ErrKmRateRange, in)
	}
	r := int64(head[0]-'0') * 1000
	frac += "000"[len(frac):]
	for i, c := range frac {
		r += int64(c-'0') * []int64{100, 10, 1}[i]
	}
	return KmRate(r), nil
}

// Check reports whether t is a table a tenant may use: some vehicle earns
// something per km, a raised car rate lies above the normal one and says
// what it needs, and nothing is negative.
func (t RateTable) Check() error {
	for _, r := range []KmRate{t.Car, t.Motorbike, t.Bicycle, t.EBike, t.Passenger, t.RaisedCar} {
		if r < 0 || r > 9999 {
			return ErrKmRateRange
		}
	}
	if t.Car == 0 && t.Motorbike == 0 && t.Bicycle == 0 && t.EBike == 0 {
		return ErrRateTable
	}
	if t.RaisedCar != 0 && (t.RaisedCar <= t.Car || strings.TrimSpace(t.RaisedRule) == "") {
		return ErrRaisedRate
	}
	if t.PerTripCap < 0 || t.PerTripCap >= maxMoney {
		return ErrMoneyRange
	}
	if t.ExclusionMonths < 0 || t.ExclusionMonths > MaxExclusionMonths {
		return ErrExclusion
	}
	if t.DetourFactor != 0 && (t.DetourFactor < 1 || t.DetourFactor > MaxDetourFactor) {
		return ErrDetourFactor
	}
	return nil
}

package accounting

import (
	"errors"
	"math"
	"testing"
)

func TestMoneyFormat(t *testing.T) {
	tests := []struct {
		m                    Money
		german, point, comma string
	}{
		{0, "0,00 €", "0.00", "0,00"},
		{5, "0,05 €", "0.05", "0,05"},
		{1250, "12,50 €", "12.50", "12,50"},
		{100000, "1.000,00 €", "1000.00", "1000,00"},
		{123456, "1.234,56 €", "1234.56", "1234,56"},
		{99999999999, "999.999.999,99 €", "999999999.99", "999999999,99"},
		{-5, "-0,05 €", "-0.05", "-0,05"},
		{-123456, "-1.234,56 €", "-1234.56", "-1234,56"},
		{math.MinInt64, "-92.233.720.368.547.758,08 €", "-92233720368547758.08", "-92233720368547758,08"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.german {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.german)
		}
		if got := tt.m.Decimal(); got != tt.point {
			t.Errorf("Money(%d).Decimal() = %q, want %q", int64(tt.m), got, tt.point)
		}
		if got := tt.m.DecimalComma(); got != tt.comma {
			t.Errorf("Money(%d).DecimalComma() = %q, want %q", int64(tt.m), got, tt.comma)
		}
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		err  error
	}{
		{"12,50", 1250, nil},
		{"12.50", 1250, nil},
		{"12", 1200, nil},
		{"12,5", 1250, nil},
		{"0,05", 5, nil},
		{",50", 50, nil},
		{" 12,50 € ", 1250, nil},
		{"€ 12,50", 1250, nil},
		{"12,50 EUR", 1250, nil},
		{"1.234,56", 123456, nil},
		{"1,234.56", 123456, nil},
		{"1.234.567", 123456700, nil},
		{"1.234.567,8", 123456780, nil},
		{"-3", -300, nil},
		{"- 3,10", -310, nil},
		{"+3", 300, nil},
		{"9999999999,99", 999999999999, nil},
		{"1234.567", 0, ErrMoneyPrecision},
		{"0.500", 0, ErrMoneyPrecision},
		{"12,505", 0, ErrMoneyAmbiguous},
		{"1.234", 0, ErrMoneyAmbiguous},
		{"12,345", 0, ErrMoneyAmbiguous},
		{"", 0, ErrMoneySyntax},
		{"€", 0, ErrMoneySyntax},
		{"abc", 0, ErrMoneySyntax},
		{"12,", 0, ErrMoneySyntax},
		{"1,2,3", 0, ErrMoneySyntax},
		{"12.34,5.6", 0, ErrMoneySyntax},
		{"1.23,45", 0, ErrMoneySyntax},
		{"12 50", 0, ErrMoneySyntax},
		{"1e3", 0, ErrMoneySyntax},
		{"--1", 0, ErrMoneySyntax},
		{"١٢", 0, ErrMoneySyntax}, // Arabic-Indic digits are not accepted
		{"10000000000", 0, ErrMoneyRange},
		{"99999999999999999999999", 0, ErrMoneyRange},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseMoney(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tt.in, int64(got), err, int64(tt.want))
		}
	}
}

// FuzzParseMoney: no input panics, and whatever parses prints and parses back
// to the same amount in all three formats.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12,50", "1.234,56", "1,234.56", "-0,05", "€ 3", "1.234", "9999999999,99", ",5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		if m >= maxMoney || m <= -maxMoney {
			t.Fatalf("ParseMoney(%q) = %d, out of range", s, int64(m))
		}
		for _, out := range []string{m.String(), m.Decimal(), m.DecimalComma()} {
			back, err := ParseMoney(out)
			if err != nil || back != m {
				t.Fatalf("ParseMoney(%q) = %d; its form %q parses to %d, %v", s, int64(m), out, int64(back), err)
			}
		}
	})
}

func TestRoundHalfUp(t *testing.T) {
	tests := []struct{ n, d, want int64 }{
		{4999, 10000, 0}, {5000, 10000, 1}, {15000, 10000, 2}, {14999, 10000, 1},
		{-5000, 10000, -1}, {-4999, 10000, 0}, {0, 10000, 0},
	}
	for _, tt := range tests {
		if got := roundHalfUp(tt.n, tt.d); got != tt.want {
			t.Errorf("roundHalfUp(%d, %d) = %d, want %d", tt.n, tt.d, got, tt.want)
		}
	}
}

func TestParseDistance(t *testing.T) {
	tests := []struct {
		in   string
		want Distance
		err  error
	}{
		{"12", 12000, nil},
		{"12,5", 12500, nil},
		{"12.5", 12500, nil},
		{" 0,1 km", 100, nil},
		{"12km", 12000, nil},
		{"10000", 10_000_000, nil},
		{"12,55", 0, ErrDistancePrecision},
		{"-3", 0, ErrDistanceSyntax},
		{"", 0, ErrDistanceSyntax},
		{"12,", 0, ErrDistanceSyntax},
		{"1.2.3", 0, ErrDistanceSyntax},
		{"10000,1", 0, ErrDistanceRange},
		{"123456", 0, ErrDistanceRange},
	}
	for _, tt := range tests {
		got, err := ParseDistance(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseDistance(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDistance(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if got := Distance(12550).String(); got != "12,6 km" {
		t.Errorf("Distance(12550).String() = %q, want 12,6 km", got)
	}
}

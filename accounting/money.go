package accounting

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in euro cents. Every amount in Lotse is a Money; there is
// no floating point anywhere between the user's input and the payment file.
type Money int64

// Euros returns the amount of whole euros plus cents: Euros(12, 50) is 12,50 €.
// For a negative amount pass negative euros and cents (or use Money(-1250)).
func Euros(euros, cents int64) Money { return Money(euros*100 + cents) }

// maxMoney bounds parsed input (ten billion euros) far above any payment, so
// that sums of many items can never overflow int64.
const maxMoney Money = 1_000_000_000_000

// Errors from ParseMoney. They are wrapped with the input; test with errors.Is.
var (
	ErrMoneySyntax    = errors.New("accounting: not an amount (expected e.g. 12,50)")
	ErrMoneyPrecision = errors.New("accounting: more than two decimal places")
	ErrMoneyAmbiguous = errors.New("accounting: ambiguous amount: three digits after a single separator could be thousands")
	ErrMoneyRange     = errors.New("accounting: amount too large")
)

// String formats m for German display: "1.234,56 €", "-0,05 €".
func (m Money) String() string {
	return m.grouped() + " €"
}

// grouped is the German number with thousands dots and a decimal comma.
func (m Money) grouped() string {
	neg, units, cents := m.split()
	s := strconv.FormatUint(units, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	// A dot before every group of three digits counted from the right.
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, ",%02d", cents)
	return b.String()
}

// Decimal formats m as SEPA XML wants it: decimal point, two decimals, no
// grouping ("1234.56").
func (m Money) Decimal() string { return m.plain('.') }

// DecimalComma formats m as DATEV and German spreadsheets want it: decimal
// comma, two decimals, no grouping ("1234,56").
func (m Money) DecimalComma() string { return m.plain(',') }

func (m Money) plain(sep byte) string {
	neg, units, cents := m.split()
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, units, 10)
	b = append(b, sep, byte('0'+cents/10), byte('0'+cents%10))
	return string(b)
}

// split returns the sign, the whole euros and the cents of m; it works for the
// smallest int64 too, whose negation does not fit an int64.
func (m Money) split() (neg bool, units, cents uint64) {
	u := uint64(m)
	if m < 0 {
		neg = true
		u = -u
	}
	return neg, u / 100, u % 100
}

// ParseMoney reads an amount as a person types it: "12,50", "12.50", "12",
// "1.234,56", "1,234.56", "12,5", "-3", with an optional "€" or "EUR" and
// spaces around. When both separators occur, the last one is the decimal
// separator and the other must group thousands. A single separator followed by
// exactly three digits ("1.234") is rejected as ambiguous rather than guessed.
// Errors wrap ErrMoneySyntax, ErrMoneyPrecision, ErrMoneyAmbiguous or
// ErrMoneyRange.
func ParseMoney(s string) (Money, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "€"), "EUR"))
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "€"), "EUR"))
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, strings.TrimSpace(rest)
	} else if rest, ok := strings.CutPrefix(s, "+"); ok {
		s = strings.TrimSpace(rest)
	}
	if s == "" {
		return 0, fmt.Errorf("%w: %q", ErrMoneySyntax, in)
	}
	intPart, frac, err := splitDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", err, in)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%w: %q", ErrMoneyPrecision, in)
	}
	if len(intPart) > 10 {
		return 0, fmt.Errorf("%w: %q", ErrMoneyRange, in)
	}
	var cents int64
	for _, c := range intPart {
		cents = cents*10 + int64(c-'0')
	}
	frac += "00"[len(frac):] // "5" means 50 cents
	cents = cents*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	m := Money(cents)
	if m >= maxMoney {
		return 0, fmt.Errorf("%w: %q", ErrMoneyRange, in)
	}
	if neg {
		m = -m
	}
	return m, nil
}

// splitDecimal splits a number written with '.' and ',' into its integer digits
// (grouping removed) and its fraction digits.
func splitDecimal(s string) (intPart, frac string, err error) {
	last := strings.LastIndexAny(s, ".,")
	if last < 0 {
		if !allDigits(s) {
			return "", "", ErrMoneySyntax
		}
		return s, "", nil
	}
	dec := s[last]
	head, frac := s[:last], s[last+1:]
	if !allDigits(frac) {
		return "", "", ErrMoneySyntax
	}
	group := byte(',')
	if dec == ',' {
		group = '.'
	}
	if strings.IndexByte(head, dec) >= 0 {
		// The same separator twice ("1.234.567"): only thousands grouping
		// can do that, so there is no decimal part. It must group properly.
		if !groupedThousands(s, dec) {
			return "", "", ErrMoneySyntax
		}
		return strings.ReplaceAll(s, string(dec), ""), "", nil
	}
	if strings.IndexByte(head, group) >= 0 {
		if !groupedThousands(head, group) {
			return "", "", ErrMoneySyntax
		}
		head = strings.ReplaceAll(head, string(group), "")
	} else if len(frac) == 3 && len(head) >= 1 && len(head) <= 3 && head[0] != '0' {
		return "", "", ErrMoneyAmbiguous
	}
	if head == "" {
		head = "0" // ",50"
	}
	if !allDigits(head) || frac == "" {
		return "", "", ErrMoneySyntax
	}
	return head, frac, nil
}

// groupedThousands reports whether s is digits in groups of three separated by
// sep, with one to three digits in the first group: "1.234.567".
func groupedThousands(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	for i, p := range parts {
		if !allDigits(p) || len(p) > 3 || (i > 0 && len(p) != 3) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// roundHalfUp divides n by d (d > 0) and rounds half away from zero: the usual
// commercial rounding (kaufmännisches Runden) for cents.
func roundHalfUp(n, d int64) int64 {
	if n < 0 {
		return -((-n + d/2) / d)
	}
	return (n + d/2) / d
}

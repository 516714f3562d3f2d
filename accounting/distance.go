package accounting

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Distance is a travelled distance in whole metres. Claims state km with at
// most one decimal ("12,5 km"), which is always a whole number of metres.
type Distance int64

// Km returns a distance of whole kilometres.
func Km(km int64) Distance { return Distance(km * 1000) }

// maxDistance bounds one trip (10,000 km) so that distance × rate can never
// overflow and a typo like "12500" for "12,5" stands out.
const maxDistance = Distance(10_000_000)

// Errors from ParseDistance.
var (
	ErrDistanceSyntax    = errors.New("accounting: not a distance in km (expected e.g. 12,5)")
	ErrDistancePrecision = errors.New("accounting: km with more than one decimal place")
	ErrDistanceRange     = errors.New("accounting: distance out of range (0 to 10.000 km)")
)

// ParseDistance reads km as a person types them: "12", "12,5", "12.5",
// optionally followed by "km". Negative values and more than one decimal
// place are errors (ErrDistanceSyntax, ErrDistancePrecision, ErrDistanceRange).
func ParseDistance(s string) (Distance, error) {
	in := s
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "km"))
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if !allDigits(whole) || (hasFrac && !allDigits(frac)) {
		return 0, fmt.Errorf("%w: %q", ErrDistanceSyntax, in)
	}
	if len(frac) > 1 {
		return 0, fmt.Errorf("%w: %q", ErrDistancePrecision, in)
	}
	if len(whole) > 5 {
		return 0, fmt.Errorf("%w: %q", ErrDistanceRange, in)
	}
	km, _ := strconv.ParseInt(whole, 10, 64) // at most five digits: cannot fail
	d := Km(km)
	if frac != "" {
		d += Distance(frac[0]-'0') * 100
	}
	if d > maxDistance {
		return 0, fmt.Errorf("%w: %q", ErrDistanceRange, in)
	}
	return d, nil
}

// String formats d in km with one decimal, German style: "12,5 km". Metres
// below 100 are rounded half up.
func (d Distance) String() string {
	tenths := roundHalfUp(int64(d), 100)
	sign := ""
	if tenths < 0 {
		sign, tenths = "-", -tenths
	}
	return fmt.Sprintf("%s%d,%d km", sign, tenths/10, tenths%10)
}

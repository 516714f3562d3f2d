package accounting

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Errors from ValidateIBAN and ValidateBIC.
var (
	ErrIBANCountry  = errors.New("accounting: IBAN country is not in the SEPA area")
	ErrIBANLength   = errors.New("accounting: IBAN has the wrong length for its country")
	ErrIBANChars    = errors.New("accounting: IBAN may hold only letters and digits")
	ErrIBANChecksum = errors.New("accounting: IBAN check digits do not match (typo?)")
	ErrBIC          = errors.New("accounting: BIC must be 8 or 11 letters and digits (e.g. COBADEFFXXX)")
)

// sepaIBANLength is the IBAN length of every country and territory in the
// SEPA scheme (EPC409 country list; Albania, Moldova, Montenegro, North
// Macedonia and Serbia joined in 2024/25). An IBAN from elsewhere cannot be
// paid by a SEPA credit transfer.
var sepaIBANLength = map[string]int{
	"AD": 24, "AL": 28, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
	"DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23,
	"GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "VA": 22,
	// Crown dependencies use the GB format; French overseas territories
	// have their own ISO codes but the French format.
	"GG": 22, "IM": 22, "JE": 22,
	"BL": 27, "GF": 27, "GP": 27, "MF": 27, "MQ": 27, "PM": 27, "RE": 27, "YT": 27,
}

// NormalizeIBAN removes all white space and upper-cases s, the form in which
// IBANs are stored and written to payment files.
func NormalizeIBAN(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// ValidateIBAN normalises s and checks it: a SEPA country, that country's
// length, letters and digits only, and the ISO 7064 MOD 97-10 check digits.
// It returns the normalised IBAN, or an error wrapping ErrIBANCountry,
// ErrIBANLength, ErrIBANChars or ErrIBANChecksum. Errors never repeat the
// IBAN, so they are safe to log.
func ValidateIBAN(s string) (string, error) {
	iban := NormalizeIBAN(s)
	for i := 0; i < len(iban); i++ {
		c := iban[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return "", ErrIBANChars
		}
	}
	if len(iban) < 4 || !isLetter(iban[0]) || !isLetter(iban[1]) || !isDigit(iban[2]) || !isDigit(iban[3]) {
		return "", ErrIBANChars
	}
	want, ok := sepaIBANLength[iban[:2]]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrIBANCountry, iban[:2])
	}
	if len(iban) != want {
		return "", fmt.Errorf("%w: %s needs %d characters, got %d", ErrIBANLength, iban[:2], want, len(iban))
	}
	if ibanMod97(iban) != 1 {
		return "", ErrIBANChecksum
	}
	return iban, nil
}

// ibanMod97 computes the IBAN's remainder modulo 97 with the first four
// characters moved to the end and letters as two-digit numbers (A = 10),
// digit by digit, so no big integers are needed.
func ibanMod97(iban string) int {
	rem := 0
	for i := 0; i < len(iban); i++ {
		c := iban[(i+4)%len(iban)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem
}

// FormatIBAN groups a normalised IBAN in fours for display:
// "DE68 2105 0170 0012 3456 78".
func FormatIBAN(iban string) string {
	var b strings.Builder
	for i := 0; i < len(iban); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(iban[i:min(i+4, len(iban))])
	}
	return b.String()
}

// MaskIBAN shows only the country and the last four characters, for lists and
// mails: "DE** **** **** **** **56 78".
func MaskIBAN(iban string) string {
	iban = NormalizeIBAN(iban)
	b := []byte(iban)
	for i := 2; i < len(b)-4; i++ {
		b[i] = '*'
	}
	return FormatIBAN(string(b))
}

// ValidateBIC normalises s (white space removed, upper case) and checks the
// ISO 9362 shape: four letters or digits for the institution, a two-letter
// country, two letters or digits for the location, optionally three for the
// branch. An empty BIC is valid and stays empty: SEPA payments are IBAN-only
// since 2016. It returns the normalised BIC or ErrBIC.
func ValidateBIC(s string) (string, error) {
	bic := NormalizeIBAN(s)
	if bic == "" {
		return "", nil
	}
	if len(bic) != 8 && len(bic) != 11 {
		return "", ErrBIC
	}
	for i := 0; i < len(bic); i++ {
		c := bic[i]
		ok := isLetter(c) || isDigit(c)
		if i == 4 || i == 5 {
			ok = isLetter(c)
		}
		if !ok {
			return "", ErrBIC
		}
	}
	return bic, nil
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

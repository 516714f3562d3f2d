package geo

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// Errors returned by [NormalizePLZ].
var (
	// ErrPLZEmpty means the input was empty or only spaces.
	ErrPLZEmpty = errors.New("geo: postal code is empty")
	// ErrPLZFormat means the input is not five digits with an optional
	// "D-" or "DE-" prefix.
	ErrPLZFormat = errors.New("geo: postal code must be five digits")
)

// NormalizePLZ returns the canonical five-digit form of a German postal code
// as typed by a person. It removes all spaces anywhere in s (including
// non-breaking, thin and zero-width ones, so "79 539" is accepted), accepts an
// optional "D-" or "DE-" prefix in any case, and then requires exactly five
// ASCII digits. It returns "" and [ErrPLZEmpty] if nothing but spaces was
// given, and "" and [ErrPLZFormat] for anything else that is not a postal code.
// It checks the format only; use [Gazetteer.Lookup] to check that the code
// exists.
func NormalizePLZ(s string) (string, error) {
	if isFiveDigits(s) {
		return s, nil // common case, no allocation
	}
	var buf [len("DE-00000")]byte
	n := 0
	for _, r := range s {
		if isSpace(r) {
			continue
		}
		// Non-ASCII is rejected here, so other scripts' digits ("٧٩٥٣٩") and
		// invalid UTF-8 never count as digits.
		if r >= utf8.RuneSelf || n == len(buf) {
			return "", ErrPLZFormat
		}
		buf[n] = byte(r)
		n++
	}
	b := buf[:n]
	if len(b) == 0 {
		return "", ErrPLZEmpty
	}
	switch {
	case len(b) >= 3 && upper(b[0]) == 'D' && upper(b[1]) == 'E' && b[2] == '-':
		b = b[3:]
	case len(b) >= 2 && upper(b[0]) == 'D' && b[1] == '-':
		b = b[2:]
	}
	if !isFiveDigits(string(b)) {
		return "", ErrPLZFormat
	}
	return string(b), nil
}

// isSpace also counts zero-width space and BOM, which unicode.IsSpace does not
// but which come along when codes are copied from web pages and PDFs.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isFiveDigits(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

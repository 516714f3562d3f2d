package accounting

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// sepaSpecial maps the letters that Unicode decomposition does not reduce to
// a base letter, and the German ones whose customary spelling differs from
// it (ä is "ae", not "a").
var sepaSpecial = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue",
	'ß': "ss", 'ẞ': "SS",
	'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", 'ø': "o", 'Ø': "O",
	'å': "aa", 'Å': "Aa", // Danish, Norwegian, Swedish convention
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D",
	'þ': "th", 'Þ': "Th", 'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŀ': "l", 'Ŀ': "L",
	'&': "+", // EPC conversion table: & is not in the basic set
	'’': "'", '‘': "'", '‚': "'", '´': "'", '`': "'",
	'–': "-", '—': "-", '‐': "-",
}

// sepaAllowed reports whether c is in the SEPA basic Latin character set that
// every bank must accept: a–z A–Z 0–9 / - ? : ( ) . , ' + and space.
func sepaAllowed(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.ContainsRune("/-?:().,'+ ", c)
}

// SEPAText transliterates s into the SEPA basic Latin character set, so no
// bank rejects the file or garbles a name: ä→ae, ö→oe, ü→ue, ß→ss (capitals
// alike), other accented letters lose their accents (é→e, ł→l), & becomes +,
// white space becomes one space, anything else (a run of it) one '.'. The result is trimmed
// and cut to at most max characters (0 if max < 0), never in the middle of a
// transliteration's trailing space.
func SEPAText(s string, max int) string {
	if max <= 0 {
		return ""
	}
	b := make([]byte, 0, min(len(s), max+8))
	space := true     // at the start, swallow leading spaces
	replaced := false // the last byte is a '.' standing for other characters
	emit := func(c byte) {
		replaced = false
		if c == ' ' {
			if space {
				return
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	for _, r := range s {
		if len(b) >= max {
			break
		}
		switch {
		case r < utf8.RuneSelf && sepaAllowed(r):
			emit(byte(r))
		case unicode.IsSpace(r) || unicode.IsControl(r):
			emit(' ')
		default:
			if rep, ok := sepaSpecial[r]; ok {
				for i := 0; i < len(rep); i++ {
					emit(rep[i])
				}
				continue
			}
			if base, ok := baseLetter(r); ok {
				for i := 0; i < len(base); i++ {
					emit(base[i])
				}
				continue
			}
			if unicode.Is(unicode.Mn, r) {
				continue // a combining accent on its own: drop it, the letter stays
			}
			if !replaced { // one '.' for a run of them: a Cyrillic name becomes ". ."
				emit('.')
				replaced = true
			}
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return strings.TrimRight(string(b), " ")
}

// baseLetter decomposes r (NFKD) into ASCII letters and digits plus
// combining marks, and keeps the letters and digits: é → e, ǅ → Dz, ﬁ → fi,
// Ａ → A. Anything else in the decomposition (½ is 1⁄2) makes it fail, so
// the caller writes a '.' rather than a misleading "12".
func baseLetter(r rune) (string, bool) {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.String(string(buf[:n]))
	out := make([]byte, 0, len(d))
	for _, c := range d {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			out = append(out, byte(c))
		case unicode.Is(unicode.Mn, c):
		default:
			return "", false
		}
	}
	return string(out), len(out) > 0
}

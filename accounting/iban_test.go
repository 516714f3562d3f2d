package accounting

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// testIBAN returns a valid IBAN for country and bban by computing its check
// digits, so tests can make as many distinct accounts as they need.
func testIBAN(country, bban string) string {
	rem := ibanMod97(country + "00" + bban)
	return fmt.Sprintf("%s%02d%s", country, 98-rem, bban)
}

func TestValidateIBAN(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"DE68 2105 0170 0012 3456 78", "DE68210501700012345678", nil},
		{"de68210501700012345678", "DE68210501700012345678", nil},
		{"\tDE68 2105\u00a00170 0012 3456 78 ", "DE68210501700012345678", nil}, // pasted with a no-break space
		{"GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", nil},
		{"FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606", nil},
		{"AT61 1904 3002 3457 3201", "AT611904300234573201", nil},
		{"NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", nil},
		{"CH93 0076 2011 6238 5295 7", "CH9300762011623852957", nil},
		{"BE68 5390 0754 7034", "BE68539007547034", nil},
		{"NO93 8601 1117 947", "NO9386011117947", nil},
		{"MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT84MALT011000012345MTLCAST001S", nil},
		{"DE68 2105 0170 0012 3456 79", "", ErrIBANChecksum},
		{"DE86 2105 0170 0012 3456 78", "", ErrIBANChecksum}, // swapped check digits
		{"DE68 2105 0170 0012 3456 7", "", ErrIBANLength},
		{"DE68 2105 0170 0012 3456 788", "", ErrIBANLength},
		{"UA21 3223 1300 0002 6007 2335 6600 1", "", ErrIBANCountry}, // valid, but not SEPA
		{"US12 3456", "", ErrIBANCountry},
		{"DE68-2105-0170-0012-3456-78", "", ErrIBANChars},
		{"DEXX210501700012345678", "", ErrIBANChars},
		{"", "", ErrIBANChars},
		{"DE", "", ErrIBANChars},
		{"DE68 2105 0170 0012 3456 7ä", "", ErrIBANChars},
	}
	for _, tt := range tests {
		got, err := ValidateIBAN(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ValidateIBAN(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateIBAN(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	// Every SEPA country accepts an IBAN of its length with correct digits.
	for cc, n := range sepaIBANLength {
		iban := testIBAN(cc, strings.Repeat("1", n-4))
		if _, err := ValidateIBAN(iban); err != nil {
			t.Errorf("ValidateIBAN(%s) = %v", iban, err)
		}
	}
}

func TestFormatAndMaskIBAN(t *testing.T) {
	if got := FormatIBAN("DE68210501700012345678"); got != "DE68 2105 0170 0012 3456 78" {
		t.Errorf("FormatIBAN = %q", got)
	}
	if got := MaskIBAN("DE68 2105 0170 0012 3456 78"); got != "DE** **** **** **** **56 78" {
		t.Errorf("MaskIBAN = %q", got)
	}
}

func TestValidateBIC(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", "", nil},
		{"COBADEFFXXX", "COBADEFFXXX", nil},
		{"cobadeff", "COBADEFF", nil},
		{"GENO DEM1 GLS", "GENODEM1GLS", nil},
		{"1234DEFF", "1234DEFF", nil}, // institution codes may contain digits since 2014
		{"COBAD1FF", "", ErrBIC},      // country must be letters
		{"COBADEF", "", ErrBIC},
		{"COBADEFFXX", "", ErrBIC},
		{"COBA-DEFF", "", ErrBIC},
	}
	for _, tt := range tests {
		got, err := ValidateBIC(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ValidateBIC(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzValidateIBAN: whatever validates is normalised, of its country's
// length, and validates again unchanged; one changed digit never validates.
func FuzzValidateIBAN(f *testing.F) {
	for _, s := range []string{"DE68 2105 0170 0012 3456 78", "GB82WEST12345698765432", "de00", "", "MT84MALT011000012345MTLCAST001S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iban, err := ValidateIBAN(s)
		if err != nil {
			return
		}
		if n := sepaIBANLength[iban[:2]]; len(iban) != n {
			t.Fatalf("ValidateIBAN(%q) = %q, length %d, want %d", s, iban, len(iban), n)
		}
		if again, err := ValidateIBAN(FormatIBAN(iban)); err != nil || again != iban {
			t.Fatalf("formatted %q does not validate to itself: %q, %v", FormatIBAN(iban), again, err)
		}
		// MOD 97-10 detects every single-digit substitution.
		for i := 4; i < len(iban); i++ {
			if !isDigit(iban[i]) {
				continue
			}
			b := []byte(iban)
			b[i] = '0' + (b[i]-'0'+1)%10
			if _, err := ValidateIBAN(string(b)); err == nil {
				t.Fatalf("%s with position %d changed still validates", iban, i)
			}
		}
	})
}

func TestSEPAText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Jürgen Müller-Lüdenscheidt", 70, "Juergen Mueller-Luedenscheidt"},
		{"Straße", 70, "Strasse"},
		{"ÄÖÜ äöü ß ẞ", 70, "AeOeUe aeoeue ss SS"},
		{"François Gérard-Lefèvre", 70, "Francois Gerard-Lefevre"},
		{"Łukasz Wałęsa", 70, "Lukasz Walesa"},
		{"Søren Ærø", 70, "Soren AEro"},
		{"Ağca İlhan Şahin", 70, "Agca Ilhan Sahin"},
		{"Nguyễn Văn Đức", 70, "Nguyen Van Duc"},
		{"Müller & Söhne", 70, "Mueller + Soehne"},
		{"Fahrt am 3.4.: Tafel (Lörrach) 12,50 €?", 140, "Fahrt am 3.4.: Tafel (Loerrach) 12,50 .?"},
		{"usw... €€€ ...", 70, "usw... . ..."}, // real dots stay, replaced runs shrink
		{"  many   spaces\t\nand\r\nlines  ", 70, "many spaces and lines"},
		{"a\u0308 decomposed", 70, "a decomposed"}, // a + combining diaeresis: the letter stays
		{"Ｆｕｌｌ ｗｉｄｔｈ", 70, "Full width"},
		{"ﬁnal", 70, "final"},
		{"½", 70, "."},
		{"Олена Шевченко", 70, ". ."}, // other scripts: the caller must ask for a Latin spelling
		{"محمد", 70, "."},
		{"50% off; <b>\"quoted\"</b> @home #1 *", 70, "50. off. .b.quoted./b. .home .1 ."},
		{"Müller", 4, "Muel"},
		{"Ä", 1, "A"},
		{"ab cd", 3, "ab"}, // no trailing space after the cut
		{"anything", 0, ""},
		{"anything", -1, ""},
		{"", 10, ""},
		{"\x00\x01\xff", 10, "."},
	}
	for _, tt := range tests {
		if got := SEPAText(tt.in, tt.max); got != tt.want {
			t.Errorf("SEPAText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzSEPAText: the output is always in the SEPA basic set, never longer than
// max, never starts or ends with a space nor holds two in a row, and
// transliterating it again changes nothing.
func FuzzSEPAText(f *testing.F) {
	for _, s := range []string{"Jürgen Müller", "Straße 5", "Олена", "a\u0308", "  x  ", "½&€", "\xff\xfe"} {
		f.Add(s, 70)
	}
	f.Add("Verwendungszweck", 140)
	f.Add("Ä", 1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 300
		out := SEPAText(s, max)
		if utf8.RuneCountInString(out) > max && out != "" {
			t.Fatalf("SEPAText(%q, %d) = %q: %d characters", s, max, out, utf8.RuneCountInString(out))
		}
		for _, r := range out {
			if !sepaAllowed(r) {
				t.Fatalf("SEPAText(%q, %d) = %q holds %q", s, max, out, r)
			}
		}
		if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
			t.Fatalf("SEPAText(%q, %d) = %q: stray spaces", s, max, out)
		}
		if again := SEPAText(out, max); again != out {
			t.Fatalf("SEPAText not idempotent: %q → %q → %q", s, out, again)
		}
	})
}

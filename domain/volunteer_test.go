package domain

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// validSignup returns input that Clean accepts without any field error; the error
// cases change one thing at a time, so the expected map names only that field.
func validSignup() SignupInput {
	return SignupInput{
		Name:             "Amira Haddad",
		Email:            "amira@example.org",
		Phone:            "+49 7621 123456",
		PLZ:              "79539",
		RadiusKm:         10,
		Transport:        []string{"bicycle"},
		Languages:        []LanguageSkill{{Code: "de", Level: "C1"}, {Code: "ar", Level: "native"}},
		Skills:           []string{"interpreting"},
		Availability:     []string{"wed_pm"},
		Capacity:         2,
		MaxHoursPerMonth: 10,
		PrivacyConsent:   true,
		Locale:           "de",
	}
}

func TestSignupInputCleanNormalises(t *testing.T) {
	in := SignupInput{
		Name:             "  Amira \t\n  Haddad \u00a0",
		Email:            "  Amira.Haddad@Example.ORG ",
		Phone:            " 0761 / 123-45 ",
		PLZ:              " 79539 ",
		Municipality:     " 08336050 ",
		RadiusKm:         15,
		Transport:        []string{"car", "foot", "car", "public_transport"},
		Languages:        []LanguageSkill{{Code: "ar", Level: "native"}, {Code: "de", Level: "B2"}},
		Skills:           []string{"mentoring", "housing_search", "mentoring"},
		Availability:     []string{"sun_eve", "mon_am", "wed_pm", "mon_am", "mon_eve"},
		Capacity:         3,
		MaxHoursPerMonth: 20,
		Neighbouring:     true,
		PrivacyConsent:   true,
		Locale:           "  ",
	}
	want := SignupInput{
		Name:         "Amira Haddad",
		Email:        "amira.haddad@example.org",
		Phone:        "0761 / 123-45",
		PLZ:          "79539",
		Municipality: "08336050",
		RadiusKm:     15,
		// Vocabulary order, not input order; duplicates dropped.
		Transport:        []string{"foot", "public_transport", "car"},
		Languages:        []LanguageSkill{{Code: "ar", Level: "native"}, {Code: "de", Level: "B2"}},
		Skills:           []string{"housing_search", "mentoring"},
		Availability:     []string{"mon_am", "mon_eve", "wed_pm", "sun_eve"},
		Capacity:         3,
		MaxHoursPerMonth: 20,
		Neighbouring:     true,
		PrivacyConsent:   true,
		Locale:           "de", // the default
	}
	got, fe := in.Clean()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clean() (-want +got):\n%s", diff)
	}
	if len(fe) != 0 {
		t.Errorf("Clean() field errors: %v", fe)
	}
	// The input is a value; its lists must not have been reordered in place.
	if in.Transport[0] != "car" || in.Availability[0] != "sun_eve" {
		t.Errorf("Clean() changed its input: %v %v", in.Transport, in.Availability)
	}
}

func TestSignupInputCleanLocale(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"", "de", false},
		{"   ", "de", false},
		{"de", "de", false},
		{"en", "en", false},
		{" en ", "en", false},
		{"fr", "fr", true},
		{"EN", "EN", true},
		{"de-DE", "de-DE", true},
	} {
		in := validSignup()
		in.Locale = tc.in
		got, fe := in.Clean()
		if got.Locale != tc.want {
			t.Errorf("Locale %q: got %q, want %q", tc.in, got.Locale, tc.want)
		}
		want := map[string]string{}
		if tc.err {
			want["locale"] = "field.choice.unknown"
		}
		if diff := cmp.Diff(want, map[string]string(fe), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Locale %q: field errors (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestSignupInputCleanKeepsUnknownVisible checks that unknown vocabulary entries are
// dropped from the clean lists but reported, never lost silently.
func TestSignupInputCleanKeepsUnknownVisible(t *testing.T) {
	in := validSignup()
	in.Transport = []string{"car", "rocket"}
	in.Skills = []string{"juggling", "driving"}
	in.Availability = []string{"wed_pm", "wed_noon"}
	got, fe := in.Clean()
	want := map[string]string{
		"transport":    "field.choice.unknown",
		"skills":       "field.choice.unknown",
		"availability": "field.choice.unknown",
	}
	if diff := cmp.Diff(want, map[string]string(fe)); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"car"}, got.Transport); diff != "" {
		t.Errorf("Transport (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"driving"}, got.Skills); diff != "" {
		t.Errorf("Skills (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"wed_pm"}, got.Availability); diff != "" {
		t.Errorf("Availability (-want +got):\n%s", diff)
	}
}

func TestSignupInputCleanErrors(t *testing.T) {
	// A 254-byte address is the longest allowed (RFC 5321 path limit less the
	// angle brackets); the domain is one long label, which net/mail accepts.
	email254 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 254-65-4) + ".org"
	if len(email254) != MaxEmailLen {
		t.Fatalf("email254 has %d bytes", len(email254))
	}

	tests := []struct {
		name string
		edit func(*SignupInput)
		want map[string]string
	}{
		{"valid", func(*SignupInput) {}, nil},
		{"everything missing", func(in *SignupInput) { *in = SignupInput{} }, map[string]string{
			"name":                "field.required",
			"email":               "field.required",
			"plz":                 "field.required",
			"radius_km":           "field.number.min",
			"languages":           "field.languages.required",
			"transport":           "field.choose_one",
			"skills":              "field.choose_one",
			"availability":        "field.choose_one",
			"capacity":            "field.number.min",
			"max_hours_per_month": "field.number.min",
			"privacy_consent":     "field.privacy.required",
		}},

		// Name: counted in runes after CleanText.
		{"name empty", func(in *SignupInput) { in.Name = "" }, map[string]string{"name": "field.required"}},
		{"name only whitespace", func(in *SignupInput) { in.Name = " \t\n\u00a0 " }, map[string]string{"name": "field.required"}},
		{"name only control characters", func(in *SignupInput) { in.Name = "\x00\x1b\x7f" }, map[string]string{"name": "field.required"}},
		{"name 1 rune", func(in *SignupInput) { in.Name = "A" }, map[string]string{"name": "field.too_short"}},
		{"name 1 multibyte rune", func(in *SignupInput) { in.Name = "Ö" }, map[string]string{"name": "field.too_short"}},
		{"name 1 rune after trimming", func(in *SignupInput) { in.Name = "  A\n" }, map[string]string{"name": "field.too_short"}},
		{"name 2 runes", func(in *SignupInput) { in.Name = "Al" }, nil},
		{"name 2 multibyte runes", func(in *SignupInput) { in.Name = "李明" }, nil},
		{"name MaxNameLen runes", func(in *SignupInput) { in.Name = strings.Repeat("a", MaxNameLen) }, nil},
		{"name MaxNameLen multibyte runes", func(in *SignupInput) { in.Name = strings.Repeat("ä", MaxNameLen) }, nil},
		{"name MaxNameLen after collapsing spaces", func(in *SignupInput) {
			in.Name = strings.Repeat("a", MaxNameLen/2) + "      " + strings.Repeat("b", MaxNameLen/2-1)
		}, nil},
		{"name MaxNameLen+1 runes", func(in *SignupInput) { in.Name = strings.Repeat("a", MaxNameLen+1) }, map[string]string{"name": "field.too_long"}},
		{"name MaxNameLen+1 multibyte runes", func(in *SignupInput) { in.Name = strings.Repeat("ä", MaxNameLen+1) }, map[string]string{"name": "field.too_long"}},
		{"name MaxNameLen+1 CJK runes", func(in *SignupInput) { in.Name = strings.Repeat("语", MaxNameLen+1) }, map[string]string{"name": "field.too_long"}},

		// Email: net/mail accepts all of these as an address, but only a bare
		// address with a dotted domain is wanted.
		{"email empty", func(in *SignupInput) { in.Email = "" }, map[string]string{"email": "field.required"}},
		{"email blank", func(in *SignupInput) { in.Email = "   " }, map[string]string{"email": "field.required"}},
		{"email upper case", func(in *SignupInput) { in.Email = "AMIRA@EXAMPLE.ORG" }, nil},
		{"email with display name", func(in *SignupInput) { in.Email = "Amira <amira@example.org>" }, map[string]string{"email": "field.email.invalid"}},
		{"email with quoted display name", func(in *SignupInput) { in.Email = `"Haddad, Amira" <amira@example.org>` }, map[string]string{"email": "field.email.invalid"}},
		{"email in angle brackets", func(in *SignupInput) { in.Email = "<amira@example.org>" }, map[string]string{"email": "field.email.invalid"}},
		{"email with comment", func(in *SignupInput) { in.Email = "amira@example.org (Amira)" }, map[string]string{"email": "field.email.invalid"}},
		{"email quoted local part", func(in *SignupInput) { in.Email = `"amira haddad"@example.org` }, map[string]string{"email": "field.email.invalid"}},
		{"email domain without dot", func(in *SignupInput) { in.Email = "amira@localhost" }, map[string]string{"email": "field.email.invalid"}},
		{"email dot only in local part", func(in *SignupInput) { in.Email = "amira.haddad@localhost" }, map[string]string{"email": "field.email.invalid"}},
		{"email without at", func(in *SignupInput) { in.Email = "amira.example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email without local part", func(in *SignupInput) { in.Email = "@example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email without domain", func(in *SignupInput) { in.Email = "amira@" }, map[string]string{"email": "field.email.invalid"}},
		{"email two at signs", func(in *SignupInput) { in.Email = "amira@home@example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email trailing dot", func(in *SignupInput) { in.Email = "amira@example.org." }, map[string]string{"email": "field.email.invalid"}},
		{"email inner space", func(in *SignupInput) { in.Email = "amira @example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email two addresses", func(in *SignupInput) { in.Email = "amira@example.org, bob@example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email with line break", func(in *SignupInput) { in.Email = "amira@example.org\nBcc: x@example.org" }, map[string]string{"email": "field.email.invalid"}},
		{"email 254 bytes", func(in *SignupInput) { in.Email = email254 }, nil},
		{"email 255 bytes", func(in *SignupInput) { in.Email = "a" + email254 }, map[string]string{"email": "field.email.invalid"}},

		// Phone: optional; 5 to 20 digits with spaces and + - / ( ).
		{"phone empty", func(in *SignupInput) { in.Phone = "" }, nil},
		{"phone blank", func(in *SignupInput) { in.Phone = "  " }, nil},
		{"phone 4 digits", func(in *SignupInput) { in.Phone = "1234" }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone 4 digits with punctuation", func(in *SignupInput) { in.Phone = "+(12) 3-4" }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone 5 digits", func(in *SignupInput) { in.Phone = "12345" }, nil},
		{"phone all punctuation", func(in *SignupInput) { in.Phone = "+49 (0)7621 / 123-45" }, nil},
		{"phone 20 digits", func(in *SignupInput) { in.Phone = "+" + strings.Repeat("1", 20) }, nil},
		{"phone 21 digits", func(in *SignupInput) { in.Phone = "+" + strings.Repeat("1", 21) }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone only punctuation", func(in *SignupInput) { in.Phone = "+-/() " }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone letters", func(in *SignupInput) { in.Phone = "0761 123456 ext" }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone dot", func(in *SignupInput) { in.Phone = "0761.123456" }, map[string]string{"phone": "field.phone.invalid"}},
		{"phone inner line break", func(in *SignupInput) { in.Phone = "0761\n123456" }, map[string]string{"phone": "field.phone.invalid"}},

		{"plz empty", func(in *SignupInput) { in.PLZ = " " }, map[string]string{"plz": "field.required"}},

		// Number bounds.
		{"radius negative", func(in *SignupInput) { in.RadiusKm = -1 }, map[string]string{"radius_km": "field.number.min"}},
		{"radius 0", func(in *SignupInput) { in.RadiusKm = 0 }, map[string]string{"radius_km": "field.number.min"}},
		{"radius 1", func(in *SignupInput) { in.RadiusKm = 1 }, nil},
		{"radius max", func(in *SignupInput) { in.RadiusKm = MaxRadiusKm }, nil},
		{"radius max+1", func(in *SignupInput) { in.RadiusKm = MaxRadiusKm + 1 }, map[string]string{"radius_km": "field.number.max"}},
		{"capacity 0", func(in *SignupInput) { in.Capacity = 0 }, map[string]string{"capacity": "field.number.min"}},
		{"capacity 1", func(in *SignupInput) { in.Capacity = 1 }, nil},
		{"capacity max", func(in *SignupInput) { in.Capacity = MaxCapacity }, nil},
		{"capacity max+1", func(in *SignupInput) { in.Capacity = MaxCapacity + 1 }, map[string]string{"capacity": "field.number.max"}},
		{"hours 0", func(in *SignupInput) { in.MaxHoursPerMonth = 0 }, map[string]string{"max_hours_per_month": "field.number.min"}},
		{"hours 1", func(in *SignupInput) { in.MaxHoursPerMonth = 1 }, nil},
		{"hours max", func(in *SignupInput) { in.MaxHoursPerMonth = MaxHoursMonth }, nil},
		{"hours max+1", func(in *SignupInput) { in.MaxHoursPerMonth = MaxHoursMonth + 1 }, map[string]string{"max_hours_per_month": "field.number.max"}},

		// Languages.
		{"languages nil", func(in *SignupInput) { in.Languages = nil }, map[string]string{"languages": "field.languages.required"}},
		{"languages empty", func(in *SignupInput) { in.Languages = []LanguageSkill{} }, map[string]string{"languages": "field.languages.required"}},
		{"language unknown code", func(in *SignupInput) {
			in.Languages = []LanguageSkill{{Code: "de", Level: "B1"}, {Code: "xx", Level: "B1"}}
		}, map[string]string{"languages": "field.language.unknown"}},
		{"language code upper case", func(in *SignupInput) { in.Languages = []LanguageSkill{{Code: "DE", Level: "B1"}} }, map[string]string{"languages": "field.language.unknown"}},
		{"language code empty", func(in *SignupInput) { in.Languages = []LanguageSkill{{Code: "", Level: "B1"}} }, map[string]string{"languages": "field.language.unknown"}},
		{"language level lower case", func(in *SignupInput) { in.Languages = []LanguageSkill{{Code: "de", Level: "b1"}} }, map[string]string{"languages": "field.language.level"}},
		{"language level missing", func(in *SignupInput) { in.Languages = []LanguageSkill{{Code: "de"}} }, map[string]string{"languages": "field.language.level"}},
		{"language level C3", func(in *SignupInput) { in.Languages = []LanguageSkill{{Code: "de", Level: "C3"}} }, map[string]string{"languages": "field.language.level"}},
		{"language twice", func(in *SignupInput) {
			in.Languages = []LanguageSkill{{Code: "de", Level: "B1"}, {Code: "en", Level: "A2"}, {Code: "de", Level: "C1"}}
		}, map[string]string{"languages": "field.language.twice"}},
		{"language first problem wins", func(in *SignupInput) {
			in.Languages = []LanguageSkill{{Code: "xx", Level: "B1"}, {Code: "de", Level: "Z9"}}
		}, map[string]string{"languages": "field.language.unknown"}},
		{"language every level", func(in *SignupInput) {
			in.Languages = nil
			for i, l := range LanguageLevels {
				in.Languages = append(in.Languages, LanguageSkill{Code: Languages[i], Level: l})
			}
		}, nil},

		// Vocabulary lists: at least one entry, none unknown.
		{"transport nil", func(in *SignupInput) { in.Transport = nil }, map[string]string{"transport": "field.choose_one"}},
		{"transport unknown", func(in *SignupInput) { in.Transport = []string{"rocket"} }, map[string]string{"transport": "field.choice.unknown"}},
		{"transport unknown beside known", func(in *SignupInput) { in.Transport = []string{"car", "rocket"} }, map[string]string{"transport": "field.choice.unknown"}},
		{"transport untrimmed", func(in *SignupInput) { in.Transport = []string{" car"} }, map[string]string{"transport": "field.choice.unknown"}},
		{"skills empty", func(in *SignupInput) { in.Skills = []string{} }, map[string]string{"skills": "field.choose_one"}},
		{"skills unknown", func(in *SignupInput) { in.Skills = []string{"cooking"} }, map[string]string{"skills": "field.choice.unknown"}},
		{"skills empty string", func(in *SignupInput) { in.Skills = []string{""} }, map[string]string{"skills": "field.choice.unknown"}},
		{"availability nil", func(in *SignupInput) { in.Availability = nil }, map[string]string{"availability": "field.choose_one"}},
		{"availability unknown", func(in *SignupInput) { in.Availability = []string{"wed_noon"} }, map[string]string{"availability": "field.choice.unknown"}},
		{"availability upper case", func(in *SignupInput) { in.Availability = []string{"WED_PM"} }, map[string]string{"availability": "field.choice.unknown"}},

		{"no privacy consent", func(in *SignupInput) { in.PrivacyConsent = false }, map[string]string{"privacy_consent": "field.privacy.required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validSignup()
			tc.edit(&in)
			_, fe := in.Clean()
			if diff := cmp.Diff(tc.want, map[string]string(fe), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateRange(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{-1, "field.number.min"}, {2, "field.number.min"}, {3, ""}, {5, ""}, {6, "field.number.max"},
	} {
		fe := FieldErrors{}
		ValidateRange(fe, "n", tc.n, 3, 5)
		if got := fe["n"]; got != tc.want || (tc.want == "" && len(fe) != 0) {
			t.Errorf("ValidateRange(%d, 3, 5) = %v, want %q", tc.n, fe, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Amira Haddad", "Amira Haddad"},
		{"trimmed", "  Amira  ", "Amira"},
		{"tab and newline collapse", "Amira \t\n Haddad", "Amira Haddad"},
		{"CRLF", "Amira\r\nHaddad", "Amira Haddad"},
		{"no-break space", "Amira\u00a0Haddad", "Amira Haddad"},
		{"ideographic space", "李\u3000明", "李 明"},
		{"line separator", "Amira\u2028Haddad", "Amira Haddad"},
		{"paragraph separator", "Amira\u2029Haddad", "Amira Haddad"},
		{"next line (control and space)", "Amira\u0085Haddad", "Amira Haddad"},
		{"vertical tab and form feed", "a\v\fb", "a b"},
		{"NUL removed", "Ami\x00ra", "Amira"},
		{"escape sequence", "a\x1b[31mb", "a[31mb"},
		{"DEL removed", "a\x7fb", "ab"},
		{"C1 control removed", "a\u0080\u009fb", "ab"},
		{"control beside spaces", "a \x00 b", "a b"},
		{"leading and trailing control", "\x00 Amira \x07", "Amira"},
		{"only controls", "\x00\x01\x02", ""},
		{"only spaces", " \t\n\r ", ""},
		{"invalid UTF-8 byte", "Ami\xffra", "Amira"},
		{"truncated UTF-8 sequence", "Zo\xc3", "Zo"},
		{"overlong encoding", "a\xc0\xafb", "ab"},
		{"replacement character", "a\ufffdb", "ab"},
		{"diacritics kept", "Zoë Ørsted-Łukasz", "Zoë Ørsted-Łukasz"},
		{"Arabic kept", " أمیرة  حداد ", "أمیرة حداد"},
		{"combining mark kept", "Jose\u0301", "Jose\u0301"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanText(tc.in); got != tc.want {
				t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzCleanText checks what CleanText promises for any input: valid UTF-8, no
// control characters, single inner spaces, nothing at either end, and a fixed point.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", " a  b ", "a\r\nb", "\x00\xff\xc3", "a\u2028\u0085b", "\u00a0x\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("CleanText(%q) = %q: invalid UTF-8", s, got)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("CleanText(%q) = %q: untrimmed or double space", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || r == utf8.RuneError || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("CleanText(%q) = %q: contains %U", s, got, r)
			}
		}
		if again := CleanText(got); again != got {
			t.Fatalf("CleanText not idempotent: %q → %q → %q", s, got, again)
		}
	})
}

// FuzzSignupInputClean feeds arbitrary text into every text field: Clean must not
// panic, and its clean output must itself be clean.
func FuzzSignupInputClean(f *testing.F) {
	f.Add("Amira Haddad", "amira@example.org", "+49 761 1", "79539", "de", "car")
	f.Add("", "@", "", "", "", "")
	f.Add("\x00", "a@b@c.", "((", " ", "xx", "wed_pm")
	f.Fuzz(func(t *testing.T, name, email, phone, plz, locale, vocab string) {
		in := SignupInput{
			Name: name, Email: email, Phone: phone, PLZ: plz, Locale: locale,
			Transport: []string{vocab}, Skills: []string{vocab}, Availability: []string{vocab},
			Languages: []LanguageSkill{{Code: vocab, Level: vocab}},
		}
		out, _ := in.Clean()
		again, _ := out.Clean()
		if diff := cmp.Diff(out, again); diff != "" {
			t.Fatalf("Clean not idempotent (-first +second):\n%s", diff)
		}
		fe := FieldErrors{}
		ValidateEmail(fe, "email", out.Email)
		if len(fe) == 0 && (len(out.Email) > MaxEmailLen || !strings.Contains(out.Email, "@")) {
			t.Fatalf("ValidateEmail accepted %q", out.Email)
		}
	})
}

func TestIsVolunteerStatus(t *testing.T) {
	for _, tc := range []struct {
		s    VolunteerStatus
		want bool
	}{
		{VolunteerPending, true},
		{VolunteerActive, true},
		{VolunteerInactive, true},
		{VolunteerFormer, true},
		{"", false},
		{"Active", false},
		{"deleted", false},
	} {
		if got := IsVolunteerStatus(tc.s); got != tc.want {
			t.Errorf("IsVolunteerStatus(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestVolunteerLanguageCodes(t *testing.T) {
	v := &Volunteer{Languages: []LanguageSkill{{Code: "ar", Level: "native"}, {Code: "de", Level: "B1"}}}
	if diff := cmp.Diff([]string{"ar", "de"}, v.LanguageCodes()); diff != "" {
		t.Errorf("LanguageCodes (-want +got):\n%s", diff)
	}
	if got := (&Volunteer{}).LanguageCodes(); len(got) != 0 {
		t.Errorf("LanguageCodes of none = %v", got)
	}
}

func TestVolunteerLoad(t *testing.T) {
	for _, tc := range []struct {
		active, capacity, hours, maxHours int
		want                              float64
	}{
		{0, 2, 0, 10, 0},
		{1, 2, 0, 10, 0.5},
		{1, 2, 8, 10, 0.8},  // the hours weigh more than the capacity
		{2, 2, 4, 10, 1},    // full by capacity
		{3, 2, 0, 10, 1.5},  // capacity lowered below what they carry
		{0, 0, 0, 10, 1},    // offers no assignment at all
		{1, 4, 6, 0, 0.25},  // no monthly limit stated
		{0, 1, 12, 10, 1.2}, // hours lowered below what they carry
	} {
		v := Volunteer{ActiveAssignments: tc.active, Capacity: tc.capacity, HoursCommitted: tc.hours, MaxHoursPerMonth: tc.maxHours}
		if got := v.Load(); got != tc.want {
			t.Errorf("%+v: Load() = %v, want %v", tc, got, tc.want)
		}
	}
}

func TestProfileInputClean(t *testing.T) {
	good := ProfileInput{RadiusKm: 10, Transport: []string{"bicycle", "car", "bicycle"}, Availability: []string{"tue_pm", "mon_am"},
		Capacity: 2, MaxHoursPerMonth: 12, Locale: " en "}
	got, fe := good.Clean(2, 12)
	if len(fe) != 0 || got.Locale != "en" || !slices.Equal(got.Availability, []string{"mon_am", "tue_pm"}) || len(got.Transport) != 2 {
		t.Fatalf("Clean(good) = %+v, %v", got, fe)
	}
	for _, tc := range []struct {
		name          string
		change        func(*ProfileInput)
		active, hours int
		field, key    string
	}{
		{"radius", func(p *ProfileInput) { p.RadiusKm = 0 }, 0, 0, "radius_km", "field.number.min"},
		{"transport", func(p *ProfileInput) { p.Transport = []string{"rocket"} }, 0, 0, "transport", "field.choice.unknown"},
		{"no slot", func(p *ProfileInput) { p.Availability = nil }, 0, 0, "availability", "field.choose_one"},
		{"capacity", func(p *ProfileInput) { p.Capacity = MaxCapacity + 1 }, 0, 0, "capacity", "field.number.max"},
		{"capacity below active", func(p *ProfileInput) {}, 3, 0, "capacity", "field.capacity.below_active"},
		{"hours", func(p *ProfileInput) { p.MaxHoursPerMonth = 0 }, 0, 0, "max_hours_per_month", "field.number.min"},
		{"hours below committed", func(p *ProfileInput) {}, 0, 13, "max_hours_per_month", "field.hours.below_committed"},
		{"locale", func(p *ProfileInput) { p.Locale = "xx" }, 0, 0, "locale", "field.choice.unknown"},
	} {
		in := good
		tc.change(&in)
		if _, fe := in.Clean(tc.active, tc.hours); fe[tc.field] != tc.key || len(fe) != 1 {
			t.Errorf("%s: %v, want %s: %s", tc.name, fe, tc.field, tc.key)
		}
	}
}

func TestVolunteerPausedAndMatchID(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		until time.Time
		want  bool
	}{{time.Time{}, false}, {now.Add(-time.Second), false}, {now, false}, {now.Add(time.Second), true}} {
		if got := (&Volunteer{PausedUntil: tc.until}).Paused(now); got != tc.want {
			t.Errorf("paused until %v at %v: %v", tc.until, now, got)
		}
	}
	r, v := NewID(now), NewID(now.Add(time.Second))
	if got := MatchID(r, v); got != r.Hex()+":"+v.Hex() || MatchID(v, r) == got {
		t.Errorf("MatchID = %s", got)
	}
}

func TestBackgroundCheckInput(t *testing.T) {
	yes, no := true, false
	today := "2026-11-23"
	got, fe := BackgroundCheckInput{CertificateDate: " 2026-10-01 ", Suitable: &yes}.Check(today)
	want := BackgroundCheck{InspectedOn: today, CertificateDate: "2026-10-01", Suitable: true, RecheckDue: "2031-10-01"}
	if len(fe) != 0 || got != want {
		t.Fatalf("Check = %+v %v, want %+v", got, fe, want)
	}
	if got.ValidUntil() != "2031-09-30" {
		t.Errorf("ValidUntil = %s", got.ValidUntil())
	}
	for _, tc := range []struct {
		name string
		in   BackgroundCheckInput
		want map[string]string
	}{
		{"missing", BackgroundCheckInput{}, map[string]string{"certificate_date": "field.required", "suitable": "field.required"}},
		{"not a date", BackgroundCheckInput{CertificateDate: "1.10.2026", InspectedOn: "2026-02-30", Suitable: &yes},
			map[string]string{"certificate_date": "field.date.invalid", "inspected_on": "field.date.invalid"}},
		{"future", BackgroundCheckInput{CertificateDate: "2026-11-24", InspectedOn: "2026-11-24", Suitable: &yes},
			map[string]string{"certificate_date": "field.date.future", "inspected_on": "field.date.future"}},
		{"inspected before issued", BackgroundCheckInput{CertificateDate: "2026-11-20", InspectedOn: "2026-11-19", Suitable: &yes},
			map[string]string{"inspected_on": "field.inspection.before_certificate"}},
		{"older than three months", BackgroundCheckInput{CertificateDate: "2026-08-22", Suitable: &yes},
			map[string]string{"certificate_date": "field.certificate.too_old"}},
		{"three months exactly", BackgroundCheckInput{CertificateDate: "2026-08-23", Suitable: &no}, map[string]string{}},
	} {
		if _, fe := tc.in.Check(today); !maps.Equal(map[string]string(fe), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, fe, tc.want)
		}
	}
	unsuitable := BackgroundCheck{Suitable: false, RecheckDue: "2031-10-01"}
	var none *BackgroundCheck
	if unsuitable.ValidUntil() != "" || none.ValidUntil() != "" || (&BackgroundCheck{Suitable: true}).ValidUntil() != "" {
		t.Error("an unsuitable, missing or undated check is valid")
	}
}

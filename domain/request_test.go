package domain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// validRequest returns input that Clean accepts without any field error.
func validRequest() RequestInput {
	return RequestInput{
		Category:       "authority_accompaniment",
		Title:          "Begleitung zur Ausländerbehörde",
		Description:    "Termin wegen Aufenthaltstitel.",
		Municipality:   "08336050",
		PLZ:            "79539",
		LanguagesAny:   []string{"ar"},
		Slots:          []string{"wed_am"},
		Date:           "2026-03-04",
		Time:           "09:30",
		Needed:         1,
		Priority:       0,
		BeneficiaryRef: "WB-2026-0413",
	}
}

func TestRequestInputCleanNormalises(t *testing.T) {
	in := RequestInput{
		Category:       " legal_help ",
		Title:          "  Widerspruch\n gegen   Bescheid ",
		Description:    "\n  Erste Zeile.\n\nZweite Zeile.  \n",
		Municipality:   " 08336050 ",
		PLZ:            " 79539 ",
		LanguagesAny:   []string{"fa", "ar", "de", "fa"},
		Slots:          []string{"sun_eve", "mon_am", "mon_am", "fri_pm"},
		Date:           " 2026-03-04 ",
		Time:           " 09:30 ",
		Needed:         2,
		Priority:       3,
		BeneficiaryRef: " WB-2026-0413 ",
		Lawyer:         &Lawyer{Name: "  RAin Dr.\tWeber ", Contact: " weber@kanzlei.example\n"},
	}
	f := false
	want := RequestInput{
		Category:     "legal_help",
		Title:        "Widerspruch gegen Bescheid",
		Description:  "Erste Zeile.\n\nZweite Zeile.", // free text keeps its inner line breaks
		Municipality: "08336050",
		PLZ:          "79539",
		// Vocabulary order, duplicates dropped.
		LanguagesAny:            []string{"de", "ar", "fa"},
		Slots:                   []string{"mon_am", "fri_pm", "sun_eve"},
		Date:                    "2026-03-04",
		Time:                    "09:30",
		Needed:                  2,
		HoursPerMonth:           4, // legal_help's usual hours
		Priority:                3,
		RequiresBackgroundCheck: &f,
		BeneficiaryRef:          "WB-2026-0413",
		Lawyer:                  &Lawyer{Name: "RAin Dr. Weber", Contact: "weber@kanzlei.example"},
	}
	got, fe := in.Clean()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clean() (-want +got):\n%s", diff)
	}
	if len(fe) != 0 {
		t.Errorf("Clean() field errors: %v", fe)
	}
	// The caller's Lawyer must not have been cleaned in place.
	if in.Lawyer.Name != "  RAin Dr.\tWeber " || got.Lawyer == in.Lawyer {
		t.Errorf("Clean() changed its input's lawyer: %+v", in.Lawyer)
	}
}

func TestRequestInputCleanBackgroundCheck(t *testing.T) {
	// Default: only categories with close contact to minors.
	for _, c := range Skills {
		in := validRequest()
		in.Category = c
		if c == "legal_help" {
			in.Lawyer = &Lawyer{Name: "RA Weber", Contact: "0761 1"}
		}
		got, fe := in.Clean()
		want := c == "homework_help" || c == "mentoring"
		if got.RequiresBackgroundCheck == nil || *got.RequiresBackgroundCheck != want {
			t.Errorf("category %s: RequiresBackgroundCheck = %v, want %v", c, got.RequiresBackgroundCheck, want)
		}
		if len(fe) != 0 {
			t.Errorf("category %s: field errors %v", c, fe)
		}
	}

	yes, no := true, false
	for _, tc := range []struct {
		category string
		in       *bool
		want     bool
	}{
		{"homework_help", &no, false}, // an explicit false is kept
		{"mentoring", &no, false},
		{"driving", &yes, true}, // an explicit true is kept
		{" mentoring ", nil, true},
		{"", nil, false},
		{"unknown", nil, false},
	} {
		in := validRequest()
		in.Category = tc.category
		in.RequiresBackgroundCheck = tc.in
		got, _ := in.Clean()
		if got.RequiresBackgroundCheck == nil || *got.RequiresBackgroundCheck != tc.want {
			t.Errorf("category %q, given %v: RequiresBackgroundCheck = %v, want %v", tc.category, tc.in, got.RequiresBackgroundCheck, tc.want)
		}
	}
}

func TestRequestInputCleanLawyer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		category string
		in       *Lawyer
		want     *Lawyer
		errs     map[string]string
	}{
		{"none for driving", "driving", nil, nil, nil},
		{"empty becomes nil", "driving", &Lawyer{}, nil, nil},
		{"blank becomes nil", "driving", &Lawyer{Name: "  ", Contact: "\t\n"}, nil, nil},
		{"kept for other categories", "driving", &Lawyer{Name: "RA Weber", Contact: "0761 1"}, &Lawyer{Name: "RA Weber", Contact: "0761 1"}, nil},
		{"legal help without lawyer", "legal_help", nil, nil, map[string]string{
			"lawyer_name": "field.lawyer.required", "lawyer_contact": "field.lawyer.contact_required",
		}},
		{"legal help with empty lawyer", "legal_help", &Lawyer{Name: " ", Contact: ""}, nil, map[string]string{
			"lawyer_name": "field.lawyer.required", "lawyer_contact": "field.lawyer.contact_required",
		}},
		{"legal help without contact", "legal_help", &Lawyer{Name: "RA Weber"}, &Lawyer{Name: "RA Weber"}, map[string]string{
			"lawyer_contact": "field.lawyer.contact_required",
		}},
		{"legal help without name", "legal_help", &Lawyer{Contact: "0761 1"}, &Lawyer{Contact: "0761 1"}, map[string]string{
			"lawyer_name": "field.lawyer.required",
		}},
		{"legal help complete", "legal_help", &Lawyer{Name: "RA Weber", Contact: "0761 1"}, &Lawyer{Name: "RA Weber", Contact: "0761 1"}, nil},
		{"name at limit", "driving", &Lawyer{Name: strings.Repeat("ä", MaxNameLen)}, &Lawyer{Name: strings.Repeat("ä", MaxNameLen)}, nil},
		{"name too long", "driving", &Lawyer{Name: strings.Repeat("ä", MaxNameLen+1)}, &Lawyer{Name: strings.Repeat("ä", MaxNameLen+1)}, map[string]string{
			"lawyer_name": "field.too_long",
		}},
		{"contact at limit", "driving", &Lawyer{Contact: strings.Repeat("ä", MaxLawyerContactLen)}, &Lawyer{Contact: strings.Repeat("ä", MaxLawyerContactLen)}, nil},
		// A contact that is too long is reported on its own field, not on the name.
		{"contact too long", "legal_help", &Lawyer{Name: "RA Weber", Contact: strings.Repeat("ä", MaxLawyerContactLen+1)}, &Lawyer{Name: "RA Weber", Contact: strings.Repeat("ä", MaxLawyerContactLen+1)}, map[string]string{
			"lawyer_contact": "field.too_long",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validRequest()
			in.Category = tc.category
			in.Lawyer = tc.in
			got, fe := in.Clean()
			if diff := cmp.Diff(tc.want, got.Lawyer); diff != "" {
				t.Errorf("Lawyer (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.errs, map[string]string(fe), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestInputCleanErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*RequestInput)
		want map[string]string
	}{
		{"valid", func(*RequestInput) {}, nil},
		{"everything missing", func(in *RequestInput) { *in = RequestInput{} }, map[string]string{
			"category":     "field.required",
			"title":        "field.required",
			"municipality": "field.required",
			"plz":          "field.required",
			"needed":       "field.number.min",
		}},
		{"optional parts empty", func(in *RequestInput) {
			in.Description, in.LanguagesAny, in.Slots, in.Date, in.Time, in.BeneficiaryRef = "", nil, nil, "", "", ""
		}, nil},

		{"category blank", func(in *RequestInput) { in.Category = "  " }, map[string]string{"category": "field.required"}},
		{"category unknown", func(in *RequestInput) { in.Category = "cooking" }, map[string]string{"category": "field.choice.unknown"}},
		{"category upper case", func(in *RequestInput) { in.Category = "Driving" }, map[string]string{"category": "field.choice.unknown"}},

		{"title blank", func(in *RequestInput) { in.Title = " \n\x00 " }, map[string]string{"title": "field.required"}},
		{"title 1 rune", func(in *RequestInput) { in.Title = "X" }, nil},
		{"title at limit", func(in *RequestInput) { in.Title = strings.Repeat("ä", MaxTitleLen) }, nil},
		{"title too long", func(in *RequestInput) { in.Title = strings.Repeat("ä", MaxTitleLen+1) }, map[string]string{"title": "field.too_long"}},
		{"description at limit", func(in *RequestInput) { in.Description = strings.Repeat("ü", MaxDescriptionLen) }, nil},
		{"description too long", func(in *RequestInput) { in.Description = strings.Repeat("ü", MaxDescriptionLen+1) }, map[string]string{"description": "field.too_long"}},
		{"description too long before trimming only", func(in *RequestInput) {
			in.Description = "  " + strings.Repeat("ü", MaxDescriptionLen) + "\n"
		}, nil},

		{"municipality blank", func(in *RequestInput) { in.Municipality = " " }, map[string]string{"municipality": "field.required"}},
		{"plz blank", func(in *RequestInput) { in.PLZ = "\t" }, map[string]string{"plz": "field.required"}},

		{"languages unknown", func(in *RequestInput) { in.LanguagesAny = []string{"xx"} }, map[string]string{"languages_any": "field.language.unknown"}},
		{"languages unknown beside known", func(in *RequestInput) { in.LanguagesAny = []string{"ar", "klingon"} }, map[string]string{"languages_any": "field.language.unknown"}},
		{"languages upper case", func(in *RequestInput) { in.LanguagesAny = []string{"AR"} }, map[string]string{"languages_any": "field.language.unknown"}},
		{"slots unknown", func(in *RequestInput) { in.Slots = []string{"mon_night"} }, map[string]string{"slots": "field.choice.unknown"}},
		{"slots unknown beside known", func(in *RequestInput) { in.Slots = []string{"mon_am", "monday"} }, map[string]string{"slots": "field.choice.unknown"}},

		// Date and time.
		{"date only", func(in *RequestInput) { in.Time = "" }, nil},
		{"date trimmed", func(in *RequestInput) { in.Date = " 2026-03-04 " }, nil},
		{"date 30 February", func(in *RequestInput) { in.Date = "2026-02-30" }, map[string]string{"date": "field.date.invalid"}},
		{"date 29 February, no leap year", func(in *RequestInput) { in.Date = "2026-02-29" }, map[string]string{"date": "field.date.invalid"}},
		{"date 29 February, leap year", func(in *RequestInput) { in.Date = "2028-02-29" }, nil},
		{"date month 13", func(in *RequestInput) { in.Date = "2026-13-01" }, map[string]string{"date": "field.date.invalid"}},
		{"date day 0", func(in *RequestInput) { in.Date = "2026-03-00" }, map[string]string{"date": "field.date.invalid"}},
		{"date without zero padding", func(in *RequestInput) { in.Date = "2026-3-4" }, map[string]string{"date": "field.date.invalid"}},
		{"date German format", func(in *RequestInput) { in.Date = "04.03.2026" }, map[string]string{"date": "field.date.invalid"}},
		{"date with time", func(in *RequestInput) { in.Date = "2026-03-04T09:30" }, map[string]string{"date": "field.date.invalid"}},
		{"date five-digit year", func(in *RequestInput) { in.Date = "20260-03-04" }, map[string]string{"date": "field.date.invalid"}},
		{"date non-ASCII digits", func(in *RequestInput) { in.Date = "٢٠٢٦-٠٣-٠٤" }, map[string]string{"date": "field.date.invalid"}},
		{"time 00:00", func(in *RequestInput) { in.Time = "00:00" }, nil},
		{"time 23:59", func(in *RequestInput) { in.Time = "23:59" }, nil},
		{"time 24:00", func(in *RequestInput) { in.Time = "24:00" }, map[string]string{"time": "field.time.invalid"}},
		{"time 09:60", func(in *RequestInput) { in.Time = "09:60" }, map[string]string{"time": "field.time.invalid"}},
		{"time one-digit hour", func(in *RequestInput) { in.Time = "9:30" }, map[string]string{"time": "field.time.invalid"}},
		{"time with seconds", func(in *RequestInput) { in.Time = "09:30:00" }, map[string]string{"time": "field.time.invalid"}},
		{"time without colon", func(in *RequestInput) { in.Time = "0930" }, map[string]string{"time": "field.time.invalid"}},
		{"time with suffix", func(in *RequestInput) { in.Time = "09:30 Uhr" }, map[string]string{"time": "field.time.invalid"}},
		{"time without date", func(in *RequestInput) { in.Date = "" }, map[string]string{"date": "field.date.required_with_time"}},
		{"time without date, blank date", func(in *RequestInput) { in.Date = "  " }, map[string]string{"date": "field.date.required_with_time"}},
		{"bad time without date", func(in *RequestInput) { in.Date, in.Time = "", "24:00" }, map[string]string{
			"date": "field.date.required_with_time", "time": "field.time.invalid",
		}},
		{"bad date and bad time", func(in *RequestInput) { in.Date, in.Time = "2026-02-30", "24:00" }, map[string]string{
			"date": "field.date.invalid", "time": "field.time.invalid",
		}},

		// Number bounds.
		{"needed 0", func(in *RequestInput) { in.Needed = 0 }, map[string]string{"needed": "field.number.min"}},
		{"needed 1", func(in *RequestInput) { in.Needed = 1 }, nil},
		{"needed max", func(in *RequestInput) { in.Needed = MaxNeeded }, nil},
		{"needed max+1", func(in *RequestInput) { in.Needed = MaxNeeded + 1 }, map[string]string{"needed": "field.number.max"}},
		{"priority -1", func(in *RequestInput) { in.Priority = -1 }, map[string]string{"priority": "field.number.min"}},
		{"priority 0", func(in *RequestInput) { in.Priority = 0 }, nil},
		{"priority max", func(in *RequestInput) { in.Priority = MaxPriority }, nil},
		{"priority max+1", func(in *RequestInput) { in.Priority = MaxPriority + 1 }, map[string]string{"priority": "field.number.max"}},

		// Beneficiary reference: a pseudonym such as a case number, never a
		// person's name with a space.
		{"ref case number", func(in *RequestInput) { in.BeneficiaryRef = "WB-2026-0413" }, nil},
		{"ref all allowed punctuation", func(in *RequestInput) { in.BeneficiaryRef = "Fam_Ö/3#2.a-b" }, nil},
		{"ref trimmed", func(in *RequestInput) { in.BeneficiaryRef = "  WB-1  " }, nil},
		{"ref at limit", func(in *RequestInput) { in.BeneficiaryRef = strings.Repeat("Ä", MaxRefLen) }, nil},
		{"ref too long", func(in *RequestInput) { in.BeneficiaryRef = strings.Repeat("Ä", MaxRefLen+1) }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref name with space", func(in *RequestInput) { in.BeneficiaryRef = "Ali Hassan" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref name with tab", func(in *RequestInput) { in.BeneficiaryRef = "Ali\tHassan" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref name with no-break space", func(in *RequestInput) { in.BeneficiaryRef = "Ali\u00a0Hassan" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref name with comma", func(in *RequestInput) { in.BeneficiaryRef = "Hassan,Ali" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref email address", func(in *RequestInput) { in.BeneficiaryRef = "ali@example.org" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref case number with space", func(in *RequestInput) { in.BeneficiaryRef = "WB 2026" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"ref line break", func(in *RequestInput) { in.BeneficiaryRef = "WB\n2026" }, map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validRequest()
			tc.edit(&in)
			_, fe := in.Clean()
			if diff := cmp.Diff(tc.want, map[string]string(fe), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNeedsBackgroundCheckByDefault(t *testing.T) {
	for _, s := range Skills {
		want := s == "homework_help" || s == "mentoring"
		if got := NeedsBackgroundCheckByDefault(s); got != want {
			t.Errorf("NeedsBackgroundCheckByDefault(%q) = %v, want %v", s, got, want)
		}
	}
	if NeedsBackgroundCheckByDefault("") || NeedsBackgroundCheckByDefault("Mentoring") {
		t.Error("unknown categories need a background check by default")
	}
}

func TestUsualHoursPerMonth(t *testing.T) {
	for _, s := range Skills {
		if _, ok := usualHours[s]; !ok {
			t.Errorf("category %s has no usual hours", s)
		}
	}
	if got := UsualHoursPerMonth("unknown"); got != 4 {
		t.Errorf("UsualHoursPerMonth(unknown) = %d, want 4", got)
	}
	// An empty field takes the category's usual hours; a stated one is kept and
	// checked.
	for _, tc := range []struct {
		category string
		in, want int
		err      string
	}{
		{"language_cafe", 0, 8, ""},
		{"housing_search", 0, 6, ""},
		{"housing_search", 2, 2, ""},
		{"housing_search", MaxHoursMonth, MaxHoursMonth, ""},
		{"housing_search", MaxHoursMonth + 1, MaxHoursMonth + 1, "field.number.max"},
		{"housing_search", -1, -1, "field.number.min"},
	} {
		in := validRequest()
		in.Category, in.HoursPerMonth, in.Lawyer = tc.category, tc.in, nil
		got, fe := in.Clean()
		if got.HoursPerMonth != tc.want || fe["hours_per_month"] != tc.err {
			t.Errorf("%s %d: hours %d, error %q; want %d, %q", tc.category, tc.in, got.HoursPerMonth, fe["hours_per_month"], tc.want, tc.err)
		}
	}
}

func TestRequestStatusCanMove(t *testing.T) {
	all := []RequestStatus{RequestOpen, RequestMatched, RequestDone, RequestCancelled, "", "lost"}
	// allowed[from][to]; everything not listed is refused, including staying put.
	allowed := map[RequestStatus]map[RequestStatus]bool{
		RequestOpen:    {RequestMatched: true, RequestDone: true, RequestCancelled: true},
		RequestMatched: {RequestOpen: true, RequestDone: true, RequestCancelled: true},
		// Done and cancelled are final.
	}
	for _, from := range all {
		for _, to := range all {
			if got, want := from.CanMove(to), allowed[from][to]; got != want {
				t.Errorf("%q.CanMove(%q) = %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestIsRequestStatus(t *testing.T) {
	for _, tc := range []struct {
		s    RequestStatus
		want bool
	}{
		{RequestOpen, true}, {RequestMatched, true}, {RequestDone, true}, {RequestCancelled, true},
		{"", false}, {"Open", false}, {"closed", false},
	} {
		if got := IsRequestStatus(tc.s); got != tc.want {
			t.Errorf("IsRequestStatus(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// FuzzRequestInputClean feeds arbitrary text into the text fields: Clean must not
// panic, and its output must be a fixed point.
func FuzzRequestInputClean(f *testing.F) {
	f.Add("legal_help", "Titel", "2026-02-30", "24:00", "WB-1", "RA", "ar")
	f.Add("", "\x00", "", "9:30", "Ali Hassan", " ", "")
	f.Fuzz(func(t *testing.T, category, title, date, tm, ref, lawyer, vocab string) {
		in := RequestInput{
			Category: category, Title: title, Description: title, Municipality: ref, PLZ: ref,
			LanguagesAny: []string{vocab}, Slots: []string{vocab}, Date: date, Time: tm,
			BeneficiaryRef: ref, Lawyer: &Lawyer{Name: lawyer, Contact: lawyer},
		}
		out, _ := in.Clean()
		again, _ := out.Clean()
		if diff := cmp.Diff(out, again); diff != "" {
			t.Fatalf("Clean not idempotent (-first +second):\n%s", diff)
		}
	})
}

package domain

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSlots(t *testing.T) {
	want := []string{
		"mon_am", "mon_pm", "mon_eve",
		"tue_am", "tue_pm", "tue_eve",
		"wed_am", "wed_pm", "wed_eve",
		"thu_am", "thu_pm", "thu_eve",
		"fri_am", "fri_pm", "fri_eve",
		"sat_am", "sat_pm", "sat_eve",
		"sun_am", "sun_pm", "sun_eve",
	}
	got := Slots()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Slots() (-want +got):\n%s", diff)
	}
	// Each call is a fresh slice, so a caller cannot spoil the vocabulary.
	got[0] = "spoiled"
	if Slots()[0] != "mon_am" || !IsSlot("mon_am") || IsSlot("spoiled") {
		t.Error("Slots() shares its backing array")
	}
}

func TestVocabularyLists(t *testing.T) {
	lists := map[string][]string{
		"Skills":         Skills,
		"Languages":      Languages,
		"LanguageLevels": LanguageLevels,
		"Weekdays":       Weekdays,
		"DayParts":       DayParts,
		"TransportModes": TransportModes,
		"Locales":        Locales,
		"RTLLanguages":   RTLLanguages,
		"Slots":          Slots(),
	}
	for name, list := range lists {
		if len(list) == 0 {
			t.Errorf("%s is empty", name)
		}
		seen := map[string]bool{}
		for _, v := range list {
			if v == "" || seen[v] {
				t.Errorf("%s: empty or duplicate entry %q", name, v)
			}
			seen[v] = true
		}
	}
	for _, l := range RTLLanguages {
		if !IsLanguage(l) {
			t.Errorf("RTL language %q is not in Languages", l)
		}
	}
	for _, l := range Locales {
		if !IsLanguage(l) {
			t.Errorf("locale %q is not in Languages", l)
		}
	}
	// Slot names are built as weekday_daypart; an underscore inside a part would
	// make them ambiguous.
	for _, p := range slices.Concat(Weekdays, DayParts) {
		if slices.Contains([]rune(p), '_') {
			t.Errorf("slot part %q contains an underscore", p)
		}
	}
	if len(Slots()) != 21 {
		t.Errorf("len(Slots()) = %d, want 21", len(Slots()))
	}
	if Locales[0] != "de" {
		t.Errorf("default locale %q is not first", Locales[0])
	}
}

func TestIsHelpers(t *testing.T) {
	for _, tc := range []struct {
		name string
		is   func(string) bool
		yes  []string
		no   []string
	}{
		{"IsSlot", IsSlot,
			[]string{"mon_am", "wed_pm", "sun_eve"},
			[]string{"", "mon", "am", "mon_night", "Mon_am", "mon-am", "mon_am ", "eve_sun"}},
		{"IsSkill", IsSkill,
			[]string{"housing_search", "legal_help", "driving", "homework_help"},
			[]string{"", "cooking", "Driving", "legal help"}},
		{"IsLanguage", IsLanguage,
			[]string{"de", "ar", "prs", "uk", "ti"},
			[]string{"", "DE", "deu", "xx", "de-DE", "ua"}},
		{"IsLanguageLevel", IsLanguageLevel,
			[]string{"A1", "B2", "C2", "native"},
			[]string{"", "a1", "C3", "Native", "A"}},
		{"IsTransport", IsTransport,
			[]string{"foot", "bicycle", "public_transport", "car"},
			[]string{"", "bike", "Car", "public transport"}},
		{"IsLocale", IsLocale,
			[]string{"de", "en"},
			[]string{"", "ar", "DE", "de-DE"}},
	} {
		for _, s := range tc.yes {
			if !tc.is(s) {
				t.Errorf("%s(%q) = false, want true", tc.name, s)
			}
		}
		for _, s := range tc.no {
			if tc.is(s) {
				t.Errorf("%s(%q) = true, want false", tc.name, s)
			}
		}
	}
}

func TestIsHelpersCoverTheirLists(t *testing.T) {
	for _, tc := range []struct {
		name string
		list []string
		is   func(string) bool
	}{
		{"Skills", Skills, IsSkill},
		{"Languages", Languages, IsLanguage},
		{"LanguageLevels", LanguageLevels, IsLanguageLevel},
		{"TransportModes", TransportModes, IsTransport},
		{"Locales", Locales, IsLocale},
		{"Slots", Slots(), IsSlot},
	} {
		for _, v := range tc.list {
			if !tc.is(v) {
				t.Errorf("%s entry %q is refused by its helper", tc.name, v)
			}
		}
	}
}

func TestNormalizeSet(t *testing.T) {
	order := []string{"a", "b", "c", "d"}
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, []string{}},
		{"in order", []string{"a", "c"}, []string{"a", "c"}},
		{"reordered", []string{"d", "b", "a"}, []string{"a", "b", "d"}},
		{"duplicates", []string{"c", "a", "c", "c"}, []string{"a", "c"}},
		{"unknown dropped", []string{"x", "b", "B", " b"}, []string{"b"}},
		{"only unknown", []string{"x"}, []string{}},
	} {
		if diff := cmp.Diff(tc.want, normalizeSet(tc.in, order)); diff != "" {
			t.Errorf("%s: normalizeSet (-want +got):\n%s", tc.name, diff)
		}
	}
}

package domain

import "slices"

// Skills is the one vocabulary for volunteer skills and request categories
// (contracts/matching.md), in display order.
var Skills = []string{
	"housing_search", "legal_help", "job_speed_dating", "authority_accompaniment",
	"language_cafe", "homework_help", "interpreting", "mentoring", "training",
	"event_help", "driving",
}

// Languages lists the codes the forms offer: ISO 639-1 where one exists, else
// ISO 639-3 (prs = Dari), as the matching contract requires.
var Languages = []string{
	"de", "en", "ar", "uk", "ru", "tr", "fa", "prs", "ku", "ti", "ps", "so", "sq",
	"ro", "pl", "fr", "es", "it", "bg",
}

// LanguageLevels are CEFR levels plus native.
var LanguageLevels = []string{"A1", "A2", "B1", "B2", "C1", "C2", "native"}

// Weekdays and DayParts make up availability slots such as "wed_pm".
var (
	Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	DayParts = []string{"am", "pm", "eve"} // 08–12, 12–17, 17–21
)

// TransportModes a volunteer may use to reach people.
var TransportModes = []string{"foot", "bicycle", "public_transport", "car"}

// Locales the user interface is offered in. German is the default.
var Locales = []string{"de", "en"}

// RTLLanguages are written right to left; pages in them get dir="rtl".
var RTLLanguages = []string{"ar", "fa", "prs", "ps", "ku"}

// Slots returns every availability slot in week order.
func Slots() []string {
	out := make([]string, 0, len(Weekdays)*len(DayParts))
	for _, d := range Weekdays {
		for _, p := range DayParts {
			out = append(out, d+"_"+p)
		}
	}
	return out
}

var slotSet = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range Slots() {
		m[s] = true
	}
	return m
}()

// IsSlot reports whether s is a valid slot like "wed_pm".
func IsSlot(s string) bool { return slotSet[s] }

// IsSkill reports whether s is in the skills vocabulary.
func IsSkill(s string) bool { return slices.Contains(Skills, s) }

// IsLanguage reports whether code is an offered language code.
func IsLanguage(code string) bool { return slices.Contains(Languages, code) }

// IsLanguageLevel reports whether l is A1–C2 or native.
func IsLanguageLevel(l string) bool { return slices.Contains(LanguageLevels, l) }

// IsTransport reports whether m is a known transport mode.
func IsTransport(m string) bool { return slices.Contains(TransportModes, m) }

// IsLocale reports whether l is a supported interface locale.
func IsLocale(l string) bool { return slices.Contains(Locales, l) }

// normalizeSet sorts in vocabulary order and drops duplicates, so stored lists are
// canonical and comparisons cheap.
func normalizeSet(in []string, order []string) []string {
	out := make([]string, 0, len(in))
	for _, o := range order {
		if slices.Contains(in, o) {
			out = append(out, o)
		}
	}
	return out
}

package handlers

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/templates"
)

// Fuzz tests for every binder of outside input: the sign-up form and JSON, the
// request form, JSON and merge patch. Run one with
//
//	go test -run '^$' -fuzz FuzzBindSignup -fuzztime 30s ./handlers/

// formContext is a Gin context holding a POSTed form body.
func formContext(body string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("POST", "/", strings.NewReader(body))
	c.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c
}

func fuzzTranslator(f *testing.F) *templates.Translator {
	tr, err := templates.LoadTranslator()
	if err != nil {
		f.Fatal(err)
	}
	return tr
}

var signupFields = []string{"name", "email", "phone", "plz", "municipality", "radius_km", "transport",
	"languages", "skills", "availability", "capacity", "max_hours_per_month", "privacy_consent", "locale"}

var signupSeeds = []string{
	url.Values{"name": {"Sabine Müller"}, "email": {"Sabine@Example.org "}, "plz": {"79539"}, "radius_km": {"15"},
		"transport": {"bicycle", "bicycle"}, "lang_0": {"de"}, "level_0": {"native"}, "lang_1": {"ar"}, "level_1": {"B1"},
		"skills": {"housing_search"}, "availability": {"mon_am"}, "capacity": {"2"}, "max_hours_per_month": {"10"},
		"privacy_consent": {"true"}, "locale": {"en"}}.Encode(),
	"",
	"name=%00%FF&email=a@b&radius_km=-1&capacity=99999999999999999999&lang_0=xx&level_0=Z9",
	"name=+++&lang_0=de&level_0=native&lang_0=ar&lang_9=ti&level_9=A1&transport=car&transport=",
	"name=" + strings.Repeat("ä", 300) + "&email=" + strings.Repeat("x", 300) + "@example.org",
}

// FuzzBindSignup feeds arbitrary form bodies through the sign-up binder and the
// validation the service runs.
func FuzzBindSignup(f *testing.F) {
	tr := fuzzTranslator(f)
	for _, s := range signupSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkSignup(t, tr, bindSignupForm(formContext(body)))
	})
}

// FuzzDecodeSignupJSON does the same for POST /api/v1/signup bodies.
func FuzzDecodeSignupJSON(f *testing.F) {
	tr := fuzzTranslator(f)
	for _, s := range []string{
		`{"name":"Jonas Becker","email":"jonas@example.org","plz":"79589","radius_km":10,"transport":["car"],
		  "languages":[{"code":"uk","level":"B2"}],"skills":["driving"],"availability":["sat_am"],"capacity":1,
		  "max_hours_per_month":6,"neighbouring_municipalities":true,"privacy_consent":true,"locale":"de"}`,
		`{"name":"x"}{"name":"y"}`, `{"languages":[{"code":"ar","level":"native"},{"code":"ar","level":"C1"}]}`,
		`{"radius_km":1e3}`, `{"capacity":-0}`, `{"name":"\u0000\ud800"}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.SignupInput
		if err := decodeStrict(bytes.NewReader(body), &in); err != nil {
			return // a 400 for the client; nothing else happens
		}
		checkSignup(t, tr, in)
	})
}

// checkSignup states what must hold for any bound input: cleaning is idempotent,
// every error names a form field and a message that exists, and accepted input
// satisfies every rule.
func checkSignup(t *testing.T, tr *templates.Translator, in domain.SignupInput) {
	clean, fe := in.Clean()
	again, fe2 := clean.Clean()
	if !reflect.DeepEqual(clean, again) {
		t.Fatalf("Clean is not idempotent:\n%+v\n%+v", clean, again)
	}
	if len(fe) == 0 && len(fe2) != 0 {
		t.Fatalf("clean input fails validation: %v", fe2)
	}
	checkFieldErrors(t, tr, fe, signupFields)
	if len(fe) > 0 {
		return
	}
	n := utf8.RuneCountInString(clean.Name)
	switch {
	case !utf8.ValidString(clean.Name) || n < 2 || n > domain.MaxNameLen:
		t.Fatalf("accepted name %q", clean.Name)
	case clean.Email != strings.ToLower(clean.Email) || !strings.Contains(clean.Email, "@") || len(clean.Email) > domain.MaxEmailLen:
		t.Fatalf("accepted email %q", clean.Email)
	case clean.RadiusKm < 1 || clean.RadiusKm > domain.MaxRadiusKm || clean.Capacity < 1 || clean.Capacity > domain.MaxCapacity:
		t.Fatalf("accepted radius %d, capacity %d", clean.RadiusKm, clean.Capacity)
	case !domain.IsLocale(clean.Locale) || !clean.PrivacyConsent:
		t.Fatalf("accepted locale %q, consent %v", clean.Locale, clean.PrivacyConsent)
	}
	allKnown(t, "transport", clean.Transport, domain.IsTransport)
	allKnown(t, "skills", clean.Skills, domain.IsSkill)
	allKnown(t, "availability", clean.Availability, domain.IsSlot)
	for _, l := range clean.Languages {
		if !domain.IsLanguage(l.Code) || !domain.IsLanguageLevel(l.Level) {
			t.Fatalf("accepted language %+v", l)
		}
	}
}

func allKnown(t *testing.T, field string, got []string, known func(string) bool) {
	t.Helper()
	if len(got) == 0 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("%s: want a sorted set of at least one, got %q", field, got)
	}
	for _, s := range got {
		if !known(s) {
			t.Fatalf("%s: accepted %q", field, s)
		}
	}
}

// checkFieldErrors requires every error to name a known field and a message
// that both languages translate.
func checkFieldErrors(t *testing.T, tr *templates.Translator, fe domain.FieldErrors, fields []string) {
	t.Helper()
	for field, key := range fe {
		if !slices.Contains(fields, field) {
			t.Fatalf("error for unknown field %q", field)
		}
		if !tr.HasKey(key) {
			t.Fatalf("field %s: message key %q has no translation", field, key)
		}
	}
}

var requestFields = []string{"category", "title", "description", "municipality", "plz", "languages_any", "slots",
	"date", "time", "needed", "hours_per_month", "priority", "beneficiary_ref", "lawyer_name", "lawyer_contact", "requires_background_check"}

// FuzzBindRequestForm feeds arbitrary bodies through the request form binder.
func FuzzBindRequestForm(f *testing.F) {
	tr := fuzzTranslator(f)
	for _, s := range []string{
		url.Values{"category": {"legal_help"}, "title": {"Widerspruch"}, "municipality": {"08336050"}, "plz": {"79539"},
			"needed": {"1"}, "priority": {""}, "lawyer_name": {"RA Weber"}, "lawyer_contact": {"0761 123"},
			"date": {"2026-12-01"}, "time": {"09:30"}, "requires_background_check": {"no"}}.Encode(),
		"needed=x&priority=-0&date=2026-02-30&time=24:00&beneficiary_ref=Ahmad+K.",
		"category=homework_help&title=%C3%A4&needed=1&slots=mon_am&slots=mon_am&languages_any=ti",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form := bindRequestForm(formContext(body))
		in, own := form.input()
		for field, key := range own {
			if !slices.Contains(requestFields, field) || !tr.HasKey(key) {
				t.Fatalf("binder error %s=%s", field, key)
			}
		}
		checkRequest(t, tr, in)
		if len(own) > 0 {
			// A number that did not parse must never let the input through.
			if _, fe := in.Clean(); len(fe) == 0 {
				t.Fatalf("unparsable %v accepted", own)
			}
		}
	})
}

// FuzzDecodeRequestJSON covers POST /api/v1/requests and the merge patch.
func FuzzDecodeRequestJSON(f *testing.F) {
	tr := fuzzTranslator(f)
	for _, s := range []string{
		`{"category":"homework_help","title":"Mathe","municipality":"08336050","plz":"79539","languages_any":["ar"],
		  "slots":["tue_pm"],"needed":1,"beneficiary_ref":"WB-2026-0007"}`,
		`{"lawyer":null,"priority":null,"status":"done"}`, `{"needed":1}{}`, `{"date":"2026-13-01","time":"7:00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.RequestInput
		if decodeStrict(bytes.NewReader(body), &in) == nil {
			checkRequest(t, tr, in)
		}
		// The patch decoder must agree with the strict decoder on what is JSON.
		if _, err := decodeRequestPatch(body); err == nil {
			var probe map[string]any
			if decodeStrict(bytes.NewReader(body), &probe) != nil {
				t.Fatalf("patch accepted what is not one JSON object: %q", body)
			}
		}
	})
}

func checkRequest(t *testing.T, tr *templates.Translator, in domain.RequestInput) {
	t.Helper()
	clean, fe := in.Clean()
	again, fe2 := clean.Clean()
	if !reflect.DeepEqual(clean, again) {
		t.Fatalf("Clean is not idempotent:\n%+v\n%+v", clean, again)
	}
	if len(fe) == 0 && len(fe2) != 0 {
		t.Fatalf("clean input fails validation: %v", fe2)
	}
	checkFieldErrors(t, tr, fe, requestFields)
	if len(fe) > 0 {
		return
	}
	if clean.Category == "legal_help" && (clean.Lawyer == nil || clean.Lawyer.Name == "" || clean.Lawyer.Contact == "") {
		t.Fatalf("legal help accepted without a supervising lawyer: %+v", clean.Lawyer)
	}
	if clean.Needed < 1 || clean.Needed > domain.MaxNeeded || clean.Priority < 0 || clean.Priority > domain.MaxPriority {
		t.Fatalf("accepted needed %d, priority %d", clean.Needed, clean.Priority)
	}
	if !domain.IsSkill(clean.Category) || clean.RequiresBackgroundCheck == nil {
		t.Fatalf("accepted category %q, background check %v", clean.Category, clean.RequiresBackgroundCheck)
	}
}

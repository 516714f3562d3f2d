package templates_test

import (
	"maps"
	"strings"
	"testing"

	"lotse/templates"
)

// arabicFixture returns the shipped catalogs plus an "ar" one: the English
// texts marked, standing in for a translation.
func arabicFixture(t *testing.T) map[string]map[string]string {
	t.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	catalogs := map[string]map[string]string{}
	for _, lang := range tr.Langs() {
		catalogs[lang] = tr.Catalog(lang)
	}
	ar := maps.Clone(catalogs["en"])
	for k, v := range ar {
		ar[k] = "ع " + v
	}
	catalogs["ar"] = ar
	return catalogs
}

// TestNewLanguage: a complete catalog is all a language needs; one missing a
// key is refused at start with the key named.
func TestNewLanguage(t *testing.T) {
	catalogs := arabicFixture(t)
	tr, err := templates.NewTranslator(catalogs)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Has("ar") || !strings.HasPrefix(tr.T("ar", "nav.about"), "ع ") {
		t.Errorf("ar: %v %q", tr.Langs(), tr.T("ar", "nav.about"))
	}
	delete(catalogs["ar"], "nav.about")
	catalogs["uk"] = map[string]string{"nav.about": "Про Lotse"}
	_, err = templates.NewTranslator(catalogs)
	if err == nil || !strings.Contains(err.Error(), "ar:nav.about") || !strings.Contains(err.Error(), "uk:signup.title") {
		t.Errorf("incomplete catalogs: %v", err)
	}
}

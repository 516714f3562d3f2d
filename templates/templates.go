// Package templates holds the embedded pages, mails, message catalogs and static
// assets, and the translator that looks messages up by key and language.
package templates

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// FS holds html/ (pages), email/ (mails), locales/ (catalogs) and static/.
//
//go:embed html email email/_footer.txt email/_footer.html locales static
var FS embed.FS

// DefaultLang is the language of the interface when nothing else is known.
const DefaultLang = "de"

// Translator looks up messages by language and key. It is built once at start and
// read concurrently.
type Translator struct {
	catalogs map[string]map[string]string
	langs    []string
}

// LoadTranslator reads every locales/*.json catalog. It fails when a catalog is
// broken or a key of the default language is missing in another language, so a
// missing translation stops the start instead of showing a raw key.
func LoadTranslator() (*Translator, error) {
	catalogs := map[string]map[string]string{}
	entries, err := fs.ReadDir(FS, "locales")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		lang, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		b, err := FS.ReadFile("locales/" + e.Name())
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("templates: locales/%s: %w", e.Name(), err)
		}
		catalogs[lang] = m
	}
	return NewTranslator(catalogs)
}

// NewTranslator builds a Translator from catalogs by language, with the
// checks of LoadTranslator. A new language is one more complete catalog:
// Ukrainian as locales/uk.json, Arabic as locales/ar.json (pages and mails in
// a language of domain.RTLLanguages are written right to left).
func NewTranslator(catalogs map[string]map[string]string) (*Translator, error) {
	t := &Translator{catalogs: catalogs}
	for lang := range catalogs {
		t.langs = append(t.langs, lang)
	}
	base, ok := t.catalogs[DefaultLang]
	if !ok {
		return nil, fmt.Errorf("templates: no catalog for %s", DefaultLang)
	}
	var missing []string
	for lang, m := range t.catalogs {
		for k := range base {
			if _, ok := m[k]; !ok {
				missing = append(missing, lang+":"+k)
			}
		}
		for k := range m {
			if _, ok := base[k]; !ok {
				missing = append(missing, DefaultLang+":"+k)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("templates: missing translations: %s", strings.Join(missing, ", "))
	}
	slices.Sort(t.langs)
	return t, nil
}

// Langs returns the languages with a catalog, sorted.
func (t *Translator) Langs() []string { return t.langs }

// Catalog returns a copy of lang's messages.
func (t *Translator) Catalog(lang string) map[string]string { return maps.Clone(t.catalogs[lang]) }

// With returns a Translator that also has lang with catalog, checked like
// LoadTranslator checks the shipped ones.
func (t *Translator) With(lang string, catalog map[string]string) (*Translator, error) {
	catalogs := maps.Clone(t.catalogs)
	catalogs[lang] = catalog
	return NewTranslator(catalogs)
}

// Has reports whether lang has a catalog.
func (t *Translator) Has(lang string) bool { _, ok := t.catalogs[lang]; return ok }

// T returns the message for key in lang, with {name} placeholders replaced from
// args given as name, value pairs. An unknown key returns the key itself, which
// TestEveryKeyTranslated keeps from happening.
func (t *Translator) T(lang, key string, args ...any) string {
	m, ok := t.catalogs[lang]
	if !ok {
		m = t.catalogs[DefaultLang]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// HasKey reports whether key exists (in the default catalog, hence in all).
func (t *Translator) HasKey(key string) bool { _, ok := t.catalogs[DefaultLang][key]; return ok }

var keyShaped = regexp.MustCompile(`\b([a-z][a-z0-9_]*)(\.[A-Za-z0-9_]+)+\b`)

// RawKeys returns the words in rendered text that look like message keys of
// the catalog's namespaces ("signup.title"): what T returns for a key it does
// not know. Tests use it to find untranslated output.
func (t *Translator) RawKeys(s string) []string {
	ns := map[string]bool{}
	for k := range t.catalogs[DefaultLang] {
		ns[strings.SplitN(k, ".", 2)[0]] = true
	}
	var out []string
	for _, m := range keyShaped.FindAllStringSubmatch(s, -1) {
		if ns[m[1]] {
			out = append(out, m[0])
		}
	}
	return out
}

package templates_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lotse/accounting"
	"lotse/domain"
	"lotse/store"
	"lotse/templates"
)

// knownUnused are catalog keys nothing uses yet. They are kept on purpose until
// someone decides between using and deleting them; the test fails when a key
// outside this list falls out of use, and when a key here is used again or gone,
// so the list stays true.
var knownUnused = []string{
	"field.invalid",          // generic field message; every check has its own
	"signup.privacy.version", // "Fassung": the privacy version is not shown anywhere
	"volunteer.not_found",    // an unknown volunteer gets the generic error.not_found
	"volunteers.since",       // no "since" column in the volunteer list
}

// rateFields are the text inputs of the rates page (rate-input).
var rateFields = []string{"valid_from", "name", "source", "car", "motorbike", "bicycle", "ebike", "passenger",
	"per_trip_cap", "raised_car", "raised_rule", "exclusion_months", "detour_factor"}

// dynamicKeys lists, for each prefix a template completes at run time with
// {{t (print "prefix." value)}}, every value it can be completed with.
func dynamicKeys(tr *templates.Translator) map[string][]string {
	var priorities []string
	for p := 0; p <= domain.MaxPriority; p++ {
		priorities = append(priorities, strconv.Itoa(p))
	}
	return map[string][]string{
		"allowance.basis.":  stringsOf(accounting.AllowanceBases()),
		"daypart.":          domain.DayParts,
		"jobs.kind.":        {"scheduled", "catchup", "manual"},
		"jobs.status.":      {"running", "ok", "failed", "abandoned"},
		"lang.":             domain.Languages,
		"langname.":         tr.Langs(),
		"level.":            domain.LanguageLevels,
		"level.short.":      domain.LanguageLevels,
		"request.priority.": priorities,
		"proposal.factor.":  {"distance", "language", "availability", "skill", "priority", "load", "continuity"},
		"match.reason.":     domain.RejectReasons,
		"match.status.":     matchStatuses(),
		"claims.status.":    stringsOf(domain.ClaimStatuses),
		"claims.kind.":      {string(domain.ClaimTravel), string(domain.ClaimAllowance)},
		"claims.mode.":      stringsOf(accounting.Modes),
		"claims.trip.fare.": {string(accounting.ModePublicTransport), string(accounting.ModeDTicket)},
		"outbox.status.":    {store.OutboxPending, store.OutboxSending, store.OutboxFailed},
		"payout.field.": {"debtor_name", "iban", "bic", "consultant", "client", "account_length", "travel_account",
			"allowance_account", "contra_account"},
		"payout.hint.": {"debtor_name", "iban", "bic", "consultant", "client", "account_length", "travel_account",
			"allowance_account", "contra_account"},
		"payout.file.":       domain.PayoutFileNames,
		"payout.rate_table.": domain.RateTables,
		"rates.field.":       rateFields,
		"rates.hint.":        rateFields,
		"payout.skip.":       domain.PayoutSkipReasons,
		"payout.status.":     {string(domain.PayoutPreparing), string(domain.PayoutReady), string(domain.PayoutVoid), domain.VoidInterrupted},
		"proposal.reason.":   append(slices.Clone(domain.UnfilledReasons), "other"),
		"request.status.": {
			string(domain.RequestOpen), string(domain.RequestMatched),
			string(domain.RequestDone), string(domain.RequestCancelled),
		},
		"skill.": domain.Skills,
		"status.": {
			string(domain.VolunteerPending), string(domain.VolunteerActive),
			string(domain.VolunteerInactive), string(domain.VolunteerFormer),
		},
		"transport.": domain.TransportModes,
		"weekday.":   domain.Weekdays,
	}
}

var (
	// action is one {{…}} of a template; keys are looked for only inside them.
	action = regexp.MustCompile(`(?s)\{\{(.*?)\}\}`)
	// literalKey is a call of t with a fixed key: {{t "signup.title"}}.
	literalKey = regexp.MustCompile(`(?:^|[\s(|])t\s+"([^"]+)"`)
	// prefixKey is a call of t with a computed key: {{t (print "skill." .)}}.
	prefixKey = regexp.MustCompile(`(?:^|[\s(|])t\s+\(print\s+"([^"]+)"`)
	// keyShape is what a catalog key looks like.
	keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$`)
)

// templateUse is what the page and mail templates ask the catalog for.
type templateUse struct {
	literal  map[string][]string // key → files
	prefixes map[string][]string // prefix → files
	mails    []string            // names of email/*.txt
}

func scanTemplates(t *testing.T) templateUse {
	t.Helper()
	u := templateUse{literal: map[string][]string{}, prefixes: map[string][]string{}}
	for _, dir := range []string{"html", "email"} {
		err := fs.WalkDir(templates.FS, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if dir == "email" && path.Ext(p) == ".txt" && !strings.HasPrefix(path.Base(p), "_") { // _footer: a part of every mail
				u.mails = append(u.mails, strings.TrimSuffix(path.Base(p), ".txt"))
			}
			b, err := fs.ReadFile(templates.FS, p)
			if err != nil {
				return err
			}
			for _, a := range action.FindAllStringSubmatch(string(b), -1) {
				for _, m := range literalKey.FindAllStringSubmatch(a[1], -1) {
					u.literal[m[1]] = append(u.literal[m[1]], p)
				}
				for _, m := range prefixKey.FindAllStringSubmatch(a[1], -1) {
					u.prefixes[m[1]] = append(u.prefixes[m[1]], p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(u.literal) == 0 || len(u.mails) == 0 {
		t.Fatalf("found %d keys and %d mails in the templates: is the scan broken?", len(u.literal), len(u.mails))
	}
	return u
}

func loadTranslator(t *testing.T) *templates.Translator {
	t.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestKeysLoadTranslator checks the catalogs load, which includes LoadTranslator's
// own check that every language has exactly the keys of the default language.
func TestKeysLoadTranslator(t *testing.T) {
	tr := loadTranslator(t)
	if got, want := tr.Langs(), []string{"de", "en"}; !slices.Equal(got, want) {
		t.Errorf("Langs() = %q, want %q", got, want)
	}
	if got := tr.T("en", "signup.title"); got == "signup.title" || got == tr.T("de", "signup.title") {
		t.Errorf(`T("en", "signup.title") = %q, want the English text`, got)
	}
	if got := tr.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("an unknown key gives %q, want the key itself", got)
	}
	if got := tr.T("de", "confirm.text", "name", "Ayşe"); !strings.Contains(got, "Ayşe") || strings.Contains(got, "{name}") {
		t.Errorf("placeholder not filled: %q", got)
	}
}

// TestKeysCatalogsAgree checks what parity of keys cannot: that no message is
// empty and that every language has the same {placeholders}, so a translation
// neither drops a value nor shows a raw "{name}".
func TestKeysCatalogsAgree(t *testing.T) {
	tr := loadTranslator(t)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	keys := catalogKeys(t)
	for _, k := range keys {
		want := placeholder.FindAllString(tr.T(templates.DefaultLang, k), -1)
		slices.Sort(want)
		for _, lang := range tr.Langs() {
			msg := tr.T(lang, k)
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			got := placeholder.FindAllString(msg, -1)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %q, %s has %q", lang, k, got, templates.DefaultLang, want)
			}
		}
	}
}

// catalogKeys returns the keys of the default catalog, sorted; LoadTranslator
// has made sure every other catalog has the same.
func catalogKeys(t *testing.T) []string {
	t.Helper()
	b, err := fs.ReadFile(templates.FS, "locales/"+templates.DefaultLang+".json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(cat))
}

// TestKeysUsedInTemplatesExist checks every key the page and mail templates use:
// fixed keys, keys completed from a vocabulary, and each mail's subject.
func TestKeysUsedInTemplatesExist(t *testing.T) {
	tr := loadTranslator(t)
	u := scanTemplates(t)

	for key, files := range u.literal {
		if !tr.HasKey(key) {
			t.Errorf("%s: key %q is in no catalog", strings.Join(slices.Compact(files), ", "), key)
		}
	}
	vocab := dynamicKeys(tr)
	for prefix, files := range u.prefixes {
		values, ok := vocab[prefix]
		if !ok {
			t.Errorf("%s: computed key %q…: add its values to dynamicKeys", strings.Join(slices.Compact(files), ", "), prefix)
			continue
		}
		for _, v := range values {
			if !tr.HasKey(prefix + v) {
				t.Errorf("key %q (used as %q + value in %s) is in no catalog", prefix+v, prefix, slices.Compact(files)[0])
			}
		}
	}
	for _, name := range u.mails {
		if key := "mail." + name + ".subject"; !tr.HasKey(key) {
			t.Errorf("mail %s has no subject %q", name, key)
		}
		if _, err := fs.Stat(templates.FS, "email/"+name+".html"); err != nil {
			t.Errorf("mail %s has a .txt but no .html template", name)
		}
	}
}

// goUse is what the Go code (tests excluded) asks the catalog for.
type goUse struct {
	literals map[string]bool     // every string literal
	keys     map[string][]string // literals in a key position → where
	patterns []*regexp.Regexp    // keys built by concatenation, e.g. "error." + code
}

// scanGo reads every non-test Go file of the module. A literal counts as a key
// where the code passes it as one: T(lang, "key"), fe.Add(field, "key"),
// domain.Error{Key: "key"}, domain.NotFound("key") and the like.
func scanGo(t *testing.T) goUse {
	t.Helper()
	root := moduleRoot(t)
	u := goUse{literals: map[string]bool{}, keys: map[string][]string{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		keyAt := func(e ast.Expr) {
			if s, ok := stringLit(e); ok && keyShape.MatchString(s) {
				u.keys[s] = append(u.keys[s], rel+":"+strconv.Itoa(fset.Position(e.Pos()).Line))
			}
		}
		inner := map[*ast.BinaryExpr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, ok := stringLit(n); ok {
					u.literals[s] = true
				}
			case *ast.CallExpr:
				switch name := funcName(n.Fun); {
				case name == "T" && len(n.Args) >= 2:
					keyAt(n.Args[1])
				case name == "Add" && len(n.Args) == 2:
					keyAt(n.Args[1])
				case (name == "NotFound" || name == "Conflict" || name == "Forbidden") && len(n.Args) == 1:
					keyAt(n.Args[0])
				}
			case *ast.CompositeLit:
				if funcName(n.Type) != "Error" {
					return true // bson.E{Key: …} and the like
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok && funcName(kv.Key) == "Key" {
						keyAt(kv.Value)
					}
				}
			case *ast.BinaryExpr:
				// Only the whole of "mail." + name + ".subject", not its part
				// "mail." + name, which would match every mail.* key.
				for _, x := range []ast.Expr{n.X, n.Y} {
					if b, ok := x.(*ast.BinaryExpr); ok && n.Op == token.ADD {
						inner[b] = true
					}
				}
				if re := concatPattern(n); re != nil && !inner[n] {
					u.patterns = append(u.patterns, re)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.keys) == 0 {
		t.Fatal("found no keys in the Go code: is the scan broken?")
	}
	return u
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func funcName(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// concatPattern turns a key built by concatenation, such as "error." + code or
// "mail." + name + ".subject", into a pattern with one segment per variable
// part; nil if e is no such concatenation.
func concatPattern(e *ast.BinaryExpr) *regexp.Regexp {
	var parts []ast.Expr
	var flatten func(ast.Expr) bool
	flatten = func(x ast.Expr) bool {
		if b, ok := x.(*ast.BinaryExpr); ok {
			if b.Op != token.ADD {
				return false
			}
			return flatten(b.X) && flatten(b.Y)
		}
		parts = append(parts, x)
		return true
	}
	if e.Op != token.ADD || !flatten(e) {
		return nil
	}
	first, ok := stringLit(parts[0])
	if !ok || !keyShape.MatchString(first+"x") || !strings.HasSuffix(first, ".") {
		return nil
	}
	var b strings.Builder
	b.WriteString("^")
	for _, p := range parts {
		if s, ok := stringLit(p); ok {
			b.WriteString(regexp.QuoteMeta(s))
		} else {
			b.WriteString(`[A-Za-z0-9_]+`)
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TestKeysUsedInGoExist checks the keys the Go code passes to the translator,
// to field errors and to domain errors.
func TestKeysUsedInGoExist(t *testing.T) {
	tr := loadTranslator(t)
	for key, where := range scanGo(t).keys {
		if !tr.HasKey(key) {
			t.Errorf("%s: key %q is in no catalog", strings.Join(where, ", "), key)
		}
	}
}

// TestKeysUnused reports catalog keys that neither a template nor the Go code
// uses; see knownUnused.
func TestKeysUnused(t *testing.T) {
	tr := loadTranslator(t)
	tu := scanTemplates(t)
	gu := scanGo(t)
	vocab := dynamicKeys(tr)

	used := func(key string) bool {
		if len(tu.literal[key]) > 0 || gu.literals[key] {
			return true
		}
		for prefix := range tu.prefixes {
			if v, ok := strings.CutPrefix(key, prefix); ok && slices.Contains(vocab[prefix], v) {
				return true
			}
		}
		for _, re := range gu.patterns {
			if re.MatchString(key) {
				return true
			}
		}
		return false
	}
	var unused []string
	for _, k := range catalogKeys(t) {
		if !used(k) {
			unused = append(unused, k)
		}
	}
	for _, k := range unused {
		if !slices.Contains(knownUnused, k) {
			t.Errorf("key %q is used nowhere: use it or delete it from every catalog", k)
		}
	}
	for _, k := range knownUnused {
		switch {
		case !tr.HasKey(k):
			t.Errorf("knownUnused lists %q, which is no longer in the catalogs: drop it from the list", k)
		case !slices.Contains(unused, k):
			t.Errorf("knownUnused lists %q, which is used now: drop it from the list", k)
		}
	}
	if len(unused) > 0 {
		t.Logf("unused keys: %s", strings.Join(unused, ", "))
	}
}

func TestRawKeys(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	got := tr.RawKeys("Hallo signup.title, 3.5 km, www.example.org und mail.offer.subject")
	if len(got) != 2 || got[0] != "signup.title" || got[1] != "mail.offer.subject" {
		t.Fatalf("RawKeys: %q", got)
	}
}

func matchStatuses() []string { return stringsOf(domain.MatchStatuses) }

func stringsOf[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

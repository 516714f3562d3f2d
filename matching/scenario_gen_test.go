package matching

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"lotse/geo"
)

// This file is a Go port of shared/tools/gen_scenario.py for the benchmarks:
// the same distributions (languages, categories, slots, capacities, radii,
// background checks, the request rules, max_distance_km 30 and points jittered
// around postal-code centroids with the same sigmas), drawn from a seeded PCG
// instead of Python's Mersenne Twister, so the scenarios are alike in shape,
// not byte for byte. Everyone is placed at postal codes of a set of Kreise
// taken from lotse/geo's gazetteer.

type genWeight struct {
	code string
	w    float64
}

// genLanguages and genCategories are gen_scenario.py's LANGS and CATS, in
// its order (the order matters for the draws).
var (
	genLanguages = []genWeight{{"de", .93}, {"en", .45}, {"ar", .10}, {"uk", .08}, {"ru", .10}, {"tr", .08},
		{"fa", .04}, {"prs", .02}, {"ku", .03}, {"ti", .01}, {"fr", .10}, {"es", .06},
		{"pl", .03}, {"ro", .02}, {"sq", .01}, {"so", .005}, {"ps", .01}}
	genCategories = []genWeight{{"housing_search", .22}, {"authority_accompaniment", .18}, {"legal_help", .08},
		{"job_speed_dating", .06}, {"language_cafe", .10}, {"homework_help", .10},
		{"interpreting", .08}, {"mentoring", .08}, {"training", .03}, {"event_help", .05},
		{"driving", .02}}
	genSlots = func() []string {
		var s []string
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			for _, p := range []string{"am", "pm", "eve"} {
				s = append(s, d+"_"+p)
			}
		}
		return s
	}()
)

// genSize is one benchmark scenario: how many of each, where, and the seed.
type genSize struct {
	name                 string // as in the benchmark names: 1k×300
	volunteers, requests int
	seed                 uint64
	area                 string                  // in words, for messages
	inArea               func(kreis string) bool // by community_code
}

// loerrachKreise are Landkreis Lörrach and its neighbours: Breisgau-
// Hochschwarzwald, Waldshut and Freiburg (which Breisgau-Hochschwarzwald
// surrounds), the four Kreise of the research note's small scenario.
var loerrachKreise = []string{"08336", "08315", "08337", "08311"}

func inBadenWuerttemberg(kreis string) bool { return strings.HasPrefix(kreis, "08") }

var genSizes = []genSize{
	{"1k×300", 1_000, 300, 1, "Landkreis Lörrach and neighbours", func(k string) bool { return slices.Contains(loerrachKreise, k) }},
	{"10k×3k", 10_000, 3_000, 2, "Baden-Württemberg", inBadenWuerttemberg},
	{"100k×20k", 100_000, 20_000, 3, "Baden-Württemberg", inBadenWuerttemberg},
}

// genSizeNamed finds a size by name; "x" may stand for "×" (for shells and
// Makefiles).
func genSizeNamed(name string) (genSize, bool) {
	name = strings.ReplaceAll(name, "x", "×")
	for _, s := range genSizes {
		if s.name == name {
			return s, true
		}
	}
	return genSize{}, false
}

type genPlace struct {
	plz      string
	lat, lon float64
}

// genPlaces returns the postal codes of the area with their centroids, sorted
// by code. gen_scenario.py takes a code's first CSV row, geo the mean of all
// rows: for large-customer codes (companies, authorities) with rows far apart
// the mean can lie hundreds of km away (10875 "Daimler Insurance Services",
// filed under Stuttgart, averages to near Leipzig). Codes more than 60 km from
// their Kreis's median are therefore left out; no real Kreis is that wide.
func genPlaces(inArea func(string) bool) []genPlace {
	byKreis := map[string][]geo.Place{}
	for _, p := range geo.Default().All() {
		if p.KreisCode != "" && inArea(p.KreisCode) {
			byKreis[p.KreisCode] = append(byKreis[p.KreisCode], p)
		}
	}
	var out []genPlace
	for _, ps := range byKreis {
		lats, lons := make([]float64, len(ps)), make([]float64, len(ps))
		for i, p := range ps {
			lats[i], lons[i] = p.Point.Lat, p.Point.Lon
		}
		slices.Sort(lats)
		slices.Sort(lons)
		mid := geo.Point{Lat: lats[len(lats)/2], Lon: lons[len(lons)/2]}
		for _, p := range ps {
			if geo.Distance(mid, p.Point) <= 60 {
				out = append(out, genPlace{p.PLZ, p.Point.Lat, p.Point.Lon})
			}
		}
	}
	slices.SortFunc(out, func(a, b genPlace) int { return cmp.Compare(a.plz, b.plz) })
	return out
}

// The wire shape of gen_scenario.py's output, key for key.
type (
	genScenario struct {
		Now           string         `json:"now"`
		MaxDistanceKm float64        `json:"max_distance_km"`
		Volunteers    []genVolunteer `json:"volunteers"`
		Requests      []genRequest   `json:"requests"`
	}
	genVolunteer struct {
		ID                        string   `json:"id"`
		PLZ                       string   `json:"plz"`
		Lat                       float64  `json:"lat"`
		Lon                       float64  `json:"lon"`
		RadiusKm                  int      `json:"radius_km"`
		Languages                 []string `json:"languages"`
		Skills                    []string `json:"skills"`
		Availability              []string `json:"availability"`
		Capacity                  int      `json:"capacity"`
		ActiveAssignments         int      `json:"active_assignments"`
		BackgroundCheckValidUntil string   `json:"background_check_valid_until,omitempty"`
	}
	genRequest struct {
		ID                      string   `json:"id"`
		PLZ                     string   `json:"plz"`
		Lat                     float64  `json:"lat"`
		Lon                     float64  `json:"lon"`
		Category                string   `json:"category"`
		Needed                  int      `json:"needed"`
		Priority                int      `json:"priority"`
		LanguagesAny            []string `json:"languages_any,omitempty"`
		Slots                   []string `json:"slots,omitempty"`
		RequiresBackgroundCheck bool     `json:"requires_background_check,omitempty"`
		Date                    string   `json:"date,omitempty"`
	}
)

// genRand has the few Python random methods the generator uses.
type genRand struct{ *rand.Rand }

func (r genRand) random() float64             { return r.Float64() }
func (r genRand) randint(lo, hi int) int      { return lo + r.IntN(hi-lo+1) } // both ends included
func (r genRand) gauss(sigma float64) float64 { return r.NormFloat64() * sigma }

func genChoice[T any](r genRand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickWeighted is gen_scenario.py's pick_weighted.
func (r genRand) pickWeighted(ws []genWeight) string {
	sum := 0.0
	for _, w := range ws {
		sum += w.w
	}
	x := r.random() * sum
	for _, w := range ws {
		x -= w.w
		if x <= 0 {
			return w.code
		}
	}
	return ws[len(ws)-1].code
}

// sample is random.sample: k distinct elements, returned sorted as the
// generator always sorts them.
func (r genRand) sample(xs []string, k int) []string {
	c := slices.Clone(xs)
	for i := range k {
		j := i + r.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	c = c[:k]
	slices.Sort(c)
	return c
}

// sortedSet sorts codes and drops repeats, like sorted({…}).
func sortedSet(codes []string) []string {
	slices.Sort(codes)
	return slices.Compact(codes)
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

// generateScenario builds the scenario of size sz as JSON. The same size
// always gives the same bytes.
func generateScenario(sz genSize) ([]byte, error) {
	pts := genPlaces(sz.inArea)
	if len(pts) == 0 {
		return nil, fmt.Errorf("no postal codes in %s", sz.area)
	}
	r := genRand{rand.New(rand.NewPCG(sz.seed, 0x6c6f747365))}
	point := func() (string, float64, float64) {
		p := genChoice(r, pts)
		return p.plz, round5(p.lat + r.gauss(0.01)), round5(p.lon + r.gauss(0.015))
	}
	sc := genScenario{Now: "2026-11-23T09:00:00Z", MaxDistanceKm: 30,
		Volunteers: make([]genVolunteer, sz.volunteers), Requests: make([]genRequest, sz.requests)}
	for i := range sc.Volunteers {
		v := &sc.Volunteers[i]
		v.ID = fmt.Sprintf("v-%06d", i)
		v.PLZ, v.Lat, v.Lon = point()
		for _, l := range genLanguages {
			if r.random() < l.w {
				v.Languages = append(v.Languages, l.code)
			}
		}
		if v.Languages == nil {
			v.Languages = []string{"de"}
		}
		v.Languages = sortedSet(v.Languages)
		for range r.randint(1, 4) {
			v.Skills = append(v.Skills, r.pickWeighted(genCategories))
		}
		v.Skills = sortedSet(v.Skills)
		v.Availability = r.sample(genSlots, r.randint(1, 8))
		v.Capacity = genChoice(r, []int{1, 1, 1, 2, 2, 3})
		v.RadiusKm = genChoice(r, []int{5, 10, 10, 15, 20, 25, 30, 50})
		if v.Capacity > 1 {
			v.ActiveAssignments = genChoice(r, []int{0, 0, 0, 1})
		}
		if r.random() < 0.4 {
			v.BackgroundCheckValidUntil = fmt.Sprintf("%d-%02d-15", genChoice(r, []int{2025, 2026, 2027, 2028, 2030}), r.randint(1, 12))
		}
	}
	for j := range sc.Requests {
		q := &sc.Requests[j]
		q.ID = fmt.Sprintf("r-%06d", j)
		q.PLZ, q.Lat, q.Lon = point()
		q.Category = r.pickWeighted(genCategories)
		q.Needed = 1
		if r.random() >= .85 {
			q.Needed = r.randint(2, 6)
		}
		q.Priority = genChoice(r, []int{0, 0, 0, 1, 2, 3})
		if r.random() < .7 {
			var langs []string
			for range r.randint(1, 2) {
				langs = append(langs, r.pickWeighted(genLanguages[2:]))
			}
			if r.random() < .3 {
				langs = append(langs, "de")
			}
			q.LanguagesAny = sortedSet(langs)
		}
		if r.random() < .6 {
			q.Slots = r.sample(genSlots, r.randint(1, 5))
		}
		q.RequiresBackgroundCheck = r.random() < .15
		if r.random() < .5 {
			q.Date = fmt.Sprintf("2026-12-%02d", r.randint(1, 28))
		}
	}
	return json.Marshal(sc)
}

// scenarioCache holds the generated bytes per size name, so each size is built
// once per test binary.
var scenarioCache struct {
	sync.Mutex
	m map[string][]byte
}

// scenarioBytes returns the JSON of the named size, generating it on first use.
func scenarioBytes(tb testing.TB, name string) []byte {
	tb.Helper()
	sz, ok := genSizeNamed(name)
	if !ok {
		tb.Fatalf("unknown scenario size %q", name)
	}
	scenarioCache.Lock()
	defer scenarioCache.Unlock()
	if b, ok := scenarioCache.m[sz.name]; ok {
		return b
	}
	b, err := generateScenario(sz)
	if err != nil {
		tb.Fatalf("generate %s: %v", sz.name, err)
	}
	if scenarioCache.m == nil {
		scenarioCache.m = map[string][]byte{}
	}
	scenarioCache.m[sz.name] = b
	return b
}

// geoLocate is the Locator `lotse match` uses.
func geoLocate(plz string) (float64, float64, bool) {
	p, ok := geo.Default().Lookup(plz)
	return p.Point.Lat, p.Point.Lon, ok
}

// TestWriteScenario writes a generated scenario to a file for `make
// bench-match`: LOTSE_WRITE_SCENARIO=path,size (size as in the benchmark
// names, x for ×). Without the variable it does nothing.
func TestWriteScenario(t *testing.T) {
	arg := os.Getenv("LOTSE_WRITE_SCENARIO")
	if arg == "" {
		t.Skip("set LOTSE_WRITE_SCENARIO=path,size to write a scenario")
	}
	path, size, ok := strings.Cut(arg, ",")
	if !ok || path == "" {
		t.Fatalf("LOTSE_WRITE_SCENARIO=%q: want path,size", arg)
	}
	if err := os.WriteFile(path, scenarioBytes(t, size), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGeneratedScenarioShape(t *testing.T) {
	sz, _ := genSizeNamed("10kx3k")
	data := scenarioBytes(t, sz.name)
	again, err := generateScenario(sz)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Fatal("the same size gave different scenarios")
	}
	var sc genScenario
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatal(err)
	}
	if len(sc.Volunteers) != sz.volunteers || len(sc.Requests) != sz.requests {
		t.Fatalf("got %d volunteers and %d requests, want %d and %d", len(sc.Volunteers), len(sc.Requests), sz.volunteers, sz.requests)
	}
	gz := geo.Default()
	inArea := func(plz string) bool {
		p, ok := gz.Lookup(plz)
		return ok && sz.inArea(p.KreisCode)
	}
	var de, bg, multi, langsAny, slots, needBG, dated, capSum, radiusSum float64
	for _, v := range sc.Volunteers {
		if !inArea(v.PLZ) {
			t.Fatalf("%s: postal code %s is outside %s", v.ID, v.PLZ, sz.area)
		}
		if slices.Contains(v.Languages, "de") {
			de++
		}
		if v.BackgroundCheckValidUntil != "" {
			bg++
		}
		capSum += float64(v.Capacity)
		radiusSum += float64(v.RadiusKm)
		if v.RadiusKm < 5 || v.RadiusKm > 50 || len(v.Skills) == 0 || len(v.Availability) == 0 || len(v.Availability) > 8 {
			t.Fatalf("%s out of the generator's ranges: %+v", v.ID, v)
		}
	}
	for _, q := range sc.Requests {
		if !inArea(q.PLZ) {
			t.Fatalf("%s: postal code %s is outside %s", q.ID, q.PLZ, sz.area)
		}
		if q.Needed > 1 {
			multi++
		}
		if q.LanguagesAny != nil {
			langsAny++
		}
		if q.Slots != nil {
			slots++
		}
		if q.RequiresBackgroundCheck {
			needBG++
		}
		if q.Date != "" {
			dated++
		}
	}
	nv, nr := float64(len(sc.Volunteers)), float64(len(sc.Requests))
	// "de" is drawn with .93, and is the fallback when no language was drawn.
	wantDe := 1.0
	for _, l := range genLanguages {
		wantDe *= 1 - l.w
	}
	wantDe += .93
	// Expected values of gen_scenario.py's draws; the tolerances are about
	// four standard deviations at these sizes.
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"volunteers speaking de", de / nv, wantDe, .012},
		{"volunteers with a background check", bg / nv, .40, .02},
		{"mean capacity", capSum / nv, 10.0 / 6, .03},
		{"mean radius", radiusSum / nv, 165.0 / 8, .6},
		{"requests needing more than one", multi / nr, .15, .03},
		{"requests with languages_any", langsAny / nr, .70, .04},
		{"requests with slots", slots / nr, .60, .04},
		{"requests requiring a background check", needBG / nr, .15, .03},
		{"requests with a date", dated / nr, .50, .04},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: %.4f, want %.4f ± %.3f", c.name, c.got, c.want, c.tol)
		}
	}
}

// TestGreedyNeverBeatsOptimum runs the engine on the small scenario and checks
// the contract's lexicographic objective against the greedy baseline: never
// fewer slots filled, and never less score when as many are filled.
func TestGreedyNeverBeatsOptimum(t *testing.T) {
	for _, name := range []string{"1k×300", "10k×3k"} {
		sc, err := Decode(strings.NewReader(string(scenarioBytes(t, name))))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Solve(sc, Config{Locate: geoLocate})
		if err != nil {
			t.Fatal(err)
		}
		g := greedyBaseline(t, name)
		t.Logf("%s: %d pairs; optimum %d slots / %.4f, greedy %d / %.4f", name,
			res.Stats.FeasiblePairs, res.Stats.Filled, res.Stats.TotalScore, g.filled, g.score())
		if res.Stats.FeasiblePairs != g.pairs {
			t.Errorf("%s: Solve saw %d feasible pairs, the baseline %d", name, res.Stats.FeasiblePairs, g.pairs)
		}
		switch {
		case res.Stats.Filled < g.filled:
			t.Errorf("%s: optimum fills %d slots, greedy %d", name, res.Stats.Filled, g.filled)
		case res.Stats.Filled == g.filled && res.Stats.TotalScore < g.score()-1e-9:
			t.Errorf("%s: optimum scores %.6f, greedy %.6f with as many slots", name, res.Stats.TotalScore, g.score())
		}
	}
}

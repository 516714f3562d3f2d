package matching

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// This file checks the engine against exhaustive search on thousands of small
// random scenarios, and holds what properties_test.go shares: a scenario
// generator that can leave any optional field out, and a reference for the
// contract's hard constraints and the documented score that reuses nothing of
// the engine (only the Weights type).

// refScenario mirrors the contract's JSON with every optional field optional,
// so the reference knows what was left out and applies the contract's defaults
// itself (capacity 1, needed 1, radius_km = max_distance_km).
type refScenario struct {
	Now           string   `json:"now"`
	MaxDistanceKm *float64 `json:"max_distance_km,omitempty"`
	Volunteers    []refVol `json:"volunteers"`
	Requests      []refReq `json:"requests"`
}

type refVol struct {
	ID                        string            `json:"id"`
	PLZ                       string            `json:"plz,omitempty"`
	Lat                       *float64          `json:"lat,omitempty"`
	Lon                       *float64          `json:"lon,omitempty"`
	RadiusKm                  *float64          `json:"radius_km,omitempty"`
	Languages                 []string          `json:"languages,omitempty"`
	Skills                    []string          `json:"skills,omitempty"`
	Availability              []string          `json:"availability,omitempty"`
	Capacity                  *int              `json:"capacity,omitempty"`
	ActiveAssignments         int               `json:"active_assignments,omitempty"`
	BackgroundCheckValidUntil string            `json:"background_check_valid_until,omitempty"`
	LanguageLevels            map[string]string `json:"language_levels,omitempty"`
	Experience                map[string]int    `json:"experience,omitempty"`
	HoursFree                 *int              `json:"hours_free,omitempty"`
}

type refReq struct {
	ID                      string   `json:"id"`
	PLZ                     string   `json:"plz,omitempty"`
	Lat                     *float64 `json:"lat,omitempty"`
	Lon                     *float64 `json:"lon,omitempty"`
	Category                string   `json:"category"`
	LanguagesAny            []string `json:"languages_any,omitempty"`
	Slots                   []string `json:"slots,omitempty"`
	Needed                  *int     `json:"needed,omitempty"`
	RequiresBackgroundCheck bool     `json:"requires_background_check,omitempty"`
	Priority                int      `json:"priority,omitempty"`
	Date                    string   `json:"date,omitempty"`
	PreviousVolunteers      []string `json:"previous_volunteers,omitempty"`
	HoursPerMonth           int      `json:"hours_per_month,omitempty"`
}

// refPLZ is the stub gazetteer of the random scenarios: a few postal codes
// around Lörrach, some of them sharing a centroid so distances of 0 occur.
var refPLZ = map[string][2]float64{
	"79539": {47.6147, 7.6613},
	"79540": {47.6147, 7.6613},
	"79585": {47.6469, 7.7297},
	"79589": {47.6333, 7.6167},
	"79591": {47.5964, 7.6489},
	"79650": {47.6519, 7.8369},
	"79677": {47.7419, 7.9239},
}

func refLocate(plz string) (float64, float64, bool) {
	p, ok := refPLZ[plz]
	return p[0], p[1], ok
}

// refGen shapes a random scenario.
type refGen struct {
	vols, reqs int     // at most; each scenario draws its own counts
	spreadDeg  float64 // points lie within ±spreadDeg latitude (1.5× in longitude) of the centre
	languages  []string
	skills     []string
	slots      []string
	// how likely a volunteer has each language, skill and slot
	pLang, pSkill, pSlot float64
}

var refSmall = refGen{vols: 6, reqs: 4, spreadDeg: 0.05,
	languages: []string{"de", "ar", "uk", "ti"},
	skills:    []string{"housing_search", "legal_help", "driving"},
	slots:     []string{"mon_am", "wed_pm", "sat_eve", "sun_am"},
	pLang:     0.55, pSkill: 0.8, pSlot: 0.65}

func refPtr[T any](x T) *T { return &x }

// refSubset returns a random subset of xs in xs's order, without repeats.
func refSubset(rng *rand.Rand, xs []string, p float64) []string {
	var out []string
	for _, x := range xs {
		if rng.Float64() < p {
			out = append(out, x)
		}
	}
	return out
}

func refPick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// generate draws one scenario. Every optional field is sometimes missing, and
// a few radii are set to exactly the checker's distance to some request (or a
// hair less), so the edge of a reach is tested, not just its inside.
func (g refGen) generate(rng *rand.Rand, fixedSize bool) refScenario {
	nV, nR := g.vols, g.reqs
	if !fixedSize {
		nV, nR = max(rng.IntN(g.vols+1), rng.IntN(g.vols+1)), max(1+rng.IntN(g.reqs), 1+rng.IntN(g.reqs))
	}
	sc := refScenario{Now: refPick(rng, "2026-11-23T09:00:00Z", "2026-11-23T23:59:59Z", "2026-12-02T00:00:00Z"),
		Volunteers: []refVol{}, Requests: []refReq{}}
	if rng.IntN(6) > 0 {
		sc.MaxDistanceKm = refPtr(refPick(rng, 8.0, 12.5, 20.0, 30.0, 30.0, 45.0))
	}
	const lat0, lon0 = 47.65, 7.75
	plzs := []string{"79539", "79540", "79585", "79589", "79591", "79650", "79677"}
	// place gives a point by lat/lon, by postal code or both.
	place := func() (plz string, lat, lon *float64) {
		switch rng.IntN(4) {
		case 0:
			return refPick(rng, plzs...), nil, nil
		case 1:
			plz = refPick(rng, plzs...)
		}
		return plz, refPtr(lat0 + (2*rng.Float64()-1)*g.spreadDeg), refPtr(lon0 + (2*rng.Float64()-1)*1.5*g.spreadDeg)
	}
	for i := range nV {
		v := refVol{ID: fmt.Sprintf("v-%d", i)}
		v.PLZ, v.Lat, v.Lon = place()
		if sc.MaxDistanceKm == nil || rng.IntN(5) > 0 {
			v.RadiusKm = refPtr(refPick(rng, 3.0, 6.0, 10.0, 15.0, 15.0, 25.0, 60.0))
		}
		v.Languages = refSubset(rng, g.languages, g.pLang)
		v.Skills = refSubset(rng, g.skills, g.pSkill)
		v.Availability = refSubset(rng, g.slots, g.pSlot)
		if rng.IntN(6) > 0 {
			v.Capacity = refPtr(rng.IntN(3))
		}
		capacity := 1
		if v.Capacity != nil {
			capacity = *v.Capacity
		}
		if rng.IntN(3) == 0 {
			v.ActiveAssignments = rng.IntN(capacity + 2) // may exceed the capacity
		}
		if rng.IntN(2) == 0 {
			v.BackgroundCheckValidUntil = refPick(rng, "2025-06-30", "2026-11-22", "2026-11-23", "2026-12-01", "2026-12-02", "2029-05-31")
		}
		for _, l := range v.Languages {
			if rng.IntN(3) == 0 {
				if v.LanguageLevels == nil {
					v.LanguageLevels = map[string]string{}
				}
				v.LanguageLevels[l] = refPick(rng, "A1", "A2", "B1", "B2", "C1", "C2", "native")
			}
		}
		for _, s := range g.skills {
			if rng.IntN(5) == 0 {
				if v.Experience == nil {
					v.Experience = map[string]int{}
				}
				v.Experience[s] = rng.IntN(7)
			}
		}
		if rng.IntN(4) == 0 {
			v.HoursFree = refPtr(refPick(rng, 0, 2, 4, 8))
		}
		sc.Volunteers = append(sc.Volunteers, v)
	}
	for j := range nR {
		r := refReq{ID: fmt.Sprintf("r-%d", j), Category: refPick(rng, g.skills...)}
		r.PLZ, r.Lat, r.Lon = place()
		if rng.IntN(5) < 2 {
			r.LanguagesAny = refSubset(rng, g.languages, 1.6/float64(len(g.languages)))
		}
		if rng.IntN(5) < 2 {
			r.Slots = refSubset(rng, g.slots, 1.6/float64(len(g.slots)))
		}
		if rng.IntN(5) > 0 {
			r.Needed = refPtr(1 + rng.IntN(3))
		}
		r.RequiresBackgroundCheck = rng.IntN(5) == 0
		r.Priority = rng.IntN(4)
		if rng.IntN(2) == 0 {
			r.Date = refPick(rng, "2026-11-20", "2026-11-23", "2026-12-01", "2026-12-02", "2027-01-15")
		}
		if nV > 0 && rng.IntN(4) == 0 {
			for range 1 + rng.IntN(2) {
				r.PreviousVolunteers = append(r.PreviousVolunteers, fmt.Sprintf("v-%d", rng.IntN(nV)))
			}
			if rng.IntN(3) == 0 {
				r.PreviousVolunteers = append(r.PreviousVolunteers, "v-gone") // not in the scenario
			}
		}
		if rng.IntN(3) == 0 {
			r.HoursPerMonth = refPick(rng, 2, 4, 6)
		}
		sc.Requests = append(sc.Requests, r)
	}
	// Radii exactly at a request's distance: feasible by the contract's "at
	// most"; a hair less: not feasible.
	for i := range sc.Volunteers {
		if nR == 0 || rng.IntN(8) > 0 {
			continue
		}
		v := &sc.Volunteers[i]
		la, lo := refPoint(v.PLZ, v.Lat, v.Lon)
		rla, rlo := refPoint(sc.Requests[rng.IntN(nR)].pointArgs())
		d := refHaversine(la, lo, rla, rlo)
		if d < 0.01 {
			continue
		}
		if rng.IntN(3) == 0 {
			d -= 1e-7
		}
		v.RadiusKm = refPtr(d)
		if sc.MaxDistanceKm != nil && *sc.MaxDistanceKm < d && rng.IntN(2) == 0 {
			sc.MaxDistanceKm = refPtr(d)
		}
	}
	return sc
}

func (r refReq) pointArgs() (string, *float64, *float64) { return r.PLZ, r.Lat, r.Lon }

// refPoint is an entry's point by the contract: lat/lon win over the postal code.
func refPoint(plz string, lat, lon *float64) (float64, float64) {
	if lat != nil {
		return *lat, *lon
	}
	p := refPLZ[plz]
	return p[0], p[1]
}

// refHaversine is check_match.py's hav, operation for operation (Python's
// math.radians multiplies by pi/180).
func refHaversine(lat1, lon1, lat2, lon2 float64) float64 {
	const R, rad = 6371.0088, math.Pi / 180
	la1, lo1, la2, lo2 := lat1*rad, lon1*rad, lat2*rad, lon2*rad
	h := math.Pow(math.Sin((la2-la1)/2), 2) + math.Cos(la1)*math.Cos(la2)*math.Pow(math.Sin((lo2-lo1)/2), 2)
	return 2 * R * math.Asin(min(1, math.Sqrt(h)))
}

func (sc *refScenario) maxKm() float64 {
	if sc.MaxDistanceKm == nil {
		return math.Inf(1)
	}
	return *sc.MaxDistanceKm
}

func (v *refVol) reach(maxKm float64) float64 {
	if v.RadiusKm == nil {
		return maxKm
	}
	return min(*v.RadiusKm, maxKm)
}

func (v *refVol) capacity() int {
	if v.Capacity == nil {
		return 1
	}
	return *v.Capacity
}

// hasHours reports whether the volunteer has h hours a month left.
func (v *refVol) hasHours(h int) bool { return v.HoursFree == nil || *v.HoursFree >= h }

func (v *refVol) free() int { return max(v.capacity()-v.ActiveAssignments, 0) }

func (r *refReq) needed() int {
	if r.Needed == nil {
		return 1
	}
	return *r.Needed
}

func refShares(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// refFeasible decides hard constraints 1 to 5 of the contract for request j and
// volunteer i, and returns the distance.
func (sc *refScenario) refFeasible(j, i int) (float64, bool) {
	r, v := &sc.Requests[j], &sc.Volunteers[i]
	if !slices.Contains(v.Skills, r.Category) {
		return 0, false
	}
	if len(r.LanguagesAny) > 0 && !refShares(r.LanguagesAny, v.Languages) {
		return 0, false
	}
	if len(r.Slots) > 0 && !refShares(r.Slots, v.Availability) {
		return 0, false
	}
	if !v.hasHours(r.HoursPerMonth) {
		return 0, false
	}
	if r.RequiresBackgroundCheck {
		day := r.Date
		if day == "" {
			day = sc.Now[:10]
		}
		if v.BackgroundCheckValidUntil == "" || v.BackgroundCheckValidUntil < day {
			return 0, false
		}
	}
	vla, vlo := refPoint(v.PLZ, v.Lat, v.Lon)
	rla, rlo := refPoint(r.PLZ, r.Lat, r.Lon)
	d := refHaversine(vla, vlo, rla, rlo)
	return d, d <= v.reach(sc.maxKm())+1e-9
}

// refPairKey is a (request, volunteer) pair by index.
type refPairKey struct{ j, i int }

// refEdges is every feasible pair with its distance, by brute force over all
// V·R pairs.
func (sc *refScenario) refEdges() map[refPairKey]float64 {
	out := map[refPairKey]float64{}
	for j := range sc.Requests {
		for i := range sc.Volunteers {
			if d, ok := sc.refFeasible(j, i); ok {
				out[refPairKey{j, i}] = d
			}
		}
	}
	return out
}

var refLevels = map[string]float64{"native": 1, "C2": 1, "C1": 0.9, "B2": 0.75, "B1": 0.6, "A2": 0.4, "A1": 0.25}

// refScore is the score as the Weights documentation describes it, in the
// engine's units (rounded to millionths).
func (sc *refScenario) refScore(w Weights, j, i int, d float64) int64 {
	r, v := &sc.Requests[j], &sc.Volunteers[i]
	dist := max(0, 1-d/v.reach(sc.maxKm()))
	lang := 1.0
	if len(r.LanguagesAny) > 0 {
		lang = 0
		for _, l := range r.LanguagesAny {
			if !slices.Contains(v.Languages, l) {
				continue
			}
			f := 0.8
			if lv, ok := v.LanguageLevels[l]; ok {
				f = refLevels[lv]
			}
			lang = max(lang, f)
		}
	}
	avail := 1.0
	if len(r.Slots) > 0 {
		n := 0
		for _, s := range r.Slots {
			if slices.Contains(v.Availability, s) {
				n++
			}
		}
		avail = float64(n) / float64(len(r.Slots))
	}
	load := 0.0
	if v.capacity() > 0 {
		load = float64(v.free()) / float64(v.capacity())
	}
	cont := 0.0
	if slices.Contains(r.PreviousVolunteers, v.ID) {
		cont = 1
	}
	skill := 0.0
	if n, ok := v.Experience[r.Category]; ok {
		skill = float64(n) / float64(n+2)
	}
	s := w.Distance*dist + w.Language*lang + w.Availability*avail + w.Priority*float64(r.Priority)/3 +
		w.Load*load + w.Continuity*cont + w.Skill*skill
	return int64(math.Round(min(max(s, 0), 1) * 1e6))
}

// randomWeights returns DefaultWeights most of the time, else random weights
// that sum to 1.
func randomWeights(rng *rand.Rand) Weights {
	if rng.IntN(4) > 0 {
		return DefaultWeights()
	}
	for {
		var x [7]float64
		sum := 0.0
		for k := range x {
			x[k] = float64(rng.IntN(11))
			sum += x[k]
		}
		if sum == 0 {
			continue
		}
		return Weights{Distance: x[0] / sum, Language: x[1] / sum, Availability: x[2] / sum, Priority: x[3] / sum,
			Load: x[4] / sum, Continuity: x[5] / sum, Skill: x[6] / sum}
	}
}

// solveRef encodes sc as JSON, decodes it with Decode (so the contract's
// defaults are the decoder's job) and solves it.
func solveRef(t testing.TB, sc *refScenario, cfg Config) *Result {
	t.Helper()
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, b)
	}
	if cfg.Locate == nil {
		cfg.Locate = refLocate
	}
	res, err := Solve(dec, cfg)
	if err != nil {
		t.Fatalf("Solve: %v\n%s", err, b)
	}
	return res
}

// engineEdges returns the engine's feasible pairs with their integer scores.
func engineEdges(res *Result) map[refPairKey]int64 {
	out := map[refPairKey]int64{}
	for j := range res.ps.start {
		for a := res.ps.start[j]; a < res.ps.end[j]; a++ {
			out[refPairKey{j, int(res.ps.vol[a])}] = int64(res.ps.score[a])
		}
	}
	return out
}

// checkAssignment checks the hard constraints, capacities, needed and unfilled
// of res against the reference, and returns the count and integer score of
// its assignment.
func checkAssignment(t testing.TB, sc *refScenario, res *Result, feasible map[refPairKey]float64, scores map[refPairKey]int64) (int, int64) {
	t.Helper()
	vIdx, rIdx := map[string]int{}, map[string]int{}
	for i, v := range sc.Volunteers {
		vIdx[v.ID] = i
	}
	for j, r := range sc.Requests {
		rIdx[r.ID] = j
	}
	usedV, usedR := make([]int, len(sc.Volunteers)), make([]int, len(sc.Requests))
	seen := map[refPairKey]bool{}
	var total int64
	for _, a := range res.Assignments {
		j, okR := rIdx[a.Request]
		i, okV := vIdx[a.Volunteer]
		if !okR || !okV {
			t.Fatalf("assignment %s–%s names an unknown entry", a.Request, a.Volunteer)
		}
		k := refPairKey{j, i}
		if seen[k] {
			t.Fatalf("pair %s–%s assigned twice", a.Request, a.Volunteer)
		}
		seen[k] = true
		if _, ok := feasible[k]; !ok {
			t.Fatalf("assignment %s–%s violates a hard constraint", a.Request, a.Volunteer)
		}
		if got := int64(math.Round(a.Score * 1e6)); got != scores[k] {
			t.Fatalf("assignment %s–%s: score %v, its edge says %d", a.Request, a.Volunteer, a.Score, scores[k])
		}
		usedV[i]++
		usedR[j]++
		total += scores[k]
	}
	for i, v := range sc.Volunteers {
		if usedV[i] > v.free() {
			t.Fatalf("volunteer %s: %d assignments, free capacity %d", v.ID, usedV[i], v.free())
		}
	}
	unfilled := map[string]Unfilled{}
	for _, u := range res.Unfilled {
		unfilled[u.Request] = u
	}
	for j, r := range sc.Requests {
		if usedR[j] > r.needed() {
			t.Fatalf("request %s: %d assignments, needed %d", r.ID, usedR[j], r.needed())
		}
		u, listed := unfilled[r.ID]
		switch missing := r.needed() - usedR[j]; {
		case missing == 0 && listed:
			t.Fatalf("request %s is full but listed as unfilled: %+v", r.ID, u)
		case missing > 0 && !listed:
			t.Fatalf("request %s misses %d but is not listed as unfilled", r.ID, missing)
		case missing > 0 && u.Missing != missing:
			t.Fatalf("request %s: unfilled says missing %d, want needed %d − assigned %d", r.ID, u.Missing, r.needed(), usedR[j])
		}
	}
	if len(unfilled) != len(res.Unfilled) {
		t.Fatalf("a request is listed twice as unfilled: %+v", res.Unfilled)
	}
	if res.Stats.Filled != len(res.Assignments) || int64(math.Round(res.Stats.TotalScore*1e6)) != total {
		t.Fatalf("stats %+v disagree with %d assignments of total %d", res.Stats, len(res.Assignments), total)
	}
	return len(res.Assignments), total
}

// bruteForce enumerates every assignment (every subset of the pairs in which
// no volunteer exceeds their free capacity and no request its needed) and
// returns the lexicographic optimum (count, then score) and how many
// assignments it saw.
func bruteForce(pairs []refPairKey, score []int64, free, needed []int) (best int, bestScore int64, leaves int) {
	best, bestScore = -1, -1
	var walk func(k, n int, s int64)
	walk = func(k, n int, s int64) {
		if k == len(pairs) {
			leaves++
			if n > best || n == best && s > bestScore {
				best, bestScore = n, s
			}
			return
		}
		walk(k+1, n, s)
		p := pairs[k]
		if free[p.i] > 0 && needed[p.j] > 0 {
			free[p.i]--
			needed[p.j]--
			walk(k+1, n+1, s+score[k])
			free[p.i]++
			needed[p.j]++
		}
	}
	walk(0, 0, 0)
	return best, bestScore, leaves
}

// bruteForceStats adds up what the brute-force checks saw.
type bruteForceStats struct {
	scenarios, edges, boundary, assignments, filled int
	codes                                           map[string]int
}

// checkBruteForce solves sc and compares the engine with the reference: the
// edge set with the contract's rules, each score with the documented one
// (±1 unit for rounding), the assignment with the hard constraints, each
// unfilled code with its derivation, and count and score with the optimum
// over all assignments.
func checkBruteForce(t testing.TB, name string, sc *refScenario, w Weights, workers int, st *bruteForceStats) {
	t.Helper()
	res := solveRef(t, sc, Config{Weights: &w, Workers: workers})
	fail := func(format string, args ...any) {
		t.Helper()
		b, _ := json.Marshal(sc)
		t.Fatalf("%s: %s\nweights %+v\n%s", name, fmt.Sprintf(format, args...), w, b)
	}
	feasible := sc.refEdges()
	scores := engineEdges(res)
	for p, d := range feasible {
		if _, ok := scores[p]; !ok {
			fail("feasible pair %s–%s (%.9f km, reach %.9f) is missing from the engine's edges",
				sc.Requests[p.j].ID, sc.Volunteers[p.i].ID, d, sc.Volunteers[p.i].reach(sc.maxKm()))
		}
		if r := sc.Volunteers[p.i].RadiusKm; r != nil && math.Abs(d-*r) < 1e-6 {
			st.boundary++
		}
	}
	for p, s := range scores {
		if _, ok := feasible[p]; !ok {
			fail("the engine lists the infeasible pair %s–%s", sc.Requests[p.j].ID, sc.Volunteers[p.i].ID)
		}
		if ref := sc.refScore(w, p.j, p.i, feasible[p]); ref < s-1 || ref > s+1 {
			fail("pair %s–%s: engine score %d, documented score %d", sc.Requests[p.j].ID, sc.Volunteers[p.i].ID, s, ref)
		}
	}
	gotN, gotScore := checkAssignment(t, sc, res, feasible, scores)
	for _, u := range res.Unfilled {
		j := slices.IndexFunc(sc.Requests, func(r refReq) bool { return r.ID == u.Request })
		if want := refUnfilledCode(sc, res, feasible, j); u.Code != want || u.Reason == "" {
			fail("unfilled %s: code %s (%q), want %s", u.Request, u.Code, u.Reason, want)
		}
		st.codes[u.Code]++
	}

	pairs := make([]refPairKey, 0, len(scores))
	for p := range scores {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b refPairKey) int { return cmp.Or(cmp.Compare(a.j, b.j), cmp.Compare(a.i, b.i)) })
	score := make([]int64, len(pairs))
	for x, p := range pairs {
		score[x] = scores[p]
	}
	free, needed := make([]int, len(sc.Volunteers)), make([]int, len(sc.Requests))
	for i := range sc.Volunteers {
		free[i] = sc.Volunteers[i].free()
	}
	for j := range sc.Requests {
		needed[j] = sc.Requests[j].needed()
	}
	best, bestScore, leaves := bruteForce(pairs, score, free, needed)
	if gotN != best || gotScore != bestScore {
		fail("engine fills %d slots with score %d; the optimum over all %d assignments is %d slots with score %d",
			gotN, gotScore, leaves, best, bestScore)
	}
	st.scenarios++
	st.assignments += leaves
	st.edges += len(pairs)
	st.filled += gotN
}

// TestBruteForce compares Solve with exhaustive search: for each of thousands
// of small random scenarios the engine's edges must be exactly the pairs the
// contract's rules allow (decided here, with the checker's haversine), and its
// assignment must reach the lexicographic optimum, count and integer score,
// over all assignments of those edges.
func TestBruteForce(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(20261123, 3))
	st := bruteForceStats{codes: map[string]int{}}
	for k := range n {
		sc := refSmall.generate(rng, false)
		checkBruteForce(t, fmt.Sprintf("scenario %d", k), &sc, randomWeights(rng), 1+k%2, &st)
	}
	t.Logf("%d scenarios, %d feasible pairs (%d at the exact edge of a radius), %d assignments enumerated, %d slots filled; unfilled: %v",
		st.scenarios, st.edges, st.boundary, st.assignments, st.filled, st.codes)
}

// FuzzBruteForce lets the fuzzer pick the generator's seed, to look beyond
// TestBruteForce's fixed sequence.
func FuzzBruteForce(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 20261123} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 3))
		sc := refSmall.generate(rng, false)
		checkBruteForce(t, fmt.Sprintf("seed %d", seed), &sc, randomWeights(rng), 1+int(seed%2), &bruteForceStats{codes: map[string]int{}})
	})
}

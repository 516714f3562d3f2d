package matching

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refLarge shapes the larger random scenarios: the full vocabularies, points
// spread over about 65 × 65 km, so reaches, languages, slots and capacities
// all bind somewhere.
var refLarge = refGen{spreadDeg: 0.3,
	languages: []string{"de", "en", "ar", "uk", "ru", "tr", "fa", "prs", "ku", "ti"},
	skills: []string{"housing_search", "legal_help", "job_speed_dating", "authority_accompaniment", "language_cafe",
		"homework_help", "interpreting", "mentoring", "training", "event_help", "driving"},
	slots: func() []string {
		var s []string
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			for _, p := range []string{"am", "pm", "eve"} {
				s = append(s, d+"_"+p)
			}
		}
		return s
	}(),
	pLang: 0.3, pSkill: 0.3, pSlot: 0.3}

// edgeLine is one line of WriteEdges.
type edgeLine struct {
	Request    string  `json:"request"`
	Volunteer  string  `json:"volunteer"`
	Score      float64 `json:"score"`
	DistanceKm float64 `json:"distance_km"`
}

// resultBytes is the result's JSON with the wall time zeroed, and its edges.
func resultBytes(t *testing.T, res *Result) (js, edges []byte) {
	t.Helper()
	millis := res.Stats.Millis
	res.Stats.Millis = 0
	defer func() { res.Stats.Millis = millis }()
	var a, b bytes.Buffer
	if err := res.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteEdges(&b); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes()
}

// TestProperties solves larger random scenarios and checks what must hold
// whatever the optimum is: hard constraints, capacities and needed; the edge
// list is exactly the feasible pairs (checked against all V·R pairs); the
// output does not depend on the run or the number of workers; the fast score
// equals the explained one; and every unfilled request is explained.
func TestProperties(t *testing.T) {
	// The 400×150 scenarios are sparse (few skills and languages per
	// volunteer, spread wide), so every reason for an open slot occurs; the
	// 2,000×600 one is dense, so most slots are contested.
	cases := []struct {
		vols, reqs int
		seed       uint64
		sparse     bool
	}{{400, 150, 1, true}, {400, 150, 2, true}, {400, 150, 3, false}, {2000, 600, 4, false}}
	if testing.Short() {
		cases = cases[:1]
	}
	codes := map[string]int{}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d/seed%d", c.vols, c.reqs, c.seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(c.seed, 7))
			g := refLarge
			g.vols, g.reqs = c.vols, c.reqs
			if c.sparse {
				g.pLang, g.pSkill, g.pSlot, g.spreadDeg = 0.15, 0.1, 0.2, 0.5
			}
			sc := g.generate(rng, true)
			w := DefaultWeights()
			if c.seed == 2 {
				w = Weights{Distance: 0.2, Language: 0.1, Availability: 0.1, Priority: 0.2, Load: 0.1, Continuity: 0.2, Skill: 0.1}
			}
			res := solveRef(t, &sc, Config{Weights: &w, Workers: 1})

			// Determinism: the same bytes from another run and from two workers.
			js, edges := resultBytes(t, res)
			for _, workers := range []int{1, 2, 2} {
				js2, edges2 := resultBytes(t, solveRef(t, &sc, Config{Weights: &w, Workers: workers}))
				if !bytes.Equal(js, js2) {
					t.Fatalf("Workers=%d: the result differs from the first run's (Workers=1)", workers)
				}
				if !bytes.Equal(edges, edges2) {
					t.Fatalf("Workers=%d: the edges differ from the first run's (Workers=1)", workers)
				}
			}

			// The edge list against all V·R pairs.
			feasible := sc.refEdges()
			vIdx, rIdx := map[string]int{}, map[string]int{}
			for i, v := range sc.Volunteers {
				vIdx[v.ID] = i
			}
			for j, r := range sc.Requests {
				rIdx[r.ID] = j
			}
			listed := map[refPairKey]bool{}
			lines := bufio.NewScanner(bytes.NewReader(edges))
			for lines.Scan() {
				var e edgeLine
				dec := json.NewDecoder(bytes.NewReader(lines.Bytes()))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&e); err != nil {
					t.Fatalf("edge line %q: %v", lines.Text(), err)
				}
				k := refPairKey{rIdx[e.Request], vIdx[e.Volunteer]}
				d, ok := feasible[k]
				switch {
				case !ok:
					t.Fatalf("edge %s–%s is not a feasible pair", e.Request, e.Volunteer)
				case listed[k]:
					t.Fatalf("edge %s–%s listed twice", e.Request, e.Volunteer)
				case !(e.Score >= 0 && e.Score <= 1):
					t.Fatalf("edge %s–%s: score %v outside [0, 1]", e.Request, e.Volunteer, e.Score)
				case math.Abs(e.DistanceKm-d) > 0.001:
					t.Fatalf("edge %s–%s: distance %v km, haversine %.6f km", e.Request, e.Volunteer, e.DistanceKm, d)
				}
				listed[k] = true
			}
			if len(listed) != len(feasible) {
				for k := range feasible {
					if !listed[k] {
						t.Fatalf("feasible pair %s–%s (%.3f km) is not among the %d edges",
							sc.Requests[k.j].ID, sc.Volunteers[k.i].ID, feasible[k], len(listed))
					}
				}
			}
			if res.Stats.FeasiblePairs != len(feasible) {
				t.Fatalf("stats.feasible_pairs %d, want %d", res.Stats.FeasiblePairs, len(feasible))
			}

			// The fast score is the explained score, and both are the documented one.
			p, ps := res.p, res.ps
			for j := range p.reqs {
				base := p.requestBase(j)
				for a := ps.start[j]; a < ps.end[j]; a++ {
					vi := ps.vol[a]
					km := feasible[refPairKey{j, int(vi)}]
					fast, explained := p.scorePair(j, base, vi, km), p.w.score(p.explain(j, vi, km))
					if fast != explained {
						t.Fatalf("pair %s–%s at %.6f km: scorePair %d, Weights.score(explain) %d (%+v)",
							sc.Requests[j].ID, sc.Volunteers[vi].ID, km, fast, explained, p.explain(j, vi, km))
					}
					// The stored score came from the engine's own distance, which
					// may differ from the haversine in the last bits.
					if d := ps.score[a] - fast; d < -1 || d > 1 {
						t.Fatalf("pair %s–%s: stored score %d, scorePair %d", sc.Requests[j].ID, sc.Volunteers[vi].ID, ps.score[a], fast)
					}
					if ref := sc.refScore(w, j, int(vi), km); math.Abs(float64(ref-int64(fast))) > 1 {
						t.Fatalf("pair %s–%s: score %d, documented %d", sc.Requests[j].ID, sc.Volunteers[vi].ID, fast, ref)
					}
				}
			}

			// Assignments, capacities, needed, missing.
			checkAssignment(t, &sc, res, feasible, engineEdges(res))
			for _, u := range res.Unfilled {
				if strings.TrimSpace(u.Reason) == "" || !slices.Contains(UnfilledCodes, u.Code) {
					t.Fatalf("unfilled %s: reason %q, code %q", u.Request, u.Reason, u.Code)
				}
				if want := refUnfilledCode(&sc, res, feasible, rIdx[u.Request]); u.Code != want {
					t.Fatalf("unfilled %s: code %s (%s), want %s", u.Request, u.Code, u.Reason, want)
				}
				codes[u.Code]++
			}
			t.Logf("%d feasible pairs, %d of %d slots filled, %d requests unfilled",
				len(feasible), res.Stats.Filled, res.Stats.Slots, len(res.Unfilled))
		})
	}
	t.Logf("unfilled codes: %v", codes)
}

// refUnfilledCode derives the code of unfilled request j. If a feasible
// volunteer is not assigned to it, the request lost a contest: in a maximum
// assignment that volunteer must have no capacity left (else one more slot
// could be filled), and the code is candidates_busy. Otherwise the code names
// the first hard constraint, in the order skill, language, distance, time,
// hours, background check, that no other volunteer within three times the longest
// reach passes.
func refUnfilledCode(sc *refScenario, res *Result, feasible map[refPairKey]float64, j int) string {
	mine, used := map[string]bool{}, map[string]int{}
	for _, a := range res.Assignments {
		used[a.Volunteer]++
		if a.Request == sc.Requests[j].ID {
			mine[a.Volunteer] = true
		}
	}
	busy := 0
	for i, v := range sc.Volunteers {
		if _, ok := feasible[refPairKey{j, i}]; ok && !mine[v.ID] {
			if used[v.ID] < v.free() {
				return fmt.Sprintf("(none: %s is feasible and has capacity left)", v.ID)
			}
			busy++
		}
	}
	if busy > 0 {
		return "candidates_busy"
	}
	maxReach := 0.0
	for i := range sc.Volunteers {
		maxReach = max(maxReach, sc.Volunteers[i].reach(sc.maxKm()))
	}
	area := 3 * max(maxReach, 1)
	r := &sc.Requests[j]
	rla, rlo := refPoint(r.PLZ, r.Lat, r.Lon)
	var skill, lang, near, avail, hours int
	for i := range sc.Volunteers {
		v := &sc.Volunteers[i]
		vla, vlo := refPoint(v.PLZ, v.Lat, v.Lon)
		d := refHaversine(vla, vlo, rla, rlo)
		if mine[v.ID] || d > area || !slices.Contains(v.Skills, r.Category) {
			continue
		}
		skill++
		if len(r.LanguagesAny) > 0 && !refShares(r.LanguagesAny, v.Languages) {
			continue
		}
		lang++
		if d > v.reach(sc.maxKm())+1e-9 {
			continue
		}
		near++
		if len(r.Slots) > 0 && !refShares(r.Slots, v.Availability) {
			continue
		}
		avail++
		if !v.hasHours(r.HoursPerMonth) {
			continue
		}
		hours++
	}
	switch 0 {
	case skill:
		return "no_skill"
	case lang:
		return "no_language"
	case near:
		return "too_far"
	case avail:
		return "no_time"
	case hours:
		return "no_hours"
	}
	return "no_background_check"
}

// solveJSON decodes and solves a hand-written scenario.
func solveJSON(t *testing.T, scenario string, w *Weights) *Result {
	t.Helper()
	sc, err := Decode(strings.NewReader(scenario))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	res, err := Solve(sc, Config{Weights: w, Locate: refLocate})
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	return res
}

// northKm returns lat/lon JSON for a point km kilometres north of (47.6, 7.7).
func northKm(km float64) string {
	return fmt.Sprintf(`"lat": %.6f, "lon": 7.7`, 47.6+km/(EarthRadiusKm*math.Pi/180))
}

// TestUnfilledReasons pins the words for each reason code on small cases a
// coordinator would recognise.
func TestUnfilledReasons(t *testing.T) {
	// vol is a volunteer km north of the request; extra adds or overrides fields.
	vol := func(id string, km, radius float64, extra string) string {
		return fmt.Sprintf(`{"id": %q, %s, "radius_km": %g, "languages": ["de", "ar"], "skills": ["housing_search"],
			"availability": ["mon_am", "wed_pm"], "background_check_valid_until": "2026-11-30"%s}`, id, northKm(km), radius, extra)
	}
	req := func(category, extra string) string {
		return fmt.Sprintf(`{"id": "r-1", %s, "category": %q%s}`, northKm(0), category, extra)
	}
	scenario := func(req string, vols ...string) string {
		return fmt.Sprintf(`{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30, "volunteers": [%s], "requests": [%s]}`,
			strings.Join(vols, ","), req)
	}
	cases := []struct {
		name, scenario, code, reason string
		missing                      int
	}{
		{"no skill", scenario(req("legal_help", ""), vol("v-1", 1, 20, "")),
			"no_skill", "no volunteer offers legal_help within 60 km", 1},
		{"nobody speaks ti", scenario(req("housing_search", `, "languages_any": ["ti"]`), vol("v-1", 1, 20, ""), vol("v-2", 5, 20, "")),
			"no_language", "2 volunteers offer housing_search within 60 km, none speaks ti", 1},
		{"42 km beyond a 30 km cap", scenario(req("housing_search", ""), vol("v-1", 42, 50, "")),
			"too_far", "1 volunteer offers housing_search within 90 km; the nearest is 42.0 km away, beyond their radius of 50 km, capped at 30 km", 1},
		{"beyond the radius", scenario(req("housing_search", `, "languages_any": ["ar"]`), vol("v-1", 25, 20, ""), vol("v-2", 28, 20, "")),
			"too_far", "2 volunteers with housing_search speak ar within 60 km; the nearest is 25.0 km away, beyond their reach of 20 km", 1},
		{"no time", scenario(req("housing_search", `, "slots": ["sun_eve"]`), vol("v-1", 1, 20, "")),
			"no_time", "1 volunteer is in reach, none is available at sun_eve", 1},
		{"no hours left", scenario(req("housing_search", `, "hours_per_month": 6`),
			vol("v-1", 1, 20, `, "hours_free": 5`), vol("v-2", 2, 20, `, "hours_free": 0`), vol("v-3", 40, 20, "")),
			"no_hours", "2 volunteers would fit, none has 6 hours a month left", 1},
		{"enough hours left", scenario(req("legal_help", `, "hours_per_month": 6`),
			vol("v-1", 1, 20, `, "hours_free": 6, "skills": ["housing_search", "legal_help"]`)),
			"", "", 0},
		{"no background check", scenario(req("housing_search", `, "requires_background_check": true, "date": "2026-12-02"`), vol("v-1", 1, 20, "")),
			"no_background_check", "1 volunteer would fit but has no Führungszeugnis inspection valid on 2026-12-02", 1},
		{"all 4 candidates at capacity", scenario(req("housing_search", ""),
			vol("v-1", 1, 20, `, "active_assignments": 1`), vol("v-2", 2, 20, `, "capacity": 2, "active_assignments": 2`),
			vol("v-3", 3, 20, `, "capacity": 0`), vol("v-4", 4, 20, `, "active_assignments": 3`)),
			"candidates_busy", "all 4 candidates are busy: 4 already carry as many assignments as they accept", 1},
		{"half filled", scenario(req("housing_search", `, "needed": 2`), vol("v-1", 1, 20, "")),
			"no_skill", "1 of 2 filled; no other volunteer offers housing_search within 60 km", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := solveJSON(t, c.scenario, nil)
			if c.code == "" {
				if len(res.Unfilled) != 0 || len(res.Assignments) != 1 {
					t.Fatalf("unfilled = %+v, assignments %+v: want one assignment", res.Unfilled, res.Assignments)
				}
				return
			}
			if len(res.Unfilled) != 1 {
				t.Fatalf("unfilled = %+v, want one entry", res.Unfilled)
			}
			u := res.Unfilled[0]
			if u.Code != c.code || u.Reason != c.reason || u.Missing != c.missing {
				t.Errorf("got  %s %q missing %d\nwant %s %q missing %d", u.Code, u.Reason, u.Missing, c.code, c.reason, c.missing)
			}
		})
	}

	// A contested volunteer: the urgent request wins, the other is told why.
	res := solveJSON(t, `{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30,
		"volunteers": [{"id": "v-1", `+northKm(1)+`, "skills": ["housing_search"]}],
		"requests": [{"id": "r-1", `+northKm(0)+`, "category": "housing_search"},
		             {"id": "r-2", `+northKm(0)+`, "category": "housing_search", "priority": 3}]}`, nil)
	want := []Unfilled{{Request: "r-1", Missing: 1, Code: "candidates_busy",
		Reason: "the only candidate is assigned to another request where they fit as well or better"}}
	if !slices.Equal(res.Unfilled, want) {
		t.Errorf("contested: unfilled = %+v, want %+v", res.Unfilled, want)
	}
}

// assignedTo returns the volunteers assigned to each request.
func assignedTo(res *Result) map[string][]string {
	out := map[string][]string{}
	for _, a := range res.Assignments {
		out[a.Request] = append(out[a.Request], a.Volunteer)
	}
	for _, vs := range out {
		slices.Sort(vs)
	}
	return out
}

// TestFactorsMoveTheOptimum checks on tiny cases that each factor pulls the
// optimum its way, and that filling one more slot beats any score.
func TestFactorsMoveTheOptimum(t *testing.T) {
	// Two volunteers who differ only in what the case sets, listed both ways
	// round so the volunteer order (the tie-break) cannot decide.
	two := func(a, b, req string) []string {
		va := `{"id": "v-a", ` + northKm(2) + `, "languages": ["ar"], "skills": ["housing_search"]` + a + `}`
		vb := `{"id": "v-b", ` + northKm(2) + `, "languages": ["ar"], "skills": ["housing_search"]` + b + `}`
		r := `{"id": "r-1", ` + northKm(0) + `, "category": "housing_search"` + req + `}`
		var out []string
		for _, vs := range [][2]string{{va, vb}, {vb, va}} {
			out = append(out, `{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30, "volunteers": [`+vs[0]+`,`+vs[1]+`], "requests": [`+r+`]}`)
		}
		return out
	}
	cases := []struct {
		name      string
		scenarios []string
		want      string // the volunteer r-1 gets
	}{
		{"load: the one with more free capacity", two(`, "capacity": 2, "active_assignments": 1`, `, "capacity": 2`, ""), "v-b"},
		{"continuity: the previous helper", two("", "", `, "previous_volunteers": ["v-b"]`), "v-b"},
		{"skill: the experienced one", two(`, "experience": {"housing_search": 6}`, `, "experience": {"legal_help": 6}`, ""), "v-a"},
		{"language: native beats A2", two(`, "language_levels": {"ar": "A2"}`, `, "language_levels": {"ar": "native"}`, `, "languages_any": ["ar"]`), "v-b"},
		{"language: unknown level beats A1", two(`, "language_levels": {"ar": "A1"}`, "", `, "languages_any": ["ar"]`), "v-b"},
		{"availability: more of the request's slots", two(`, "availability": ["mon_am"]`, `, "availability": ["mon_am", "tue_am"]`, `, "slots": ["mon_am", "tue_am"]`), "v-b"},
		{"distance: a longer reach makes the same way relatively shorter", two(`, "radius_km": 5`, `, "radius_km": 25`, ""), "v-b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.scenarios {
				if got := assignedTo(solveJSON(t, s, nil))["r-1"]; !slices.Equal(got, []string{c.want}) {
					t.Errorf("r-1 gets %v, want %s\n%s", got, c.want, s)
				}
			}
		})
	}

	// Continuity against distance: v-a is nearer, v-b helped before. Without the
	// history v-a wins; with it, v-b.
	contest := func(prev string) string {
		return `{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30, "volunteers": [
			{"id": "v-a", ` + northKm(1) + `, "skills": ["housing_search"]},
			{"id": "v-b", ` + northKm(4) + `, "skills": ["housing_search"]}],
			"requests": [{"id": "r-1", ` + northKm(0) + `, "category": "housing_search"` + prev + `}]}`
	}
	if got := assignedTo(solveJSON(t, contest(""), nil))["r-1"]; !slices.Equal(got, []string{"v-a"}) {
		t.Errorf("without history: r-1 gets %v, want the nearer v-a", got)
	}
	if got := assignedTo(solveJSON(t, contest(`, "previous_volunteers": ["v-b"]`), nil))["r-1"]; !slices.Equal(got, []string{"v-b"}) {
		t.Errorf("with history: r-1 gets %v, want the previous helper v-b", got)
	}

	// Priority: one volunteer, two requests alike but for priority, in both
	// orders; with priority weighted 0 the tie goes by order instead.
	for _, order := range [][2]string{{"r-1", "r-2"}, {"r-2", "r-1"}} {
		prio := map[string]int{"r-1": 0, "r-2": 3}
		var reqs []string
		for _, id := range order {
			reqs = append(reqs, fmt.Sprintf(`{"id": %q, %s, "category": "housing_search", "priority": %d}`, id, northKm(0), prio[id]))
		}
		s := `{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30,
			"volunteers": [{"id": "v-1", ` + northKm(3) + `, "skills": ["housing_search"]}], "requests": [` + strings.Join(reqs, ",") + `]}`
		if got := assignedTo(solveJSON(t, s, nil)); !slices.Equal(got["r-2"], []string{"v-1"}) {
			t.Errorf("order %v: assignments %v, want the urgent r-2 to get v-1", order, got)
		}
	}

	// Cardinality first: v-a fits r-1 far better than v-b does, but r-2 can
	// only have v-a, so the optimum gives r-1 the worse v-b and fills both.
	s := `{"now": "2026-11-23T09:00:00Z", "max_distance_km": 30, "volunteers": [
		{"id": "v-a", ` + northKm(0) + `, "skills": ["housing_search", "driving"], "languages": ["ar"], "availability": ["mon_am"]},
		{"id": "v-b", ` + northKm(19) + `, "radius_km": 20, "skills": ["housing_search"], "languages": ["de"], "availability": ["mon_am"],
		 "capacity": 3, "active_assignments": 2}],
		"requests": [
		{"id": "r-1", ` + northKm(0) + `, "category": "housing_search", "priority": 3, "languages_any": ["ar", "de"], "slots": ["mon_am"]},
		{"id": "r-2", ` + northKm(1) + `, "category": "driving"}]}`
	res := solveJSON(t, s, nil)
	if got, want := assignedTo(res), map[string][]string{"r-1": {"v-b"}, "r-2": {"v-a"}}; fmt.Sprint(got) != fmt.Sprint(want) || len(res.Unfilled) != 0 {
		t.Errorf("assignments %v (unfilled %v), want %v", got, res.Unfilled, want)
	}
}

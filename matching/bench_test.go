package matching

import (
	"bytes"
	"cmp"
	"slices"
	"sync"
	"testing"
)

// The benchmarks of issue 3: the engine end to end (Decode and Solve from the
// scenario's bytes) on generated scenarios of three sizes, next to the greedy
// baseline, and the phases of the largest one. Run them with
//
//	go test -run '^$' -bench Match -benchtime 10s ./matching/
//
// The scenarios come from scenario_gen_test.go and are generated once per
// test binary, outside the timed loops.

// greedyResult is the "first come, first served" baseline: what coordinators
// do by hand.
type greedyResult struct {
	pairs  int   // feasible pairs
	filled int   // request slots filled
	units  int64 // total score in 1/scoreUnit
}

func (g greedyResult) score() float64 { return float64(g.units) / scoreUnit }

// greedy takes the requests in input order; each takes its best-scoring
// feasible volunteers that still have free capacity, as many as it needs,
// on the engine's own feasible pairs and scores. Equal scores go to the
// volunteer listed first.
func greedy(p *problem, ps *pairs) greedyResult {
	free := make([]int32, len(p.vols))
	for i := range p.vols {
		free[i] = p.vols[i].free
	}
	g := greedyResult{pairs: ps.len()}
	var open []int32
	for j := range p.reqs {
		open = open[:0]
		for a := ps.start[j]; a < ps.end[j]; a++ {
			if free[ps.vol[a]] > 0 {
				open = append(open, a)
			}
		}
		slices.SortFunc(open, func(a, b int32) int {
			return cmp.Or(cmp.Compare(ps.score[b], ps.score[a]), cmp.Compare(ps.vol[a], ps.vol[b]))
		})
		for _, a := range open[:min(int(p.reqs[j].needed), len(open))] {
			free[ps.vol[a]]--
			g.filled++
			g.units += int64(ps.score[a])
		}
	}
	return g
}

// prepared runs the engine's phases once, for the baseline and for
// benchmarking the phases one at a time.
func prepared(tb testing.TB, data []byte) (*Scenario, *problem, *pairs) {
	tb.Helper()
	sc, err := Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := compile(sc, DefaultWeights(), geoLocate)
	if err != nil {
		tb.Fatal(err)
	}
	ps, err := findPairs(p, newSpatial(p), 0)
	if err != nil {
		tb.Fatal(err)
	}
	return sc, p, ps
}

var greedyCache struct {
	sync.Mutex
	m map[string]greedyResult
}

// greedyBaseline returns the greedy result of the named scenario size,
// computed once per test binary.
func greedyBaseline(tb testing.TB, name string) greedyResult {
	tb.Helper()
	sz, ok := genSizeNamed(name)
	if !ok {
		tb.Fatalf("unknown scenario size %q", name)
	}
	data := scenarioBytes(tb, sz.name)
	greedyCache.Lock()
	defer greedyCache.Unlock()
	if g, ok := greedyCache.m[sz.name]; ok {
		return g
	}
	_, p, ps := prepared(tb, data)
	g := greedy(p, ps)
	if greedyCache.m == nil {
		greedyCache.m = map[string]greedyResult{}
	}
	greedyCache.m[sz.name] = g
	return g
}

// BenchmarkMatch is `lotse match` without the file output: Decode and Solve
// from the scenario's bytes. Besides time and memory it reports the result and
// the greedy baseline on the same pairs: filled slots, total score and the
// optimum's ratios to greedy.
func BenchmarkMatch(b *testing.B) {
	for _, sz := range genSizes {
		b.Run(sz.name, func(b *testing.B) {
			data := scenarioBytes(b, sz.name)
			g := greedyBaseline(b, sz.name)
			b.ReportAllocs()
			var res *Result
			for b.Loop() {
				sc, err := Decode(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				if res, err = Solve(sc, Config{Locate: geoLocate}); err != nil {
					b.Fatal(err)
				}
			}
			st := res.Stats
			b.ReportMetric(float64(st.FeasiblePairs), "feasible_pairs")
			b.ReportMetric(float64(st.Slots), "slots")
			b.ReportMetric(float64(st.Filled), "filled")
			b.ReportMetric(st.TotalScore, "total_score")
			b.ReportMetric(float64(g.filled), "greedy_filled")
			b.ReportMetric(g.score(), "greedy_score")
			b.ReportMetric(float64(st.Filled)/float64(max(g.filled, 1)), "filled_opt/greedy")
			b.ReportMetric(st.TotalScore/max(g.score(), 1e-9), "score_opt/greedy")
		})
	}
}

// BenchmarkMatchPhases splits the largest case into its phases: decode (the
// JSON), compile (checking and interning), pairs (the spatial index and every
// feasible pair with its score) and solve (the min-cost flow). What Solve does
// beyond them (the result, explanations and reasons for unfilled requests) is
// the rest of BenchmarkMatch's time.
func BenchmarkMatchPhases(b *testing.B) {
	const name = "100k×20k"
	b.Run(name, func(b *testing.B) {
		data := scenarioBytes(b, name)
		sc, p, ps := prepared(b, data)
		b.Run("decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("compile", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compile(sc, DefaultWeights(), geoLocate); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("pairs", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := findPairs(p, newSpatial(p), 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ps.len()), "feasible_pairs")
		})
		b.Run("solve", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solve(p, ps); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

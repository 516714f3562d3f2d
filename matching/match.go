package matching

import (
	"cmp"
	"slices"
	"time"
)

// Config adjusts a run. The zero value uses DefaultWeights, all CPUs and no
// postal codes (every entry then needs lat and lon).
type Config struct {
	Weights *Weights
	Locate  Locator
	Workers int
}

// Result is the engine's output, in the contract's JSON shape.
type Result struct {
	Assignments []Assignment `json:"assignments"`
	Unfilled    []Unfilled   `json:"unfilled"`
	Stats       Stats        `json:"stats"`

	p    *problem
	ps   *pairs
	used []bool // per pair: assigned
	byID map[string]int
}

// Assignment is one chosen pair.
type Assignment struct {
	Request    string  `json:"request"`
	Volunteer  string  `json:"volunteer"`
	Score      float64 `json:"score"`
	DistanceKm float64 `json:"distance_km"`
	Explain    Explain `json:"explain"`
}

// Unfilled is a request left with open slots, and why.
type Unfilled struct {
	Request string `json:"request"`
	Missing int    `json:"missing"`
	Reason  string `json:"reason"`
	// Code names the binding reason for programs: one of UnfilledCodes.
	Code string `json:"code"`
}

// UnfilledCodes are the codes of Unfilled, in the order the diagnosis relaxes
// the hard constraints; candidates_busy when feasible volunteers are taken.
var UnfilledCodes = []string{"no_skill", "no_language", "too_far", "no_time", "no_hours", "no_background_check", "candidates_busy"}

// Stats describe the run.
type Stats struct {
	Volunteers    int     `json:"volunteers"`
	Requests      int     `json:"requests"`
	FeasiblePairs int     `json:"feasible_pairs"`
	Filled        int     `json:"filled"`
	Slots         int     `json:"slots"`
	TotalScore    float64 `json:"total_score"`
	Millis        float64 `json:"millis"`
}

// Solve checks the scenario and returns the optimal assignment. An invalid
// scenario returns an *InputError naming the entry.
func Solve(sc *Scenario, cfg Config) (*Result, error) {
	start := time.Now()
	w := DefaultWeights()
	if cfg.Weights != nil {
		w = *cfg.Weights
	}
	if err := w.check(); err != nil {
		return nil, err
	}
	p, err := compile(sc, w, cfg.Locate)
	if err != nil {
		return nil, err
	}
	sp := newSpatial(p)
	ps, err := findPairs(p, sp, cfg.Workers)
	if err != nil {
		return nil, err
	}
	s, err := solve(p, ps)
	if err != nil {
		return nil, err
	}
	res := &Result{p: p, ps: ps, used: s.used, Assignments: []Assignment{}, Unfilled: []Unfilled{}}
	var total int64
	for j := range p.reqs {
		lo, hi := ps.start[j], ps.end[j]
		first := len(res.Assignments)
		for a := lo; a < hi; a++ {
			if !s.used[a] {
				continue
			}
			vi := ps.vol[a]
			e := p.explain(j, vi, float64(ps.dist[a]))
			res.Assignments = append(res.Assignments, Assignment{
				Request: sc.Requests[j].ID, Volunteer: sc.Volunteers[vi].ID,
				Score: float64(ps.score[a]) / scoreUnit, DistanceKm: roundKm(float64(ps.dist[a])),
				Explain: e.rounded(),
			})
			total += int64(ps.score[a])
		}
		// Best pair first within a request; volunteer order breaks ties.
		slices.SortStableFunc(res.Assignments[first:], func(x, y Assignment) int {
			return cmp.Compare(y.Score, x.Score)
		})
		res.Stats.Slots += int(p.reqs[j].needed)
	}
	diag := newDiagnosis(p, sp, ps, s)
	for j := range p.reqs {
		if n := s.unfilled[j]; n > 0 {
			code, reason := diag.why(j)
			res.Unfilled = append(res.Unfilled, Unfilled{Request: sc.Requests[j].ID, Missing: int(n), Reason: reason, Code: code})
		}
	}
	res.Stats.Volunteers, res.Stats.Requests = len(sc.Volunteers), len(sc.Requests)
	res.Stats.FeasiblePairs, res.Stats.Filled = ps.len(), len(res.Assignments)
	res.Stats.TotalScore = float64(total) / scoreUnit
	res.Stats.Millis = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// Alternatives returns up to n feasible volunteers the result did not assign
// to request id, best score first (volunteer order breaks ties): whom a
// coordinator may pick instead.
func (r *Result) Alternatives(id string, n int) []Assignment {
	if r.byID == nil {
		r.byID = make(map[string]int, len(r.p.reqs))
		for j := range r.p.sc.Requests {
			r.byID[r.p.sc.Requests[j].ID] = j
		}
	}
	j, ok := r.byID[id]
	if !ok || n <= 0 {
		return nil
	}
	ps := r.ps
	var idx []int32
	for a := ps.start[j]; a < ps.end[j]; a++ {
		if !r.used[a] {
			idx = append(idx, a)
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(ps.score[b], ps.score[a]); c != 0 {
			return c
		}
		return cmp.Compare(ps.vol[a], ps.vol[b])
	})
	out := make([]Assignment, 0, min(n, len(idx)))
	for _, a := range idx[:min(n, len(idx))] {
		vi := ps.vol[a]
		out = append(out, Assignment{Request: id, Volunteer: r.p.sc.Volunteers[vi].ID,
			Score: float64(ps.score[a]) / scoreUnit, DistanceKm: roundKm(float64(ps.dist[a])),
			Explain: r.p.explain(j, vi, float64(ps.dist[a])).rounded()})
	}
	return out
}

func (e Explain) rounded() Explain {
	return Explain{Distance: round4(e.Distance), Language: round4(e.Language), Availability: round4(e.Availability),
		Priority: round4(e.Priority), Load: round4(e.Load), Continuity: round4(e.Continuity), Skill: round4(e.Skill)}
}

func roundKm(km float64) float64 { return float64(int64(km*1000+0.5)) / 1000 }

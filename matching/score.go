package matching

import (
	"fmt"
	"math"
)

// Weights says how much each factor counts in a pair's score. Every factor is
// in [0, 1] and the weights sum to 1, so a score is in [0, 1] too. The score only
// ranks assignments of equal size: filling one more slot always beats any gain in
// score (see the package comment).
type Weights struct {
	// Distance: 1 at the volunteer's door, 0 at the edge of their reach
	// (min(radius_km, max_distance_km)), linear in between.
	Distance float64 `json:"distance"`
	// Language: how well the volunteer speaks the best shared language the
	// request asks for (native/C2 1, C1 0.9, B2 0.75, B1 0.6, A2 0.4, A1 0.25,
	// level unknown 0.8); 1 when the request asks for none.
	Language float64 `json:"language"`
	// Availability: the share of the request's slots the volunteer is free in;
	// 1 when the request gives none (any time).
	Availability float64 `json:"availability"`
	// Priority: the request's priority / 3, so urgent requests win a contested
	// volunteer.
	Priority float64 `json:"priority"`
	// Load: the volunteer's free share of their capacity before this run, so
	// the same few do not carry everything.
	Load float64 `json:"load"`
	// Continuity: 1 when the volunteer helped the same beneficiary before.
	Continuity float64 `json:"continuity"`
	// Skill: experience in the category, n/(n+2) for n completed assignments.
	Skill float64 `json:"skill"`
}

// DefaultWeights are the weights Lotse uses unless configured otherwise.
func DefaultWeights() Weights {
	return Weights{Distance: 0.30, Language: 0.15, Availability: 0.10, Priority: 0.15,
		Load: 0.15, Continuity: 0.10, Skill: 0.05}
}

func (w Weights) check() error {
	sum := 0.0
	for _, x := range []float64{w.Distance, w.Language, w.Availability, w.Priority, w.Load, w.Continuity, w.Skill} {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("matching: weights must be finite and not negative: %+v", w)
		}
		sum += x
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("matching: weights must sum to 1, got %g", sum)
	}
	return nil
}

// Explain holds a pair's factor values, each in [0, 1], before weighting.
type Explain struct {
	Distance     float64 `json:"distance"`
	Language     float64 `json:"language"`
	Availability float64 `json:"availability"`
	Priority     float64 `json:"priority"`
	Load         float64 `json:"load"`
	Continuity   float64 `json:"continuity"`
	Skill        float64 `json:"skill"`
}

// scoreUnit is the score's resolution: scores are integers in [0, scoreUnit]
// inside the engine, so the optimum is exact and the printed score (six
// decimals) is exactly what was optimised.
const scoreUnit = 1_000_000

// Language levels and their factor values.
var levelFactor = map[string]float64{
	"native": 1, "C2": 1, "C1": 0.9, "B2": 0.75, "B1": 0.6, "A2": 0.4, "A1": 0.25,
}

// LevelUnknown is the language factor of a language spoken at no stated level.
const LevelUnknown = 0.8

func (w Weights) score(e Explain) int32 {
	s := w.Distance*e.Distance + w.Language*e.Language + w.Availability*e.Availability +
		w.Priority*e.Priority + w.Load*e.Load + w.Continuity*e.Continuity + w.Skill*e.Skill
	return units(s)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

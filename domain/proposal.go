package domain

import "time"

// Proposal is the matching engine's current suggestion for one open request:
// the volunteers the optimum picked, the next best alternatives, and, when slots
// stay open, why. Proposals are replaced by every run; a coordinator's decision
// turns one into a match.
type Proposal struct {
	ID           ID
	Tenant       ID
	Request      ID
	Municipality string // the request's AGS, for scoping
	Run          ID     // the run that wrote it; a newer run replaces it
	At           time.Time
	Proposed     []Candidate
	Alternatives []Candidate
	Missing      int    // slots no volunteer was found for
	Reason       string // why, in words (English; the code is for translation)
	ReasonCode   string // one of UnfilledReasons
}

// UnfilledReasons are the engine's codes for why a request keeps open slots,
// in the order it checks them (matching.UnfilledCodes).
var UnfilledReasons = []string{"no_skill", "no_language", "too_far", "no_time", "no_hours", "no_background_check", "candidates_busy"}

// Candidate is one volunteer for a request, with the score and its factors.
type Candidate struct {
	Volunteer  ID
	Name       string  // the volunteer's name at the run, for the review page
	Score      float64 // 0..1
	DistanceKm float64
	Factors    Factors
}

// Factors are the score's parts, each 0..1, as the engine explains them.
type Factors struct {
	Distance, Language, Availability, Priority, Load, Continuity, Skill float64
}

// ProposalAlternatives is how many alternatives a proposal lists beyond the
// proposed volunteers.
const ProposalAlternatives = 5

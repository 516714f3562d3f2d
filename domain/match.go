package domain

import "time"

// MatchStatus is where a decided pair of request and volunteer stands.
type MatchStatus string

// Match statuses. An approved match holds one of the request's places and one
// of the volunteer's capacity until it is declined, withdrawn or done.
const (
	MatchApproved  MatchStatus = "approved" // the coordinator said yes; the volunteer is asked
	MatchAccepted  MatchStatus = "accepted"
	MatchDeclined  MatchStatus = "declined"
	MatchRejected  MatchStatus = "rejected" // the coordinator said no
	MatchWithdrawn MatchStatus = "withdrawn"
	MatchCompleted MatchStatus = "completed" // the request was done with the volunteer's help
	MatchExpired   MatchStatus = "expired"   // the volunteer did not answer in time; the place went back
)

// MatchStatuses lists every status, for validation and the API description.
var MatchStatuses = []MatchStatus{MatchApproved, MatchAccepted, MatchDeclined, MatchRejected, MatchWithdrawn, MatchCompleted, MatchExpired}

// Match is a coordinator's decision on one proposed pair, and what followed.
type Match struct {
	ID           string // request hex ":" volunteer hex: a pair is decided once
	Tenant       ID
	Request      ID
	Volunteer    ID
	Municipality string // the request's AGS
	Status       MatchStatus
	Score        float64
	DistanceKm   float64
	Hours        int // the request's hours a month when approved; given back when the match ends
	Factors      Factors
	Override     bool   // the coordinator picked an alternative over the engine's proposal
	Reason       string // rejection reason, one of RejectReasons
	Note         string // free text; never logged
	DecidedBy    ID
	DecidedAt    time.Time
	AnsweredAt   time.Time // the volunteer's answer, or the end of the match
	AnswerReason string    // why the volunteer declined, if they said; never logged
	// ReminderFor is the appointment (RFC 3339 start, or a date) the last
	// reminder with a calendar invitation was for, "" for none; ReminderSeq is
	// that invitation's SEQUENCE, one higher for each change of time.
	ReminderFor string
	ReminderSeq int
}

// MatchID is the natural key of a pair.
func MatchID(request, volunteer ID) string { return request.Hex() + ":" + volunteer.Hex() }

// RejectReasons are the reasons a coordinator picks from when rejecting a
// proposal.
var RejectReasons = []string{"not_suitable", "volunteer_unavailable", "beneficiary_preference", "conflict_of_interest", "other"}

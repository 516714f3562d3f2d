package service

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"lotse/domain"
)

// Decision errors with message keys.
var (
	ErrNotProposed     = &domain.Error{Code: domain.EConflict, Key: "match.not_proposed"}
	ErrAlreadyApproved = &domain.Error{Code: domain.EConflict, Key: "match.already_approved"}
)

// Decision is what a coordinator adds to an approval or rejection.
type Decision struct {
	Reason string // rejections: one of domain.RejectReasons
	Note   string // free text; never logged
}

// ApproveMatch approves a volunteer the current proposal names for a request:
// the engine's choice, or one of the alternatives (an override, recorded as
// such). It takes one of the request's places, and one unit of the volunteer's
// capacity with the request's hours a month, each with a guarded
// single-document update, so of two coordinators
// taking the last place one wins and the other gets a conflict saying why; a
// repeated approval returns the same match and takes nothing twice.
func (s *Service) ApproveMatch(ctx context.Context, sc domain.Scope, request, volunteer domain.ID, d Decision) (*domain.Match, error) {
	r, cand, override, held, err := s.decide(ctx, sc, request, volunteer, d)
	if err != nil || held != nil {
		return held, err
	}
	if r.RequiresBackgroundCheck {
		// The proposal may predate a deleted or lapsed inspection record.
		if err := s.checkBackgroundCheck(ctx, sc, r, volunteer); err != nil {
			return nil, err
		}
	}
	claimed, err := s.Store.ClaimRequestPlace(ctx, sc, request, volunteer)
	if err != nil {
		return nil, err
	}
	if claimed {
		if err := s.Store.ClaimVolunteer(ctx, sc.Tenant, volunteer, r.HoursPerMonth); err != nil {
			if rerr := s.Store.ReleaseRequestPlace(ctx, sc, request, volunteer); rerr != nil {
				s.Log.Error("release request place", "request", request.Hex(), "volunteer", volunteer.Hex(), "err", rerr)
			}
			return nil, err
		}
	}
	m := &domain.Match{Tenant: sc.Tenant, Request: request, Volunteer: volunteer, Municipality: r.Municipality,
		Status: domain.MatchApproved, Score: cand.Score, DistanceKm: cand.DistanceKm, Hours: r.HoursPerMonth, Factors: cand.Factors,
		Override: override, Note: domain.CleanText(d.Note), DecidedBy: sc.User, DecidedAt: s.Now()}
	if err := s.Store.PutMatch(ctx, m); err != nil {
		return nil, err
	}
	if err := s.sendOffer(ctx, m); err != nil {
		// The approval stands; the outbox key lets a later run send the offer.
		s.Log.Error("queue offer", "request", request.Hex(), "volunteer", volunteer.Hex(), "err", err)
	}
	fields := []string{"status"}
	if override {
		fields = append(fields, "override")
	}
	s.audit(ctx, sc, "match.approve", "match", request, fields)
	return m, nil
}

// RejectMatch records a coordinator's no to a proposed volunteer, with a reason
// from the list and an optional note. An approved match cannot be rejected; it
// ends by the volunteer's answer or a withdrawal.
func (s *Service) RejectMatch(ctx context.Context, sc domain.Scope, request, volunteer domain.ID, d Decision) (*domain.Match, error) {
	if !slices.Contains(domain.RejectReasons, d.Reason) {
		fe := domain.FieldErrors{}
		fe.Add("reason", "field.choice.unknown")
		return nil, fe.Err()
	}
	r, cand, override, held, err := s.decide(ctx, sc, request, volunteer, d)
	if err != nil {
		return nil, err
	}
	if held != nil {
		return nil, ErrAlreadyApproved
	}
	m := &domain.Match{Tenant: sc.Tenant, Request: request, Volunteer: volunteer, Municipality: r.Municipality,
		Status: domain.MatchRejected, Score: cand.Score, DistanceKm: cand.DistanceKm, Factors: cand.Factors,
		Override: override, Reason: d.Reason, Note: domain.CleanText(d.Note), DecidedBy: sc.User, DecidedAt: s.Now()}
	if err := s.Store.PutMatch(ctx, m); err != nil {
		return nil, err
	}
	s.audit(ctx, sc, "match.reject", "match", request, []string{"status", "reason"})
	return m, nil
}

// decide checks what approval and rejection share: the note, the proposal
// naming the volunteer, and an approval already holding a place (held).
func (s *Service) decide(ctx context.Context, sc domain.Scope, request, volunteer domain.ID, d Decision) (
	r *domain.HelpRequest, cand domain.Candidate, override bool, held *domain.Match, err error) {
	if err = checkNote(d.Note); err != nil {
		return
	}
	if r, cand, override, err = s.proposed(ctx, sc, request, volunteer); err != nil {
		return
	}
	if m, merr := s.Store.Match(ctx, sc, request, volunteer); merr == nil &&
		(m.Status == domain.MatchApproved || m.Status == domain.MatchAccepted) {
		held = m
	}
	return
}

// proposed finds volunteer in the request's current proposal: among the
// proposed (override false) or the alternatives (override true).
func (s *Service) proposed(ctx context.Context, sc domain.Scope, request, volunteer domain.ID) (*domain.HelpRequest, domain.Candidate, bool, error) {
	if err := staffOnly(sc); err != nil {
		return nil, domain.Candidate{}, false, err
	}
	r, err := s.Store.Request(ctx, sc, request)
	if err != nil {
		return nil, domain.Candidate{}, false, err
	}
	p, err := s.Store.Proposal(ctx, sc, request, r.Municipality)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.Candidate{}, false, ErrNotProposed
	}
	if err != nil {
		return nil, domain.Candidate{}, false, err
	}
	for _, c := range p.Proposed {
		if c.Volunteer == volunteer {
			return r, c, false, nil
		}
	}
	for _, c := range p.Alternatives {
		if c.Volunteer == volunteer {
			return r, c, true, nil
		}
	}
	return nil, domain.Candidate{}, false, ErrNotProposed
}

func checkNote(note string) error {
	if len([]rune(note)) > domain.MaxNotesLen {
		fe := domain.FieldErrors{}
		fe.Add("note", "field.too_long")
		return fe.Err()
	}
	return nil
}

// Bounds of a bulk approval's threshold: below half the best score a person
// should look at each pair.
const (
	MinBulkScore = 0.5
	MaxBulkScore = 1.0
)

// BulkApproval says what ApproveAbove did.
type BulkApproval struct {
	Approved []*domain.Match
	Failed   []BulkFailure // pairs at or above the threshold that could not be approved
}

// BulkFailure is one pair a bulk approval could not approve, with the message
// key of why (e.g. match.volunteer_hours).
type BulkFailure struct {
	Request, Volunteer domain.ID
	Key                string
}

// ApproveAbove approves every volunteer the scope's current proposals name
// (the engine's choices, never alternatives) with a score of at least
// minScore and no decision yet, each exactly as ApproveMatch does: places,
// capacity and hours are claimed one guarded update at a time, so a pair that
// lost its place to a concurrent decision is reported, not forced.
func (s *Service) ApproveAbove(ctx context.Context, sc domain.Scope, minScore float64, note string) (BulkApproval, error) {
	var out BulkApproval
	fe := domain.FieldErrors{}
	switch {
	case !(minScore >= MinBulkScore): // also NaN
		fe.Add("min_score", "field.number.min")
	case minScore > MaxBulkScore:
		fe.Add("min_score", "field.number.max")
	}
	if err := fe.Err(); err != nil {
		return out, err
	}
	if err := checkNote(note); err != nil {
		return out, err
	}
	rv, err := s.ProposalReview(ctx, sc)
	if err != nil {
		return out, err
	}
	for _, it := range rv.Items {
		for _, c := range it.Proposal.Proposed {
			if c.Score < minScore || rv.Decisions[domain.MatchID(it.Request.ID, c.Volunteer)] != nil {
				continue
			}
			m, err := s.ApproveMatch(ctx, sc, it.Request.ID, c.Volunteer, Decision{Note: note})
			var de *domain.Error
			switch {
			case err == nil:
				out.Approved = append(out.Approved, m)
			case errors.As(err, &de) && de.Code != domain.EInternal:
				out.Failed = append(out.Failed, BulkFailure{Request: it.Request.ID, Volunteer: c.Volunteer, Key: cmp.Or(de.Key, "error.conflict")})
			default:
				return out, err
			}
		}
	}
	return out, nil
}

// RequestMatch is one decision on a request, with the volunteer's name.
type RequestMatch struct {
	Match *domain.Match
	Name  string // "" when the volunteer's record is gone
}

// RequestMatches returns the decisions on a request the scope may see, the
// newest first: who was asked, who said yes, who declined or dropped out. The
// names are shown even of volunteers from neighbouring municipalities: they
// work on this request.
func (s *Service) RequestMatches(ctx context.Context, sc domain.Scope, request domain.ID) ([]RequestMatch, error) {
	if _, err := s.Request(ctx, sc, request); err != nil {
		return nil, err
	}
	all, err := s.Store.Matches(ctx, sc)
	if err != nil {
		return nil, err
	}
	var out []RequestMatch
	for _, m := range all {
		if m.Request != request {
			continue
		}
		rm := RequestMatch{Match: m}
		if v, err := s.Store.Volunteer(ctx, domain.System(sc.Tenant), m.Volunteer); err == nil {
			rm.Name = v.Name
		} else if !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		out = append(out, rm)
	}
	slices.SortFunc(out, func(a, b RequestMatch) int { return b.Match.DecidedAt.Compare(a.Match.DecidedAt) })
	return out, nil
}

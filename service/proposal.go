package service

import (
	"context"
	"fmt"
	"time"

	"lotse/domain"
	"lotse/matching"
)

// ProposalRun says what a matching run did and how long its parts took.
type ProposalRun struct {
	Run        domain.ID
	Volunteers int // active volunteers with free capacity offered to the engine
	Requests   int // open requests of the scope
	Proposed   int // volunteers proposed, over all requests
	Unfilled   int // requests with slots left open
	Build      time.Duration
	Engine     time.Duration
	Write      time.Duration
}

// ProposeMatches runs the matching engine over the scope's open requests and
// the tenant's active volunteers with free capacity, and stores one proposal per
// request (the optimum's volunteers, the next best alternatives, why slots stay
// open), replacing older proposals. A coordinator's requests may draw on
// volunteers of other municipalities only where those consented to help there.
func (s *Service) ProposeMatches(ctx context.Context, sc domain.Scope) (ProposalRun, error) {
	if err := staffOnly(sc); err != nil {
		return ProposalRun{}, err
	}
	start := s.Now()
	run := ProposalRun{Run: domain.NewID(start)}
	vols, err := s.Store.MatchableVolunteers(ctx, sc.Tenant)
	if err != nil {
		return run, err
	}
	reqs, err := s.Store.OpenRequests(ctx, sc)
	if err != nil {
		return run, err
	}
	// Decisions taken stand: who declined or was rejected is not proposed for
	// that request again, and places already held are not offered twice.
	decided, err := s.Store.Matches(ctx, sc)
	if err != nil {
		return run, err
	}
	exclude := map[domain.ID][]string{}
	held := map[domain.ID]int{}
	for _, m := range decided {
		exclude[m.Request] = append(exclude[m.Request], m.Volunteer.Hex())
		if m.Status == domain.MatchApproved || m.Status == domain.MatchAccepted {
			held[m.Request]++
		}
	}
	scen := &matching.Scenario{Now: start, MaxDistanceKm: domain.MaxRadiusKm}
	for _, v := range vols {
		if v.Capacity-v.ActiveAssignments <= 0 || v.MaxHoursPerMonth > 0 && v.HoursCommitted >= v.MaxHoursPerMonth ||
			!(sc.SeesMunicipality(v.Municipality) || v.Neighbouring) {
			continue
		}
		scen.Volunteers = append(scen.Volunteers, scenarioVolunteer(v))
	}
	open := reqs[:0]
	for _, r := range reqs {
		mr := scenarioRequest(r)
		if mr.Needed -= held[r.ID]; mr.Needed <= 0 {
			continue
		}
		mr.ExcludedVolunteers = exclude[r.ID]
		scen.Requests = append(scen.Requests, mr)
		open = append(open, r)
	}
	reqs = open
	run.Volunteers, run.Requests = len(scen.Volunteers), len(scen.Requests)
	built := time.Now()
	res, err := matching.Solve(scen, matching.Config{})
	if err != nil {
		// The scenario comes from validated records: an error here is a bug.
		return run, fmt.Errorf("service: matching: %w", err)
	}
	solved := time.Now()
	names := make(map[string]string, len(vols))
	for _, v := range vols {
		names[v.ID.Hex()] = v.Name
	}
	props := proposalsOf(res, reqs, names, start)
	for _, p := range props {
		run.Proposed += len(p.Proposed)
		if p.Missing > 0 {
			run.Unfilled++
		}
	}
	if err := s.Store.ReplaceProposals(ctx, sc, run.Run, props); err != nil {
		return run, err
	}
	run.Build, run.Engine, run.Write = built.Sub(start), solved.Sub(built), time.Since(solved)
	s.audit(ctx, sc, "matching.propose", "proposal_run", run.Run, nil)
	s.Log.Info("matches proposed", "tenant", sc.Tenant.Hex(), "run", run.Run.Hex(), "requests", run.Requests,
		"volunteers", run.Volunteers, "proposed", run.Proposed, "engine_ms", run.Engine.Milliseconds())
	return run, nil
}

// Proposals returns the scope's current proposals, one per open request.
func (s *Service) Proposals(ctx context.Context, sc domain.Scope) ([]*domain.Proposal, error) {
	if err := staffOnly(sc); err != nil {
		return nil, err
	}
	return s.Store.Proposals(ctx, sc)
}

func scenarioVolunteer(v *domain.Volunteer) matching.Volunteer {
	lat, lon := v.Lat, v.Lon
	mv := matching.Volunteer{ID: v.ID.Hex(), Lat: &lat, Lon: &lon, RadiusKm: float64(v.RadiusKm),
		Skills: v.Skills, Availability: v.Availability, Capacity: v.Capacity, ActiveAssignments: v.ActiveAssignments,
		Municipality: v.Municipality, Neighbouring: v.Neighbouring, LanguageLevels: map[string]string{},
		BackgroundCheckValidUntil: v.BackgroundCheck.ValidUntil()}
	if v.MaxHoursPerMonth > 0 {
		free := max(v.MaxHoursPerMonth-v.HoursCommitted, 0)
		mv.HoursFree = &free
	}
	for _, l := range v.Languages {
		mv.Languages = append(mv.Languages, l.Code)
		mv.LanguageLevels[l.Code] = l.Level
	}
	return mv
}

func scenarioRequest(r *domain.HelpRequest) matching.Request {
	lat, lon := r.Lat, r.Lon
	return matching.Request{ID: r.ID.Hex(), Lat: &lat, Lon: &lon, Category: r.Category,
		LanguagesAny: r.LanguagesAny, Slots: r.Slots, Needed: r.Needed, Priority: r.Priority,
		RequiresBackgroundCheck: r.RequiresBackgroundCheck, Date: r.Date, Municipality: r.Municipality,
		HoursPerMonth: r.HoursPerMonth}
}

// proposalsOf turns the engine's result into one proposal per request. Each
// candidate carries the volunteer's name as it was at the run, so the review
// page needs no read of all volunteers.
func proposalsOf(res *matching.Result, reqs []*domain.HelpRequest, names map[string]string, at time.Time) []*domain.Proposal {
	byReq := make(map[string]*domain.Proposal, len(reqs))
	out := make([]*domain.Proposal, len(reqs))
	for i, r := range reqs {
		p := &domain.Proposal{Request: r.ID, Municipality: r.Municipality, At: at}
		for _, a := range res.Alternatives(r.ID.Hex(), domain.ProposalAlternatives) {
			p.Alternatives = append(p.Alternatives, candidateOf(a, names))
		}
		out[i], byReq[r.ID.Hex()] = p, p
	}
	for _, a := range res.Assignments {
		p := byReq[a.Request]
		p.Proposed = append(p.Proposed, candidateOf(a, names))
	}
	for _, u := range res.Unfilled {
		p := byReq[u.Request]
		p.Missing, p.Reason, p.ReasonCode = u.Missing, u.Reason, u.Code
	}
	return out
}

func candidateOf(a matching.Assignment, names map[string]string) domain.Candidate {
	id, _ := domain.ParseID(a.Volunteer) // the service wrote these IDs
	e := a.Explain
	return domain.Candidate{Volunteer: id, Name: names[a.Volunteer], Score: a.Score, DistanceKm: a.DistanceKm, Factors: domain.Factors{
		Distance: e.Distance, Language: e.Language, Availability: e.Availability, Priority: e.Priority,
		Load: e.Load, Continuity: e.Continuity, Skill: e.Skill}}
}

// Review is the scope's review queue: each open request with its current
// proposal, the volunteers the proposals name and the decisions already taken.
type Review struct {
	Items     []ReviewItem
	Decisions map[string]*domain.Match // decisions on the items' requests, by domain.MatchID
}

// ReviewItem is one open request and the proposal for it.
type ReviewItem struct {
	Request  *domain.HelpRequest
	Proposal *domain.Proposal
}

// ProposalReview returns the scope's current proposals for requests that are
// still open, oldest request first, with the requests and the coordinators'
// decisions on them. It reads proposals, open requests and decisions once
// each; candidates carry their names from the run, so no read of all
// volunteers is needed. Accountants get ErrForbidden.
func (s *Service) ProposalReview(ctx context.Context, sc domain.Scope) (Review, error) {
	props, err := s.Proposals(ctx, sc)
	if err != nil {
		return Review{}, err
	}
	reqs, err := s.Store.OpenRequests(ctx, sc)
	if err != nil {
		return Review{}, err
	}
	matches, err := s.Store.Matches(ctx, sc)
	if err != nil {
		return Review{}, err
	}
	open := make(map[domain.ID]*domain.HelpRequest, len(reqs))
	for _, r := range reqs {
		open[r.ID] = r
	}
	rv := Review{Decisions: map[string]*domain.Match{}}
	for _, m := range matches {
		if open[m.Request] != nil {
			rv.Decisions[m.ID] = m
		}
	}
	for _, p := range props {
		r, ok := open[p.Request]
		if !ok {
			continue // matched, done or cancelled since the run
		}
		rv.Items = append(rv.Items, ReviewItem{Request: r, Proposal: p})
	}
	return rv, nil
}

package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"lotse/domain"
)

// Claims on a request's places and a volunteer's capacity are single-document
// guarded updates, retried when someone else changed the document in between:
// of two coordinators taking the last place, one wins and the other gets a
// conflict that says why.

// Conflicts a coordinator sees, with message keys.
var (
	ErrRequestFull   = &domain.Error{Code: domain.EConflict, Key: "match.request_full"}
	ErrRequestClosed = &domain.Error{Code: domain.EConflict, Key: "match.request_closed"}
	ErrVolunteerFull = &domain.Error{Code: domain.EConflict, Key: "match.volunteer_full"}
	ErrNotMatchable  = &domain.Error{Code: domain.EConflict, Key: "match.volunteer_inactive"}
	// ErrVolunteerHours: the request's hours a month would take the volunteer
	// beyond the monthly hours they stated.
	ErrVolunteerHours = &domain.Error{Code: domain.EConflict, Key: "match.volunteer_hours"}
	// ErrVolunteerPaused: the volunteer paused themselves after the proposal.
	ErrVolunteerPaused = &domain.Error{Code: domain.EConflict, Key: "match.volunteer_paused"}
)

// claimRetries bounds the retries of a guarded claim under contention.
const claimRetries = 16

// ClaimRequestPlace gives volunteer one of the request's places. It reports
// false when the volunteer already holds one (a repeated approval), and returns
// ErrRequestFull or ErrRequestClosed when no place can be had. The request
// becomes matched when its last place is taken.
func (s *Store) ClaimRequestPlace(ctx context.Context, sc domain.Scope, request, volunteer domain.ID) (bool, error) {
	for range claimRetries {
		d, err := s.requestDoc(ctx, sc, request)
		if err != nil {
			return false, err
		}
		switch {
		case slices.Contains(d.Held, oid(volunteer)):
			return false, nil
		case d.Status != string(domain.RequestOpen):
			return false, ErrRequestClosed
		case len(d.Held) >= d.Needed:
			return false, ErrRequestFull
		}
		set := bson.D{{Key: "rev", Value: s.newRev()}, {Key: "updated_at", Value: s.now()}}
		if len(d.Held)+1 == d.Needed {
			set = append(set, bson.E{Key: "status", Value: string(domain.RequestMatched)})
		}
		err = s.updateGuarded(ctx, s.requests, oid(request), sc.Tenant, []Guard{{"rev", d.Rev}},
			bson.D{{Key: "$push", Value: bson.D{{Key: "held", Value: oid(volunteer)}}}, {Key: "$set", Value: set}})
		if errors.Is(err, domain.ErrConflict) {
			continue
		}
		return err == nil, err
	}
	return false, domain.ErrConflict
}

// ReleaseRequestPlace gives a place back; a matched request opens again.
func (s *Store) ReleaseRequestPlace(ctx context.Context, sc domain.Scope, request, volunteer domain.ID) error {
	for range claimRetries {
		d, err := s.requestDoc(ctx, sc, request)
		if err != nil {
			return err
		}
		if !slices.Contains(d.Held, oid(volunteer)) {
			return nil
		}
		set := bson.D{{Key: "rev", Value: s.newRev()}, {Key: "updated_at", Value: s.now()}}
		if d.Status == string(domain.RequestMatched) {
			set = append(set, bson.E{Key: "status", Value: string(domain.RequestOpen)})
		}
		err = s.updateGuarded(ctx, s.requests, oid(request), sc.Tenant, []Guard{{"rev", d.Rev}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: "held", Value: oid(volunteer)}}}, {Key: "$set", Value: set}})
		if !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return domain.ErrConflict
}

// ClaimVolunteer takes one unit of an active volunteer's capacity and hours a
// month of their monthly limit, or returns ErrVolunteerFull / ErrVolunteerHours /
// ErrVolunteerPaused / ErrNotMatchable.
func (s *Store) ClaimVolunteer(ctx context.Context, tenant, volunteer domain.ID, hours int) error {
	return s.adjustLoad(ctx, tenant, volunteer, +1, hours)
}

// ReleaseVolunteer gives one unit of capacity and hours a month back.
func (s *Store) ReleaseVolunteer(ctx context.Context, tenant, volunteer domain.ID, hours int) error {
	return s.adjustLoad(ctx, tenant, volunteer, -1, -hours)
}

// adjustLoad changes a volunteer's assignments by n and committed hours by h in
// one update guarded on both counters, so two approvals at once can neither
// exceed the capacity nor the monthly hours.
func (s *Store) adjustLoad(ctx context.Context, tenant, volunteer domain.ID, n, h int) error {
	for range claimRetries {
		var d volunteerDoc
		if err := s.findOwned(ctx, s.volunteers, oid(volunteer), tenant, &d); err != nil {
			return err
		}
		switch {
		case n > 0 && d.Status != string(domain.VolunteerActive):
			return ErrNotMatchable
		case n > 0 && d.PausedUntil.After(s.now()):
			return ErrVolunteerPaused
		case n > 0 && d.ActiveAssignments >= d.Capacity:
			return ErrVolunteerFull
		case n > 0 && d.MaxHoursPerMonth > 0 && d.HoursCommitted+h > d.MaxHoursPerMonth:
			return ErrVolunteerHours
		case n < 0 && d.ActiveAssignments == 0 && d.HoursCommitted == 0:
			return nil
		}
		// Giving back never goes below zero, whatever a crash left behind.
		n, h := max(n, -d.ActiveAssignments), max(h, -d.HoursCommitted)
		err := s.updateGuarded(ctx, s.volunteers, oid(volunteer), tenant,
			[]Guard{{"active_assignments", d.ActiveAssignments}, {"hours_committed", d.HoursCommitted}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "active_assignments", Value: n}, {Key: "hours_committed", Value: h}}},
				{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.now()}}}})
		if !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return domain.ErrConflict
}

type matchDoc struct {
	ID           string        `bson:"_id"`
	TenantID     bson.ObjectID `bson:"tenant_id"`
	Request      bson.ObjectID `bson:"request"`
	Volunteer    bson.ObjectID `bson:"volunteer"`
	Municipality string        `bson:"municipality"`
	Status       string        `bson:"status"`
	Score        float64       `bson:"score"`
	DistanceKm   float64       `bson:"distance_km"`
	Hours        int           `bson:"hours,omitempty"`
	Factors      [7]float64    `bson:"factors"`
	Override     bool          `bson:"override,omitempty"`
	Reason       string        `bson:"reason,omitempty"`
	Note         string        `bson:"note,omitempty"`
	DecidedBy    bson.ObjectID `bson:"decided_by"`
	DecidedAt    time.Time     `bson:"decided_at"`
	AnsweredAt   time.Time     `bson:"answered_at,omitempty"`
	AnswerReason string        `bson:"answer_reason,omitempty"`
	ReminderFor  string        `bson:"reminder_for,omitempty"`
	ReminderSeq  int           `bson:"reminder_seq,omitempty"`
}

func (d *matchDoc) domain() *domain.Match {
	f := d.Factors
	return &domain.Match{ID: d.ID, Tenant: domain.ID(d.TenantID), Request: domain.ID(d.Request),
		Volunteer: domain.ID(d.Volunteer), Municipality: d.Municipality, Status: domain.MatchStatus(d.Status),
		Score: d.Score, DistanceKm: d.DistanceKm, Hours: d.Hours, Factors: domain.Factors{Distance: f[0], Language: f[1],
			Availability: f[2], Priority: f[3], Load: f[4], Continuity: f[5], Skill: f[6]},
		Override: d.Override, Reason: d.Reason, Note: d.Note, DecidedBy: domain.ID(d.DecidedBy), DecidedAt: d.DecidedAt,
		AnsweredAt: d.AnsweredAt, AnswerReason: d.AnswerReason, ReminderFor: d.ReminderFor, ReminderSeq: d.ReminderSeq}
}

// PutMatch stores a decision under the pair's natural key, replacing an
// earlier decision on the same pair.
func (s *Store) PutMatch(ctx context.Context, m *domain.Match) error {
	m.ID = domain.MatchID(m.Request, m.Volunteer)
	f := m.Factors
	d := matchDoc{ID: m.ID, TenantID: oid(m.Tenant), Request: oid(m.Request), Volunteer: oid(m.Volunteer),
		Municipality: m.Municipality, Status: string(m.Status), Score: m.Score, DistanceKm: m.DistanceKm, Hours: m.Hours,
		Factors:  [7]float64{f.Distance, f.Language, f.Availability, f.Priority, f.Load, f.Continuity, f.Skill},
		Override: m.Override, Reason: m.Reason, Note: m.Note, DecidedBy: oid(m.DecidedBy), DecidedAt: m.DecidedAt,
		AnsweredAt: m.AnsweredAt, AnswerReason: m.AnswerReason, ReminderFor: m.ReminderFor, ReminderSeq: m.ReminderSeq}
	_, err := s.matches.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, optionsUpsert())
	if mongo.IsDuplicateKeyError(err) {
		// Two upserts of the same pair at once both tried to insert; the
		// loser's retry finds the winner's document and replaces it.
		_, err = s.matches.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, optionsUpsert())
	}
	return wrap(err, "store match")
}

// Match returns the decision on a pair the scope may see, else ErrNotFound.
func (s *Store) Match(ctx context.Context, sc domain.Scope, request, volunteer domain.ID) (*domain.Match, error) {
	m, err := s.MatchForLink(ctx, request, volunteer)
	if err != nil {
		return nil, err
	}
	if m.Tenant != sc.Tenant || !sc.SeesMunicipality(m.Municipality) {
		return nil, domain.ErrNotFound
	}
	return m, nil
}

// Matches returns the scope's decisions.
func (s *Store) Matches(ctx context.Context, sc domain.Scope) ([]*domain.Match, error) {
	var docs []matchDoc
	if err := s.findAll(ctx, s.matches, bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)}}, &docs); err != nil {
		return nil, err
	}
	var out []*domain.Match
	for i := range docs {
		if sc.SeesMunicipality(docs[i].Municipality) {
			out = append(out, docs[i].domain())
		}
	}
	return out, nil
}

// MatchesOfVolunteer returns the tenant's decisions on one volunteer, for the
// volunteer's own portal: the caller has authenticated the volunteer, and the
// tenant and volunteer filters keep every other volunteer's matches out.
func (s *Store) MatchesOfVolunteer(ctx context.Context, tenant, volunteer domain.ID) ([]*domain.Match, error) {
	var docs []matchDoc
	if err := s.findAll(ctx, s.matches, bson.D{{Key: "tenant_id", Value: oid(tenant)},
		{Key: "volunteer", Value: oid(volunteer)}}, &docs); err != nil {
		return nil, err
	}
	out := make([]*domain.Match, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// MatchForLink returns a match by its natural key in any tenant. Only callers
// that verified a signed link may use it.
func (s *Store) MatchForLink(ctx context.Context, request, volunteer domain.ID) (*domain.Match, error) {
	var d matchDoc
	err := s.matches.FindOne(ctx, bson.D{{Key: "_id", Value: domain.MatchID(request, volunteer)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, wrap(err, "read match")
	}
	return d.domain(), nil
}

// SetMatchStatus moves a match from one status to another, or returns
// ErrConflict when it is no longer in status from.
func (s *Store) SetMatchStatus(ctx context.Context, m *domain.Match, from, to domain.MatchStatus, reason string) error {
	set := bson.D{{Key: "status", Value: string(to)}, {Key: "answered_at", Value: s.now()}}
	if reason != "" {
		set = append(set, bson.E{Key: "answer_reason", Value: reason})
	}
	return s.updateGuarded(ctx, s.matches, domain.MatchID(m.Request, m.Volunteer), m.Tenant,
		[]Guard{{"status", string(from)}}, bson.D{{Key: "$set", Value: set}})
}

// MarkReminder records that the match's appointment reminder goes out for
// appointment next with invitation sequence seq, if the last one recorded was
// for prev; ErrConflict when another run recorded first.
func (s *Store) MarkReminder(ctx context.Context, m *domain.Match, prev, next string, seq int) error {
	return s.updateGuarded(ctx, s.matches, m.ID, m.Tenant, []Guard{{"reminder_for", prev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "reminder_for", Value: next}, {Key: "reminder_seq", Value: seq}}}})
}

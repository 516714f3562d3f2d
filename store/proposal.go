package store

import (
	"bytes"
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"lotse/domain"
)

// Proposals live in their own small collection, replaced by every matching run
// (DESIGN.md: keep what is still to be decided apart from history).

type candidateDoc struct {
	Volunteer  bson.ObjectID `bson:"volunteer"`
	Score      float64       `bson:"score"`
	DistanceKm float64       `bson:"distance_km"`
	Factors    factorsDoc    `bson:"factors"`
}

type factorsDoc struct {
	Distance     float64 `bson:"distance"`
	Language     float64 `bson:"language"`
	Availability float64 `bson:"availability"`
	Priority     float64 `bson:"priority"`
	Load         float64 `bson:"load"`
	Continuity   float64 `bson:"continuity"`
	Skill        float64 `bson:"skill"`
}

type proposalDoc struct {
	ID           bson.ObjectID  `bson:"_id"`
	TenantID     bson.ObjectID  `bson:"tenant_id"`
	Request      bson.ObjectID  `bson:"request"`
	Municipality string         `bson:"municipality"`
	Run          bson.ObjectID  `bson:"run"`
	At           time.Time      `bson:"at"`
	Proposed     []candidateDoc `bson:"proposed"`
	Alternatives []candidateDoc `bson:"alternatives"`
	Missing      int            `bson:"missing"`
	Reason       string         `bson:"reason,omitempty"`
	ReasonCode   string         `bson:"reason_code,omitempty"`
}

func candidatesToDoc(cs []domain.Candidate) []candidateDoc {
	out := make([]candidateDoc, len(cs))
	for i, c := range cs {
		f := c.Factors
		out[i] = candidateDoc{Volunteer: oid(c.Volunteer), Score: c.Score, DistanceKm: c.DistanceKm,
			Factors: factorsDoc{f.Distance, f.Language, f.Availability, f.Priority, f.Load, f.Continuity, f.Skill}}
	}
	return out
}

func (d candidateDoc) domain() domain.Candidate {
	f := d.Factors
	return domain.Candidate{Volunteer: domain.ID(d.Volunteer), Score: d.Score, DistanceKm: d.DistanceKm,
		Factors: domain.Factors{Distance: f.Distance, Language: f.Language, Availability: f.Availability,
			Priority: f.Priority, Load: f.Load, Continuity: f.Continuity, Skill: f.Skill}}
}

func (d *proposalDoc) domain() *domain.Proposal {
	p := &domain.Proposal{ID: domain.ID(d.ID), Tenant: domain.ID(d.TenantID), Request: domain.ID(d.Request),
		Municipality: d.Municipality, Run: domain.ID(d.Run), At: d.At, Missing: d.Missing,
		Reason: d.Reason, ReasonCode: d.ReasonCode}
	for _, c := range d.Proposed {
		p.Proposed = append(p.Proposed, c.domain())
	}
	for _, c := range d.Alternatives {
		p.Alternatives = append(p.Alternatives, c.domain())
	}
	return p
}

// MatchableVolunteers returns the tenant's active (confirmed, not paused)
// volunteers: one read, filtered on the server.
func (s *Store) MatchableVolunteers(ctx context.Context, tenant domain.ID) ([]*domain.Volunteer, error) {
	var docs []volunteerDoc
	if err := s.findAll(ctx, s.volunteers, bson.D{{Key: "tenant_id", Value: oid(tenant)},
		{Key: "status", Value: string(domain.VolunteerActive)}}, &docs); err != nil {
		return nil, err
	}
	out := make([]*domain.Volunteer, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// OpenRequests returns the scope's open help requests.
func (s *Store) OpenRequests(ctx context.Context, sc domain.Scope) ([]*domain.HelpRequest, error) {
	var docs []requestDoc
	if err := s.findAll(ctx, s.requests, bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)},
		{Key: "status", Value: string(domain.RequestOpen)}}, &docs); err != nil {
		return nil, err
	}
	var out []*domain.HelpRequest
	for i := range docs {
		if sc.SeesMunicipality(docs[i].Municipality) {
			out = append(out, docs[i].domain())
		}
	}
	return out, nil
}

// ReplaceProposals stores a run's proposals, then deletes the scope's
// proposals of older runs. Run IDs grow with time, so of two overlapping runs the
// newer one's proposals remain, whichever finishes last; readers meanwhile may
// see both runs and keep the newer (Proposals does).
func (s *Store) ReplaceProposals(ctx context.Context, sc domain.Scope, run domain.ID, ps []*domain.Proposal) error {
	if len(ps) > 0 {
		docs := make([]any, len(ps))
		for i, p := range ps {
			if p.ID.IsZero() {
				p.ID = domain.NewID(s.now())
			}
			p.Tenant, p.Run = sc.Tenant, run
			docs[i] = proposalDoc{ID: oid(p.ID), TenantID: oid(sc.Tenant), Request: oid(p.Request),
				Municipality: p.Municipality, Run: oid(run), At: p.At, Proposed: candidatesToDoc(p.Proposed),
				Alternatives: candidatesToDoc(p.Alternatives), Missing: p.Missing, Reason: p.Reason, ReasonCode: p.ReasonCode}
		}
		if _, err := s.proposals.InsertMany(ctx, docs); err != nil {
			return wrap(err, "store proposals")
		}
	}
	filter := bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)}, {Key: "run", Value: bson.D{{Key: "$lt", Value: oid(run)}}}}
	if sc.Role != domain.RoleAdmin {
		filter = append(filter, bson.E{Key: "municipality", Value: bson.D{{Key: "$in", Value: nonNil(sc.Municipalities)}}})
	}
	_, err := s.proposals.DeleteMany(ctx, filter)
	return wrap(err, "delete old proposals")
}

// Proposals returns the scope's current proposals, one per request (the newest
// run's), oldest request first.
func (s *Store) Proposals(ctx context.Context, sc domain.Scope) ([]*domain.Proposal, error) {
	var docs []proposalDoc
	if err := s.findAll(ctx, s.proposals, bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)}}, &docs); err != nil {
		return nil, err
	}
	newest := map[bson.ObjectID]*proposalDoc{}
	for i := range docs {
		d := &docs[i]
		if !sc.SeesMunicipality(d.Municipality) {
			continue
		}
		if cur, ok := newest[d.Request]; !ok || cur.Run.Hex() < d.Run.Hex() {
			newest[d.Request] = d
		}
	}
	out := make([]*domain.Proposal, 0, len(newest))
	for _, d := range newest {
		out = append(out, d.domain())
	}
	sortByRequest(out)
	return out, nil
}

func sortByRequest(ps []*domain.Proposal) {
	slices.SortFunc(ps, func(a, b *domain.Proposal) int { return bytes.Compare(a.Request[:], b.Request[:]) })
}

// findAll decodes every document of c matching filter into out.
func (s *Store) findAll(ctx context.Context, c *mongo.Collection, filter bson.D, out any) error {
	cur, err := c.Find(ctx, filter)
	if err != nil {
		return wrap(err, "read %s", c.Name())
	}
	return wrap(cur.All(ctx, out), "read %s", c.Name())
}

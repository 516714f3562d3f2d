package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"lotse/domain"
)

// Proposals live in their own small collection, replaced by every matching run
// (DESIGN.md: keep what is still to be decided apart from history).

type candidateDoc struct {
	Volunteer  bson.ObjectID `json:"v"`
	Name       string        `json:"n,omitempty"`
	Score      float64       `json:"s"`
	DistanceKm float64       `json:"d"`
	Factors    factorsDoc    `json:"f"`
}

// factorsDoc is the seven factors in a fixed order, to keep the blob small:
// distance, language, availability, priority, load, continuity, skill.
type factorsDoc [7]float64

// proposalsDoc holds one municipality's proposals of the latest run, so a run
// writes one document per municipality and a review reads them by _id: on the
// embedded backend anything else would scan. The items are one JSON blob:
// nobody queries inside them, and FerretDB converts every field of a document
// through its own JSON form, which for a Landkreis' thousands of nested
// candidates took seconds per write and read; a blob takes milliseconds.
type proposalsDoc struct {
	ID           string        `bson:"_id"` // tenant hex + ":" + AGS
	TenantID     bson.ObjectID `bson:"tenant_id"`
	Municipality string        `bson:"municipality"`
	Run          bson.ObjectID `bson:"run"`
	At           time.Time     `bson:"at"`
	Items        []byte        `bson:"items"` // JSON of []proposalItem
}

type proposalItem struct {
	Request      bson.ObjectID  `json:"request"`
	Proposed     []candidateDoc `json:"proposed"`
	Alternatives []candidateDoc `json:"alternatives"`
	Missing      int            `json:"missing,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	ReasonCode   string         `json:"reason_code,omitempty"`
}

func proposalsID(tenant domain.ID, ags string) string { return tenant.Hex() + ":" + ags }

func candidatesToDoc(cs []domain.Candidate) []candidateDoc {
	out := make([]candidateDoc, len(cs))
	for i, c := range cs {
		f := c.Factors
		out[i] = candidateDoc{Volunteer: oid(c.Volunteer), Name: c.Name, Score: c.Score, DistanceKm: c.DistanceKm,
			Factors: factorsDoc{f.Distance, f.Language, f.Availability, f.Priority, f.Load, f.Continuity, f.Skill}}
	}
	return out
}

func (d candidateDoc) domain() domain.Candidate {
	f := d.Factors
	return domain.Candidate{Volunteer: domain.ID(d.Volunteer), Name: d.Name, Score: d.Score, DistanceKm: d.DistanceKm,
		Factors: domain.Factors{Distance: f[0], Language: f[1], Availability: f[2],
			Priority: f[3], Load: f[4], Continuity: f[5], Skill: f[6]}}
}

func (it *proposalItem) domain(d *proposalsDoc) *domain.Proposal {
	p := &domain.Proposal{ID: domain.ID(it.Request), Tenant: domain.ID(d.TenantID), Request: domain.ID(it.Request),
		Municipality: d.Municipality, Run: domain.ID(d.Run), At: d.At, Missing: it.Missing,
		Reason: it.Reason, ReasonCode: it.ReasonCode}
	for _, c := range it.Proposed {
		p.Proposed = append(p.Proposed, c.domain())
	}
	for _, c := range it.Alternatives {
		p.Alternatives = append(p.Alternatives, c.domain())
	}
	return p
}

// MatchableVolunteers returns the tenant's active (confirmed, not paused)
// volunteers: one read, filtered on the server.
func (s *Store) MatchableVolunteers(ctx context.Context, tenant domain.ID) ([]*domain.Volunteer, error) {
	return s.activeVolunteers(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)},
		{Key: "status", Value: string(domain.VolunteerActive)},
		{Key: "paused_until", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: s.now()}}}}}})
}

// ActiveVolunteers returns the tenant's active volunteers, paused or not.
func (s *Store) ActiveVolunteers(ctx context.Context, tenant domain.ID) ([]*domain.Volunteer, error) {
	return s.activeVolunteers(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)},
		{Key: "status", Value: string(domain.VolunteerActive)}})
}

func (s *Store) activeVolunteers(ctx context.Context, filter bson.D) ([]*domain.Volunteer, error) {
	var docs []volunteerDoc
	if err := s.findAll(ctx, s.volunteers, filter, &docs); err != nil {
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

// ReplaceProposals stores a run's proposals: one document per municipality of
// the scope, each replaced whole, so a municipality without open requests is
// emptied too. Run IDs grow with time: a document already holding a newer
// run's proposals is left as it is, so of two overlapping runs the newer wins.
func (s *Store) ReplaceProposals(ctx context.Context, sc domain.Scope, run domain.ID, ps []*domain.Proposal) error {
	munis := sc.Municipalities
	if sc.Role == domain.RoleAdmin {
		t, err := s.Tenant(ctx, sc.Tenant)
		if err != nil {
			return err
		}
		munis = nil
		for _, m := range t.Municipalities {
			munis = append(munis, m.AGS)
		}
	}
	now := s.now()
	items := make(map[string][]proposalItem, len(munis))
	for _, ags := range munis {
		items[ags] = []proposalItem{}
	}
	for _, p := range ps {
		if _, ok := items[p.Municipality]; !ok {
			continue // outside the scope: not this run's to write
		}
		p.ID, p.Tenant, p.Run, p.At = p.Request, sc.Tenant, run, now
		items[p.Municipality] = append(items[p.Municipality], proposalItem{Request: oid(p.Request),
			Proposed: candidatesToDoc(p.Proposed), Alternatives: candidatesToDoc(p.Alternatives),
			Missing: p.Missing, Reason: p.Reason, ReasonCode: p.ReasonCode})
	}
	for _, ags := range munis {
		blob, err := json.Marshal(items[ags])
		if err != nil {
			return fmt.Errorf("store: encode proposals: %w", err)
		}
		d := &proposalsDoc{ID: proposalsID(sc.Tenant, ags), TenantID: oid(sc.Tenant), Municipality: ags,
			Run: oid(run), At: now, Items: blob}
		if err := s.replaceProposals(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) replaceProposals(ctx context.Context, d *proposalsDoc) error {
	if s.embedded {
		defer s.locks.lock("proposals\x00" + d.ID)()
		var cur struct {
			Run bson.ObjectID `bson:"run"`
		}
		err := s.proposals.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&cur)
		if err == nil && bytes.Compare(cur.Run[:], d.Run[:]) > 0 {
			return nil
		}
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return wrap(err, "read proposals")
		}
		// FerretDB replaces a large document field by field (seconds for a
		// Landkreis); deleting and inserting it by _id takes milliseconds. Readers
		// take the same lock, so none sees the gap.
		if _, err := s.proposals.DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
			return wrap(err, "store proposals")
		}
		_, err = s.proposals.InsertOne(ctx, d)
		return wrap(err, "store proposals")
	}
	_, err := s.proposals.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "run", Value: bson.D{{Key: "$lt", Value: d.Run}}}},
		d, optionsUpsert())
	if mongo.IsDuplicateKeyError(err) {
		return nil // a newer run's proposals are there
	}
	return wrap(err, "store proposals")
}

// Proposals returns the scope's current proposals, one per open request, in
// request order: one read by _id per municipality.
func (s *Store) Proposals(ctx context.Context, sc domain.Scope) ([]*domain.Proposal, error) {
	munis := sc.Municipalities
	switch sc.Role {
	case domain.RoleAdmin:
		t, err := s.Tenant(ctx, sc.Tenant)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		munis = nil
		for _, m := range t.Municipalities {
			munis = append(munis, m.AGS)
		}
	case domain.RoleCoordinator:
	default:
		return nil, nil
	}
	var out []*domain.Proposal
	for _, ags := range munis {
		d, list, err := s.readProposals(ctx, sc.Tenant, ags)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i := range list {
			out = append(out, list[i].domain(d))
		}
	}
	sortByRequest(out)
	return out, nil
}

// readProposals reads one municipality's proposals document by _id, under the
// lock its writer takes on the embedded backend.
func (s *Store) readProposals(ctx context.Context, tenant domain.ID, ags string) (*proposalsDoc, []proposalItem, error) {
	id := proposalsID(tenant, ags)
	var d proposalsDoc
	unlock := func() {}
	if s.embedded {
		unlock = s.locks.lock("proposals\x00" + id)
	}
	err := s.proposals.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	unlock()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, nil, wrap(err, "read proposals")
	}
	var list []proposalItem
	if err := json.Unmarshal(d.Items, &list); err != nil {
		return nil, nil, fmt.Errorf("store: decode proposals %s: %w", id, err)
	}
	return &d, list, nil
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

// Proposal returns the current proposal for one request of municipality ags,
// or ErrNotFound: one read by _id.
func (s *Store) Proposal(ctx context.Context, sc domain.Scope, request domain.ID, ags string) (*domain.Proposal, error) {
	if !sc.SeesMunicipality(ags) {
		return nil, domain.ErrNotFound
	}
	d, list, err := s.readProposals(ctx, sc.Tenant, ags)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if domain.ID(list[i].Request) == request {
			return list[i].domain(d), nil
		}
	}
	return nil, domain.ErrNotFound
}

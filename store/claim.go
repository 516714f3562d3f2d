package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

type claimTripDoc struct {
	Date         string `bson:"date"`
	From         string `bson:"from"`
	To           string `bson:"to"`
	Metres       int64  `bson:"metres"`
	Mode         string `bson:"mode"`
	Passengers   int    `bson:"passengers,omitempty"`
	TicketCents  int64  `bson:"ticket_cents,omitempty"`
	Purpose      string `bson:"purpose"`
	RaisedReason string `bson:"raised_reason,omitempty"`
	Table        string `bson:"table"`
	AmountCents  int64  `bson:"amount_cents"`
	Capped       bool   `bson:"capped,omitempty"`
	Detour       bool   `bson:"detour,omitempty"`
}

type claimDTicketDoc struct {
	Month       string `bson:"month"`
	FaresCents  int64  `bson:"fares_cents"`
	AmountCents int64  `bson:"amount_cents"`
}

type claimDoc struct {
	ID             bson.ObjectID     `bson:"_id"`
	TenantID       bson.ObjectID     `bson:"tenant_id"`
	Volunteer      bson.ObjectID     `bson:"volunteer"`
	Request        bson.ObjectID     `bson:"request"`
	Municipality   string            `bson:"municipality"`
	Kind           string            `bson:"kind"`
	Trips          []claimTripDoc    `bson:"trips,omitempty"`
	DTickets       []claimDTicketDoc `bson:"dtickets,omitempty"`
	AllowanceBasis string            `bson:"allowance_basis,omitempty"`
	AllowanceYear  int               `bson:"allowance_year,omitempty"`
	Elsewhere      int64             `bson:"declared_elsewhere,omitempty"`
	OverrideReason string            `bson:"override_reason,omitempty"`
	AmountCents    int64             `bson:"amount_cents"`
	Status         string            `bson:"status"`
	Note           string            `bson:"note,omitempty"`
	SubmittedAt    time.Time         `bson:"submitted_at"`
	CheckedBy      bson.ObjectID     `bson:"checked_by,omitempty"`
	CheckedAt      time.Time         `bson:"checked_at,omitempty"`
	ReleasedBy     bson.ObjectID     `bson:"released_by,omitempty"`
	ReleasedAt     time.Time         `bson:"released_at,omitempty"`
	RejectReason   string            `bson:"reject_reason,omitempty"`
	ReversalOf     bson.ObjectID     `bson:"reversal_of,omitempty"`
	ReversedBy     string            `bson:"reversed_by,omitempty"` // hex, so a "" guard finds unreversed claims
	Batch          bson.ObjectID     `bson:"batch,omitempty"`
}

func claimToDoc(c *domain.Claim) claimDoc {
	d := claimDoc{ID: oid(c.ID), TenantID: oid(c.Tenant), Volunteer: oid(c.Volunteer), Request: oid(c.Request),
		Municipality: c.Municipality, Kind: string(c.Kind), AllowanceBasis: c.AllowanceBasis, AllowanceYear: c.AllowanceYear,
		Elsewhere: c.DeclaredElsewhere, OverrideReason: c.OverrideReason, AmountCents: c.AmountCents, Status: string(c.Status), Note: c.Note, SubmittedAt: c.SubmittedAt,
		CheckedBy: oid(c.CheckedBy), CheckedAt: c.CheckedAt, ReleasedBy: oid(c.ReleasedBy), ReleasedAt: c.ReleasedAt,
		RejectReason: c.RejectReason, ReversalOf: oid(c.ReversalOf), Batch: oid(c.Batch)}
	if !c.ReversedBy.IsZero() {
		d.ReversedBy = c.ReversedBy.Hex()
	}
	for _, t := range c.DTickets {
		d.DTickets = append(d.DTickets, claimDTicketDoc(t))
	}
	for _, t := range c.Trips {
		d.Trips = append(d.Trips, claimTripDoc(t))
	}
	return d
}

func (d *claimDoc) domain() *domain.Claim {
	c := &domain.Claim{ID: did(d.ID), Tenant: did(d.TenantID), Volunteer: did(d.Volunteer), Request: did(d.Request),
		Municipality: d.Municipality, Kind: domain.ClaimKind(d.Kind), AllowanceBasis: d.AllowanceBasis,
		AllowanceYear: d.AllowanceYear, DeclaredElsewhere: d.Elsewhere, OverrideReason: d.OverrideReason, AmountCents: d.AmountCents, Status: domain.ClaimStatus(d.Status), Note: d.Note,
		SubmittedAt: d.SubmittedAt.UTC(), CheckedBy: did(d.CheckedBy), CheckedAt: d.CheckedAt.UTC(),
		ReleasedBy: did(d.ReleasedBy), ReleasedAt: d.ReleasedAt.UTC(), RejectReason: d.RejectReason,
		ReversalOf: did(d.ReversalOf), Batch: did(d.Batch)}
	if id, err := domain.ParseID(d.ReversedBy); err == nil {
		c.ReversedBy = id
	}
	for _, t := range d.DTickets {
		c.DTickets = append(c.DTickets, domain.ClaimDTicket(t))
	}
	for _, t := range d.Trips {
		c.Trips = append(c.Trips, domain.ClaimTrip(t))
	}
	return c
}

// CreateClaim stores a new claim; c.ID and c.SubmittedAt are set when zero.
func (s *Store) CreateClaim(ctx context.Context, c *domain.Claim) error {
	if c.ID.IsZero() {
		c.ID = domain.NewID(s.now())
	}
	if c.SubmittedAt.IsZero() {
		c.SubmittedAt = s.now()
	}
	_, err := s.claims.InsertOne(ctx, claimToDoc(c))
	return wrap(err, "create claim")
}

// Claim returns the tenant's claim with id, or ErrNotFound.
func (s *Store) Claim(ctx context.Context, tenant, id domain.ID) (*domain.Claim, error) {
	var d claimDoc
	if err := s.findOwned(ctx, s.claims, oid(id), tenant, &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// Claims returns the tenant's claims, oldest first; the caller filters by
// scope (one read, filtered in Go: FerretDB scans either way).
func (s *Store) Claims(ctx context.Context, tenant domain.ID) ([]*domain.Claim, error) {
	var docs []claimDoc
	if err := s.findAll(ctx, s.claims, bson.D{{Key: "tenant_id", Value: oid(tenant)}}, &docs); err != nil {
		return nil, err
	}
	out := make([]*domain.Claim, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// CheckClaim marks a submitted claim "sachlich richtig" by user at.
// ErrConflict when it is no longer submitted.
func (s *Store) CheckClaim(ctx context.Context, c *domain.Claim, by domain.ID, at time.Time) error {
	return s.updateGuarded(ctx, s.claims, oid(c.ID), c.Tenant, []Guard{{"status", string(domain.ClaimSubmitted)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.ClaimChecked)},
			{Key: "checked_by", Value: oid(by)}, {Key: "checked_at", Value: at}}}})
}

// ReleaseClaim releases a checked claim ("rechnerisch richtig"), guarded on
// the status and on the checker the caller's four-eyes test saw, so a
// re-check in between cannot slip past it. ErrConflict otherwise.
func (s *Store) ReleaseClaim(ctx context.Context, c *domain.Claim, by domain.ID, at time.Time) error {
	return s.updateGuarded(ctx, s.claims, oid(c.ID), c.Tenant,
		[]Guard{{"status", string(domain.ClaimChecked)}, {"checked_by", oid(c.CheckedBy)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.ClaimReleased)},
			{Key: "released_by", Value: oid(by)}, {Key: "released_at", Value: at}}}})
}

// RejectClaim rejects a claim that is still in status from, with a reason.
func (s *Store) RejectClaim(ctx context.Context, c *domain.Claim, from domain.ClaimStatus, reason string) error {
	return s.updateGuarded(ctx, s.claims, oid(c.ID), c.Tenant, []Guard{{"status", string(from)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.ClaimRejected)},
			{Key: "reject_reason", Value: reason}}}})
}

// MarkReversed records that reversal cancels the locked claim c; a claim is
// reversed once (ErrConflict for a second reversal).
func (s *Store) MarkReversed(ctx context.Context, c *domain.Claim, reversal domain.ID) error {
	return s.updateGuarded(ctx, s.claims, oid(c.ID), c.Tenant, []Guard{{"status", string(c.Status)}, {"reversed_by", ""}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "reversed_by", Value: reversal.Hex()}}}})
}

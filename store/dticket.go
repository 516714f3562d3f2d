package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"lotse/domain"
)

// dticketDoc says which claim carries a volunteer's Deutschlandticket of a
// month. Its _id is the key, so two claims filed at once cannot both carry
// the ticket (no transactions: the unique _id is the lock).
type dticketDoc struct {
	ID       string        `bson:"_id"` // tenant:volunteer:YYYY-MM
	TenantID bson.ObjectID `bson:"tenant_id"`
	Claim    bson.ObjectID `bson:"claim"`
}

func dticketKey(tenant, volunteer domain.ID, month string) string {
	return tenant.Hex() + ":" + volunteer.Hex() + ":" + month
}

// TakeDTicketMonth makes claim the carrier of the volunteer's ticket of
// month (YYYY-MM) and reports whether it is. A carrier recorded before
// is replaced only when live says it no longer counts (rejected, reversed,
// or never stored because its writer died), guarded on that carrier, so
// of two claims racing for the month exactly one wins.
func (s *Store) TakeDTicketMonth(ctx context.Context, tenant, volunteer domain.ID, month string, claim domain.ID,
	live func(holder domain.ID) (bool, error)) (bool, error) {
	key := dticketKey(tenant, volunteer, month)
	_, err := s.dtickets.InsertOne(ctx, dticketDoc{ID: key, TenantID: oid(tenant), Claim: oid(claim)})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, wrap(err, "take ticket month")
	}
	var d dticketDoc
	if err := s.dtickets.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d); err != nil {
		return false, wrap(err, "find ticket month")
	}
	if d.Claim == oid(claim) {
		return true, nil
	}
	alive, err := live(did(d.Claim))
	if err != nil || alive {
		return false, err
	}
	defer s.locks.lock(s.dtickets.Name() + "\x00" + key)()
	res, err := s.dtickets.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "claim", Value: d.Claim}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claim", Value: oid(claim)}}}})
	if err != nil {
		return false, wrap(err, "take ticket month")
	}
	return res.MatchedCount == 1, nil
}

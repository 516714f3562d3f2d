package store

import (
	"context"
	"hash/maphash"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"lotse/domain"
)

// keyLocks is a fixed set of mutexes picked by hashing a key. On the embedded
// backend it makes "read, check, write" on one document atomic, because FerretDB
// on SQLite applies an update as a read-modify-write without compare-and-swap and
// the directory lock guarantees this process is its only writer.
type keyLocks struct {
	seed  maphash.Seed
	locks [256]sync.Mutex
}

func newKeyLocks() *keyLocks { return &keyLocks{seed: maphash.MakeSeed()} }

func (k *keyLocks) lock(key string) func() {
	m := &k.locks[maphash.String(k.seed, key)%uint64(len(k.locks))]
	m.Lock()
	return m.Unlock
}

// oid converts a domain ID to the driver's ObjectID (same bytes).
func oid(id domain.ID) bson.ObjectID { return bson.ObjectID(id) }

// did converts an ObjectID back.
func did(id bson.ObjectID) domain.ID { return domain.ID(id) }

// findOwned loads the document with _id id into out, or returns ErrNotFound when it
// is absent or belongs to another tenant. It filters by _id alone, the one filter
// the embedded backend answers from SQLite's primary key, and checks the tenant
// here.
func (s *Store) findOwned(ctx context.Context, c *mongo.Collection, id any, tenant domain.ID, out any) error {
	raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return wrap(err, "find %s", c.Name())
	}
	if t, ok := raw.Lookup("tenant_id").ObjectIDOK(); !ok || t != oid(tenant) {
		return domain.ErrNotFound
	}
	if err := bson.Unmarshal(raw, out); err != nil {
		return wrap(err, "decode %s", c.Name())
	}
	return nil
}

// Guard is a field that must hold a given value (a string, an int or an
// ObjectID) for a
// transition to apply, e.g. {"status", "proposed"} or {"active_assignments", 1}.
// An int guard of 0 or a string guard of "" also holds where the field is
// absent: a field added to documents written before it existed.
type Guard struct {
	Field string
	Value any
}

// holds reports whether raw has the guard's value.
func (g Guard) holds(raw bson.Raw) bool {
	v := raw.Lookup(g.Field)
	switch want := g.Value.(type) {
	case string:
		if want == "" && (v.Type == 0 || v.Type == bson.TypeNull) {
			return true
		}
		got, ok := v.StringValueOK()
		return ok && got == want
	case bson.ObjectID:
		got, ok := v.ObjectIDOK()
		return ok && got == want
	case int:
		if want == 0 && (v.Type == 0 || v.Type == bson.TypeNull) {
			return true
		}
		got, ok := v.AsInt64OK()
		return ok && got == int64(want)
	}
	return false
}

// filter returns the guard as a query condition.
func (g Guard) filter() bson.E {
	switch g.Value {
	case 0, "":
		return bson.E{Key: g.Field, Value: bson.D{{Key: "$in", Value: bson.A{g.Value, nil}}}}
	}
	return bson.E{Key: g.Field, Value: g.Value}
}

// updateGuarded applies update to the tenant's document id if every guard holds.
// It returns ErrNotFound when the document is absent or foreign, and ErrConflict
// when a guard fails (someone else changed it first).
func (s *Store) updateGuarded(ctx context.Context, c *mongo.Collection, id any, tenant domain.ID, guards []Guard, update bson.D) error {
	if s.embedded {
		defer s.locks.lock(c.Name() + "\x00" + keyString(id))()
		raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil {
			return wrap(err, "update %s", c.Name())
		}
		if t, ok := raw.Lookup("tenant_id").ObjectIDOK(); !ok || t != oid(tenant) {
			return domain.ErrNotFound
		}
		for _, g := range guards {
			if !g.holds(raw) {
				return domain.ErrConflict
			}
		}
		_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
		return wrap(err, "update %s", c.Name())
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "tenant_id", Value: oid(tenant)}}
	for _, g := range guards {
		filter = append(filter, g.filter())
	}
	res, err := c.UpdateOne(ctx, filter, update)
	if err != nil {
		return wrap(err, "update %s", c.Name())
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}, {Key: "tenant_id", Value: oid(tenant)}})
	if err != nil {
		return wrap(err, "update %s", c.Name())
	}
	if n == 0 {
		return domain.ErrNotFound
	}
	return domain.ErrConflict
}

func keyString(id any) string {
	switch v := id.(type) {
	case string:
		return v
	case bson.ObjectID:
		return v.Hex()
	}
	b, _ := bson.Marshal(bson.D{{Key: "k", Value: id}})
	return string(b)
}

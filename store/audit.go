package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

// AuditEntry is one append-only record of a change: who, when, what, which fields.
// It never holds the values, so the log carries no personal data beyond IDs.
type AuditEntry struct {
	Seq    int64
	Tenant domain.ID
	Actor  domain.ID // zero for the public, links and jobs
	Action string    // e.g. "volunteer.update"
	Entity string    // e.g. "volunteer"
	ID     domain.ID
	Fields []string
	At     time.Time
	Prev   string // hash of the previous entry ("" for the first)
	Hash   string
}

type auditDoc struct {
	ID       string        `bson:"_id"` // tenant:seq, so two writers cannot take one seq
	TenantID bson.ObjectID `bson:"tenant_id"`
	Seq      int64         `bson:"seq"`
	Actor    bson.ObjectID `bson:"actor"`
	Action   string        `bson:"action"`
	Entity   string        `bson:"entity"`
	EntityID bson.ObjectID `bson:"entity_id"`
	Fields   []string      `bson:"fields"`
	At       time.Time     `bson:"at"`
	Prev     string        `bson:"prev"`
	Hash     string        `bson:"hash"`
}

type auditHeadDoc struct {
	ID   bson.ObjectID `bson:"_id"` // tenant
	Seq  int64         `bson:"seq"`
	Hash string        `bson:"hash"`
}

func auditID(tenant domain.ID, seq int64) string { return fmt.Sprintf("%s:%012d", tenant.Hex(), seq) }

// hashAudit chains an entry to its predecessor over every field, so editing or
// deleting any entry breaks every hash after it.
func hashAudit(e *AuditEntry) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%s",
		e.Tenant.Hex(), e.Seq, e.Actor.Hex(), e.Action, e.Entity, e.ID.Hex(),
		strings.Join(e.Fields, ","), e.At.UnixNano(), e.Prev)
	return hex.EncodeToString(h.Sum(nil))
}

// AppendAudit appends e to its tenant's chain and sets Seq, At, Prev and Hash.
// The entry's _id is tenant:seq, so of two concurrent writers exactly one gets a
// sequence number and the other retries on the new head; a crash between the
// insert and the head update is repaired by the next append.
func (s *Store) AppendAudit(ctx context.Context, e *AuditEntry) error {
	for attempt := 0; attempt < 50; attempt++ {
		var head auditHeadDoc
		err := s.auditHeads.FindOne(ctx, bson.D{{Key: "_id", Value: oid(e.Tenant)}}).Decode(&head)
		if err != nil && !errors.Is(wrap(err, ""), domain.ErrNotFound) {
			return wrap(err, "audit head")
		}
		e.Seq, e.Prev = head.Seq+1, head.Hash
		e.At = s.now().Truncate(time.Millisecond)
		e.Hash = hashAudit(e)
		d := auditDoc{
			ID: auditID(e.Tenant, e.Seq), TenantID: oid(e.Tenant), Seq: e.Seq, Actor: oid(e.Actor),
			Action: e.Action, Entity: e.Entity, EntityID: oid(e.ID), Fields: e.Fields,
			At: e.At, Prev: e.Prev, Hash: e.Hash,
		}
		_, err = s.audit.InsertOne(ctx, d)
		if err == nil {
			return s.setAuditHead(ctx, e.Tenant, e.Seq, e.Hash)
		}
		if wrap(err, "") != domain.ErrConflict {
			return wrap(err, "append audit")
		}
		// Someone took this seq: move the head to it and try the next one.
		var taken auditDoc
		if err := s.audit.FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&taken); err != nil {
			return wrap(err, "append audit")
		}
		if err := s.setAuditHead(ctx, e.Tenant, taken.Seq, taken.Hash); err != nil {
			return err
		}
	}
	return fmt.Errorf("store: append audit: too much contention")
}

// setAuditHead moves the head forward, never back.
func (s *Store) setAuditHead(ctx context.Context, tenant domain.ID, seq int64, hash string) error {
	defer s.locks.lock("audit_head\x00" + tenant.Hex())()
	var head auditHeadDoc
	err := s.auditHeads.FindOne(ctx, bson.D{{Key: "_id", Value: oid(tenant)}}).Decode(&head)
	if err != nil && !errors.Is(wrap(err, ""), domain.ErrNotFound) {
		return wrap(err, "audit head")
	}
	if head.Seq >= seq {
		return nil
	}
	_, err = s.auditHeads.ReplaceOne(ctx, bson.D{{Key: "_id", Value: oid(tenant)}},
		auditHeadDoc{ID: oid(tenant), Seq: seq, Hash: hash}, optionsUpsert())
	return wrap(err, "audit head")
}

// AuditLog returns a tenant's entries in chain order.
func (s *Store) AuditLog(ctx context.Context, tenant domain.ID) ([]AuditEntry, error) {
	cur, err := s.audit.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}})
	if err != nil {
		return nil, wrap(err, "read audit")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read audit")
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Seq < docs[j].Seq })
	out := make([]AuditEntry, len(docs))
	for i, d := range docs {
		out[i] = AuditEntry{Seq: d.Seq, Tenant: did(d.TenantID), Actor: did(d.Actor), Action: d.Action,
			Entity: d.Entity, ID: did(d.EntityID), Fields: d.Fields, At: d.At.UTC(), Prev: d.Prev, Hash: d.Hash}
	}
	return out, nil
}

// VerifyAudit recomputes a tenant's chain. It returns the number of entries and
// an error naming the first entry that was changed, removed or reordered, or a
// head that does not match the last entry (the last entry was removed).
func (s *Store) VerifyAudit(ctx context.Context, tenant domain.ID) (int, error) {
	log, err := s.AuditLog(ctx, tenant)
	if err != nil {
		return 0, err
	}
	prev := ""
	for i := range log {
		e := &log[i]
		if e.Seq != int64(i+1) {
			return i, fmt.Errorf("audit: entry %d is missing (found %d next)", i+1, e.Seq)
		}
		if e.Prev != prev {
			return i, fmt.Errorf("audit: entry %d does not follow entry %d", e.Seq, e.Seq-1)
		}
		if hashAudit(e) != e.Hash {
			return i, fmt.Errorf("audit: entry %d was changed", e.Seq)
		}
		prev = e.Hash
	}
	var head auditHeadDoc
	err = s.auditHeads.FindOne(ctx, bson.D{{Key: "_id", Value: oid(tenant)}}).Decode(&head)
	if err != nil && !errors.Is(wrap(err, ""), domain.ErrNotFound) {
		return len(log), wrap(err, "audit head")
	}
	if head.Seq != int64(len(log)) || head.Hash != prev {
		return len(log), fmt.Errorf("audit: the chain ends at entry %d but its head says %d: entries were removed from the end", len(log), head.Seq)
	}
	return len(log), nil
}

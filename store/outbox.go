package store

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

// OutboxMessage is a mail waiting to be sent. Its Key is the idempotency key and
// the document's _id, so queueing the same mail twice stores it once.
type OutboxMessage struct {
	Key           string        `bson:"_id"`
	TenantID      bson.ObjectID `bson:"tenant_id"`
	To            string        `bson:"to"`
	Subject       string        `bson:"subject"`
	Text          string        `bson:"text"`
	HTML          string        `bson:"html,omitempty"`
	Lang          string        `bson:"lang"`
	CreatedAt     time.Time     `bson:"created_at"`
	NextAttemptAt time.Time     `bson:"next_attempt_at"`
	ClaimedUntil  time.Time     `bson:"claimed_until"`
	Attempts      int           `bson:"attempts"`
	LastError     string        `bson:"last_error,omitempty"`
}

// Tenant returns the message's tenant.
func (m *OutboxMessage) Tenant() domain.ID { return did(m.TenantID) }

// mailLogDoc records a mail that left the outbox: sent, or given up. It keeps no
// body and no address, only what proves the key was handled.
type mailLogDoc struct {
	Key      string        `bson:"_id"`
	TenantID bson.ObjectID `bson:"tenant_id"`
	Status   string        `bson:"status"` // sent | failed
	Attempts int           `bson:"attempts"`
	Error    string        `bson:"error,omitempty"`
	DoneAt   time.Time     `bson:"done_at"`
}

// Enqueue puts m into the outbox unless a mail with its key is already queued or
// was already handled. It reports whether m was queued now.
//
// Order matters for "nothing twice": the dispatcher writes the log entry before it
// deletes the outbox entry, so an Enqueue that inserts after that delete always
// finds the log entry and takes its insert back.
func (s *Store) Enqueue(ctx context.Context, tenant domain.ID, m OutboxMessage) (bool, error) {
	now := s.now()
	m.TenantID = oid(tenant)
	m.CreatedAt, m.NextAttemptAt = now, now
	if _, err := s.outbox.InsertOne(ctx, m); err != nil {
		if err := wrap(err, "enqueue mail"); err == domain.ErrConflict {
			return false, nil
		} else {
			return false, err
		}
	}
	n, err := s.mailLog.CountDocuments(ctx, bson.D{{Key: "_id", Value: m.Key}})
	if err != nil {
		return true, wrap(err, "enqueue mail")
	}
	if n > 0 {
		_, err := s.outbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.Key}})
		return false, wrap(err, "enqueue mail")
	}
	return true, nil
}

// MailHandled reports whether the mail with key was sent or given up.
func (s *Store) MailHandled(ctx context.Context, key string) (bool, error) {
	n, err := s.mailLog.CountDocuments(ctx, bson.D{{Key: "_id", Value: key}})
	return n > 0, wrap(err, "mail log")
}

// DueMail returns up to limit outbox messages whose next attempt is due and that
// no dispatcher holds, oldest first. The outbox holds only pending mail, so the
// scan stays small.
func (s *Store) DueMail(ctx context.Context, limit int) ([]OutboxMessage, error) {
	now := s.now()
	cur, err := s.outbox.Find(ctx, bson.D{
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claimed_until", Value: bson.D{{Key: "$lte", Value: now}}},
	})
	if err != nil {
		return nil, wrap(err, "due mail")
	}
	var out []OutboxMessage
	if err := cur.All(ctx, &out); err != nil {
		return nil, wrap(err, "due mail")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Outbox lists the tenant's pending mail, oldest first, for admins to read when
// no SMTP server is configured.
func (s *Store) Outbox(ctx context.Context, tenant domain.ID) ([]OutboxMessage, error) {
	cur, err := s.outbox.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}})
	if err != nil {
		return nil, wrap(err, "list outbox")
	}
	var out []OutboxMessage
	if err := cur.All(ctx, &out); err != nil {
		return nil, wrap(err, "list outbox")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// ClaimMail gives the caller the message with key until the given time, so two
// dispatchers never send it at once. ErrConflict means another holds it or it is
// gone.
func (s *Store) ClaimMail(ctx context.Context, key string, until time.Time) error {
	now := s.now()
	if s.embedded {
		defer s.locks.lock("outbox\x00" + key)()
		var m OutboxMessage
		if err := s.outbox.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&m); err != nil {
			if err := wrap(err, "claim mail"); err == domain.ErrNotFound {
				return domain.ErrConflict
			} else {
				return err
			}
		}
		if m.ClaimedUntil.After(now) {
			return domain.ErrConflict
		}
		_, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_until", Value: until}}}})
		return wrap(err, "claim mail")
	}
	res, err := s.outbox.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "claimed_until", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_until", Value: until}}}})
	if err != nil {
		return wrap(err, "claim mail")
	}
	if res.MatchedCount == 0 {
		return domain.ErrConflict
	}
	return nil
}

// MailSent records that the message left and removes it from the outbox.
func (s *Store) MailSent(ctx context.Context, m OutboxMessage) error {
	return s.finishMail(ctx, m, "sent", "")
}

// MailFailed records a permanent failure and removes the message from the outbox.
func (s *Store) MailFailed(ctx context.Context, m OutboxMessage, reason string) error {
	return s.finishMail(ctx, m, "failed", reason)
}

func (s *Store) finishMail(ctx context.Context, m OutboxMessage, status, reason string) error {
	doc := mailLogDoc{Key: m.Key, TenantID: m.TenantID, Status: status, Attempts: m.Attempts + 1, Error: reason, DoneAt: s.now()}
	if _, err := s.mailLog.InsertOne(ctx, doc); err != nil && wrap(err, "") != domain.ErrConflict {
		return wrap(err, "log mail")
	}
	_, err := s.outbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.Key}})
	return wrap(err, "remove mail from outbox")
}

// MailRetry schedules another attempt after a temporary failure and releases the
// claim.
func (s *Store) MailRetry(ctx context.Context, m OutboxMessage, next time.Time, reason string) error {
	_, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.Key}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "next_attempt_at", Value: next}, {Key: "claimed_until", Value: time.Time{}},
		{Key: "last_error", Value: reason},
	}}, {Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}})
	return wrap(err, "retry mail")
}

package store

import (
	"context"
	"errors"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
)

// The states of an outbox message. A message without a status (written before
// the field existed) is pending.
const (
	// OutboxPending waits for its next attempt (NextAttemptAt).
	OutboxPending = "pending"
	// OutboxSending is claimed by one dispatcher until ClaimedUntil; after
	// that it is due again, because the dispatcher may have crashed.
	OutboxSending = "sending"
	// OutboxFailed was given up after too many attempts or a permanent
	// rejection. It stays in the outbox with its body and its last error
	// until an admin sends it again (ResendMail); it is never due.
	OutboxFailed = "failed"
)

// OutboxMessage is a mail waiting to be sent, or given up. Its Key is the
// idempotency key and the document's _id, so queueing the same mail twice
// stores it once.
type OutboxMessage struct {
	Key           string        `bson:"_id"`
	TenantID      bson.ObjectID `bson:"tenant_id"`
	Status        string        `bson:"status"`
	To            string        `bson:"to"`
	Subject       string        `bson:"subject"`
	Text          string        `bson:"text"`
	HTML          string        `bson:"html,omitempty"`
	Lang          string        `bson:"lang"`
	Attachments   []OutboxFile  `bson:"attachments,omitempty"`
	CreatedAt     time.Time     `bson:"created_at"`
	NextAttemptAt time.Time     `bson:"next_attempt_at"`
	ClaimedUntil  time.Time     `bson:"claimed_until"`
	// Attempts counts deliveries started, including one cut short by a crash.
	Attempts  int       `bson:"attempts"`
	LastError string    `bson:"last_error,omitempty"` // without the address (mail.Redact)
	FailedAt  time.Time `bson:"failed_at,omitempty"`
}

// OutboxFile is an attachment of an outbox message.
type OutboxFile struct {
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Data        []byte `bson:"data"`
}

// Tenant returns the message's tenant.
func (m *OutboxMessage) Tenant() domain.ID { return did(m.TenantID) }

// due reports whether a dispatcher may claim m at now: not failed, its next
// attempt reached, and no live claim on it.
func (m *OutboxMessage) due(now time.Time) bool {
	return m.Status != OutboxFailed && !m.NextAttemptAt.After(now) && !m.ClaimedUntil.After(now)
}

// dueFilter is due as a query.
func dueFilter(now time.Time) bson.D {
	return bson.D{
		{Key: "status", Value: bson.D{{Key: "$ne", Value: OutboxFailed}}},
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claimed_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
}

// mailLogDoc records a mail that left the outbox because it was sent (entries
// written before failed mail stayed in the outbox may say "failed"). It keeps
// no body and no address, only what proves the key was handled.
type mailLogDoc struct {
	Key      string        `bson:"_id"`
	TenantID bson.ObjectID `bson:"tenant_id"`
	Status   string        `bson:"status"` // sent | failed
	Attempts int           `bson:"attempts"`
	Error    string        `bson:"error,omitempty"`
	DoneAt   time.Time     `bson:"done_at"`
}

// Enqueue puts m into the outbox as pending unless a mail with its key is
// already there (pending, being sent or failed) or was already sent. It
// reports whether m was queued now.
//
// Order matters for "nothing twice": the dispatcher writes the log entry before it
// deletes the outbox entry, so an Enqueue that inserts after that delete always
// finds the log entry and takes its insert back.
func (s *Store) Enqueue(ctx context.Context, tenant domain.ID, m OutboxMessage) (bool, error) {
	now := s.now()
	m.TenantID = oid(tenant)
	m.Status = OutboxPending
	m.CreatedAt, m.NextAttemptAt = now, now
	m.ClaimedUntil, m.Attempts, m.LastError, m.FailedAt = time.Time{}, 0, "", time.Time{}
	if _, err := s.outbox.InsertOne(ctx, m); err != nil {
		if err := wrap(err, "enqueue mail"); err == domain.ErrConflict {
			return false, nil
		} else {
			return false, err
		}
	}
	logged, err := s.MailHandled(ctx, m.Key)
	if err != nil {
		return true, err
	}
	if logged {
		_, err := s.outbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.Key}})
		return false, wrap(err, "enqueue mail")
	}
	return true, nil
}

// MailHandled reports whether the mail with key was sent (or, before failed
// mail stayed in the outbox, given up).
//
// It uses FindOne by _id, not CountDocuments: FerretDB answers only that from
// SQLite's primary key, where a count scans the whole (ever growing) log.
func (s *Store) MailHandled(ctx context.Context, key string) (bool, error) {
	err := s.mailLog.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, wrap(err, "mail log")
}

// DueMail returns up to limit outbox messages that a dispatcher may claim now
// (see ClaimMail), oldest first. The outbox holds only unsent mail, so the
// scan stays small.
func (s *Store) DueMail(ctx context.Context, limit int) ([]OutboxMessage, error) {
	now := s.now()
	cur, err := s.outbox.Find(ctx, dueFilter(now))
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
	for i := range out {
		out[i].normalize()
	}
	return out, nil
}

// normalize fills in the status of documents written before it existed.
func (m *OutboxMessage) normalize() {
	if m.Status == "" {
		m.Status = OutboxPending
	}
}

// Outbox lists the tenant's unsent mail (pending, being sent and failed),
// oldest first, for its admins.
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
	for i := range out {
		out[i].normalize()
	}
	return out, nil
}

// OutboxMail returns one of the tenant's outbox messages, or ErrNotFound.
func (s *Store) OutboxMail(ctx context.Context, tenant domain.ID, key string) (OutboxMessage, error) {
	var m OutboxMessage
	if err := s.findOwned(ctx, s.outbox, key, tenant, &m); err != nil {
		return OutboxMessage{}, err
	}
	m.normalize()
	return m, nil
}

// ClaimMail moves the message with key from pending (or from sending with an
// expired claim) to sending, held by the caller until the given time, and
// counts the attempt. It is one guarded update, so of several dispatchers
// exactly one gets the message. It returns the message as claimed; its
// ClaimedUntil is the caller's proof of ownership for MailSent, MailRetry and
// MailFailed. ErrConflict means the message is not due: another dispatcher
// holds it, it failed, it waits for a later attempt, or it is gone.
func (s *Store) ClaimMail(ctx context.Context, key string, until time.Time) (OutboxMessage, error) {
	now := s.now()
	// BSON keeps milliseconds; the caller compares the claim it gets back.
	until = until.UTC().Truncate(time.Millisecond)
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: OutboxSending}, {Key: "claimed_until", Value: until}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}}
	if s.embedded {
		// FerretDB on SQLite has no compare-and-swap: read, check and write
		// under the key's lock (this process is the directory's only writer).
		defer s.locks.lock("outbox\x00" + key)()
		var m OutboxMessage
		if err := s.outbox.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&m); err != nil {
			if err := wrap(err, "claim mail"); err == domain.ErrNotFound {
				return OutboxMessage{}, domain.ErrConflict
			} else {
				return OutboxMessage{}, err
			}
		}
		if !m.due(now) {
			return OutboxMessage{}, domain.ErrConflict
		}
		if _, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, set); err != nil {
			return OutboxMessage{}, wrap(err, "claim mail")
		}
		m.Status, m.ClaimedUntil, m.Attempts = OutboxSending, until, m.Attempts+1
		return m, nil
	}
	filter := append(bson.D{{Key: "_id", Value: key}}, dueFilter(now)...)
	var m OutboxMessage
	err := s.outbox.FindOneAndUpdate(ctx, filter, set,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&m)
	if err != nil {
		if err := wrap(err, "claim mail"); err == domain.ErrNotFound {
			return OutboxMessage{}, domain.ErrConflict
		} else {
			return OutboxMessage{}, err
		}
	}
	return m, nil
}

// MailSent records in the mail log that m left, then removes it from the
// outbox. Both steps are idempotent, so a dispatcher whose claim expired
// meanwhile does no harm by finishing.
func (s *Store) MailSent(ctx context.Context, m OutboxMessage) error {
	doc := mailLogDoc{Key: m.Key, TenantID: m.TenantID, Status: "sent", Attempts: m.Attempts, DoneAt: s.now()}
	if _, err := s.mailLog.InsertOne(ctx, doc); err != nil && wrap(err, "") != domain.ErrConflict {
		return wrap(err, "log mail")
	}
	_, err := s.outbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.Key}})
	return wrap(err, "remove mail from outbox")
}

// MailFailed gives m up: it stays in the outbox as failed, with its body and
// reason, and is no longer due. ErrConflict means the caller's claim (m as
// returned by ClaimMail) no longer holds.
func (s *Store) MailFailed(ctx context.Context, m OutboxMessage, reason string) error {
	return s.updateClaimed(ctx, m, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: OutboxFailed}, {Key: "claimed_until", Value: time.Time{}},
		{Key: "last_error", Value: reason}, {Key: "failed_at", Value: s.now()},
	}}})
}

// MailRetry makes m pending again with its next attempt at next, after a
// temporary failure. ErrConflict means the caller's claim no longer holds.
func (s *Store) MailRetry(ctx context.Context, m OutboxMessage, next time.Time, reason string) error {
	return s.updateClaimed(ctx, m, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: OutboxPending}, {Key: "next_attempt_at", Value: next},
		{Key: "claimed_until", Value: time.Time{}}, {Key: "last_error", Value: reason},
	}}})
}

// updateClaimed applies update to m's document while m's claim holds: status
// sending and the very ClaimedUntil that ClaimMail gave out. A dispatcher that
// overran its lease thus cannot overwrite the state another one set.
func (s *Store) updateClaimed(ctx context.Context, m OutboxMessage, update bson.D) error {
	if s.embedded {
		defer s.locks.lock("outbox\x00" + m.Key)()
		var cur OutboxMessage
		if err := s.outbox.FindOne(ctx, bson.D{{Key: "_id", Value: m.Key}}).Decode(&cur); err != nil {
			if err := wrap(err, "update mail"); err == domain.ErrNotFound {
				return domain.ErrConflict
			} else {
				return err
			}
		}
		if cur.Status != OutboxSending || !cur.ClaimedUntil.Equal(m.ClaimedUntil) {
			return domain.ErrConflict
		}
		_, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.Key}}, update)
		return wrap(err, "update mail")
	}
	res, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.Key},
		{Key: "status", Value: OutboxSending}, {Key: "claimed_until", Value: m.ClaimedUntil}}, update)
	if err != nil {
		return wrap(err, "update mail")
	}
	if res.MatchedCount == 0 {
		return domain.ErrConflict
	}
	return nil
}

// ResendMail makes the tenant's failed message with key pending again, due
// now, with its attempts reset to 0; its last error stays for reference until
// the next attempt. ErrNotFound: no such message of this tenant (sent ones have
// left the outbox); ErrConflict: it is not failed (someone resent it first).
func (s *Store) ResendMail(ctx context.Context, tenant domain.ID, key string) error {
	return s.updateGuarded(ctx, s.outbox, key, tenant, []Guard{{Field: "status", Value: OutboxFailed}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: OutboxPending}, {Key: "attempts", Value: 0},
			{Key: "next_attempt_at", Value: s.now()}, {Key: "claimed_until", Value: time.Time{}},
		}}, {Key: "$unset", Value: bson.D{{Key: "failed_at", Value: ""}}}})
}

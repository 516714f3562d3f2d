package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexes declares every index in one place. On MongoDB they serve the tenant
// filters; on the embedded backend FerretDB keeps them for uniqueness only.
func (s *Store) indexes() map[*mongo.Collection][]mongo.IndexModel {
	unique := func(keys bson.D, name string) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetUnique(true).SetName(name)}
	}
	plain := func(keys bson.D, name string) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	return map[*mongo.Collection][]mongo.IndexModel{
		s.tenants: {unique(bson.D{{Key: "slug", Value: 1}}, "slug_unique")},
		s.users: {
			unique(bson.D{{Key: "email", Value: 1}}, "email_unique"),
			plain(bson.D{{Key: "tenant_id", Value: 1}}, "tenant"),
		},
		s.sessions: {plain(bson.D{{Key: "expires_at", Value: 1}}, "expires")},
		s.tokens:   {plain(bson.D{{Key: "user_id", Value: 1}}, "user")},
		s.volunteers: {
			plain(bson.D{{Key: "tenant_id", Value: 1}, {Key: "status", Value: 1}}, "tenant_status"),
			plain(bson.D{{Key: "tenant_id", Value: 1}, {Key: "municipality", Value: 1}}, "tenant_municipality"),
		},
		s.requests: {
			plain(bson.D{{Key: "tenant_id", Value: 1}, {Key: "status", Value: 1}}, "tenant_status"),
			plain(bson.D{{Key: "tenant_id", Value: 1}, {Key: "municipality", Value: 1}}, "tenant_municipality"),
		},
		s.outbox:  {plain(bson.D{{Key: "next_attempt_at", Value: 1}}, "due")},
		s.mailLog: {plain(bson.D{{Key: "tenant_id", Value: 1}, {Key: "done_at", Value: 1}}, "tenant_done")},
		s.jobRuns: {plain(bson.D{{Key: "started_at", Value: 1}}, "started")},
		s.audit:   {unique(bson.D{{Key: "tenant_id", Value: 1}, {Key: "seq", Value: 1}}, "tenant_seq_unique")},
		s.payouts: {unique(bson.D{{Key: "tenant_id", Value: 1}, {Key: "seq", Value: 1}}, "tenant_seq_unique")},
	}
}

// EnsureIndexes creates missing indexes; it is idempotent and runs at every start.
// One index per command: FerretDB v1.24 panics when a single createIndexes lists
// two or more indexes that already exist (its issue #3858), i.e. on every restart.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for c, models := range s.indexes() {
		for _, m := range models {
			if _, err := c.Indexes().CreateOne(ctx, m); err != nil {
				return wrap(err, "create indexes on %s", c.Name())
			}
		}
	}
	if s.embedded && s.dataDir != "" {
		return s.ensureIDLookups(ctx)
	}
	return nil
}

package store

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Hit counts one event for key in the current fixed window and reports whether the
// count is still within limit. The counter document's _id is bucket, key and
// window start, so the upsert is a primary-key write on every backend and all
// replicas share one count. key must not be personal data in clear (callers pass
// a keyed hash of the IP address).
func (s *Store) Hit(ctx context.Context, bucket, key string, window time.Duration, limit int) (bool, error) {
	now := s.now()
	start := now.Truncate(window)
	id := bucket + ":" + key + ":" + strconv.FormatInt(start.Unix(), 10)
	if s.embedded {
		// FerretDB's upsert is a read-modify-write: serialise it here.
		defer s.locks.lock(id)()
	}
	var doc struct {
		N int `bson:"n"`
	}
	err := s.rateLimits.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: start.Add(2 * window)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	if err != nil {
		return false, wrap(err, "rate limit")
	}
	return doc.N <= limit, nil
}

// PruneRateLimits deletes expired counters.
func (s *Store) PruneRateLimits(ctx context.Context) (int64, error) {
	res, err := s.rateLimits.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: s.now()}}}})
	if err != nil {
		return 0, wrap(err, "prune rate limits")
	}
	return res.DeletedCount, nil
}

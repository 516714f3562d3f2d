package store

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// JobRun is one run of a scheduled job: its lease and its record. Its Key is the
// document's _id, "<job>:<scheduled time, UTC, RFC 3339>" for a scheduled run
// and "<job>:manual:<unix seconds>" for one started by hand, so inserting it is
// the claim: of all replicas that try the same key, exactly one succeeds. Runs
// are global, not per tenant, and hold counts only, never tenant data.
type JobRun struct {
	Key         string    `bson:"_id"`
	Job         string    `bson:"job"`
	Kind        string    `bson:"kind"` // scheduled | catchup | manual
	ScheduledAt time.Time `bson:"scheduled_at"`
	Replica     string    `bson:"replica"` // host:pid of the holder
	StartedAt   time.Time `bson:"started_at"`
	HeartbeatAt time.Time `bson:"heartbeat_at"` // the holder renews it while the job runs
	EndedAt     time.Time `bson:"ended_at,omitempty"`
	Count       int       `bson:"count"`
	Error       string    `bson:"error,omitempty"`
}

// ClaimJobRun inserts r, which claims its key. ErrConflict means another
// replica (or an earlier start of this one) already holds or ran it.
func (s *Store) ClaimJobRun(ctx context.Context, r JobRun) error {
	_, err := s.jobRuns.InsertOne(ctx, r)
	return wrap(err, "claim job run %s", r.Key)
}

// JobRunHeartbeat renews the holder's claim on the run with key.
func (s *Store) JobRunHeartbeat(ctx context.Context, key string, at time.Time) error {
	_, err := s.jobRuns.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "heartbeat_at", Value: at}}}})
	return wrap(err, "job run heartbeat %s", key)
}

// FinishJobRun records the end of the run with key: when, how many items it
// handled and its error ("" for success).
func (s *Store) FinishJobRun(ctx context.Context, key string, end time.Time, count int, errText string) error {
	_, err := s.jobRuns.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "ended_at", Value: end}, {Key: "heartbeat_at", Value: end},
		{Key: "count", Value: count}, {Key: "error", Value: errText},
	}}})
	return wrap(err, "finish job run %s", key)
}

// JobRunByKey returns the run with key, or ErrNotFound.
func (s *Store) JobRunByKey(ctx context.Context, key string) (*JobRun, error) {
	var r JobRun
	if err := s.jobRuns.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&r); err != nil {
		return nil, wrap(err, "find job run %s", key)
	}
	return &r, nil
}

// JobRuns returns every stored run, newest start first. Old runs are pruned
// (PruneJobRuns), so the collection stays small enough to read whole.
func (s *Store) JobRuns(ctx context.Context) ([]JobRun, error) {
	cur, err := s.jobRuns.Find(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err, "list job runs")
	}
	var out []JobRun
	if err := cur.All(ctx, &out); err != nil {
		return nil, wrap(err, "list job runs")
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartedAt.Equal(out[j].StartedAt) {
			return out[i].StartedAt.After(out[j].StartedAt)
		}
		return out[i].Key > out[j].Key
	})
	return out, nil
}

// PruneJobRuns deletes runs that started before cutoff and returns how many.
func (s *Store) PruneJobRuns(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := s.jobRuns.DeleteMany(ctx, bson.D{{Key: "started_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, wrap(err, "prune job runs")
	}
	return int(res.DeletedCount), nil
}

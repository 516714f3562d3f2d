package store

import (
	"bytes"
	"context"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DefaultLimit and MaxLimit bound list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// findPage decodes one page of c's documents matching filter into out, newest _id
// first, and returns the total. On MongoDB the server sorts, skips and counts with
// its indexes. On the embedded backend every filter scans the collection anyway, so
// one read with paging in Go costs one scan instead of two, and only the page's
// documents are decoded.
func findPage[T any](ctx context.Context, s *Store, c *mongo.Collection, filter bson.D, offset, limit int, out *[]T) (Page[T], error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	offset = max(offset, 0)
	p := Page[T]{Offset: offset, Limit: limit}
	if !s.embedded {
		n, err := c.CountDocuments(ctx, filter)
		if err != nil {
			return p, wrap(err, "count %s", c.Name())
		}
		cur, err := c.Find(ctx, filter, options.Find().
			SetSort(bson.D{{Key: "_id", Value: -1}}).SetSkip(int64(offset)).SetLimit(int64(limit)))
		if err != nil {
			return p, wrap(err, "list %s", c.Name())
		}
		if err := cur.All(ctx, out); err != nil {
			return p, wrap(err, "list %s", c.Name())
		}
		p.Total = int(n)
		return p, nil
	}
	cur, err := c.Find(ctx, filter)
	if err != nil {
		return p, wrap(err, "list %s", c.Name())
	}
	defer cur.Close(ctx)
	type entry struct {
		id  bson.ObjectID
		raw bson.Raw
	}
	var all []entry
	for cur.Next(ctx) {
		raw := make(bson.Raw, len(cur.Current))
		copy(raw, cur.Current)
		id, _ := raw.Lookup("_id").ObjectIDOK()
		all = append(all, entry{id, raw})
	}
	if err := cur.Err(); err != nil {
		return p, wrap(err, "list %s", c.Name())
	}
	sort.Slice(all, func(i, j int) bool { return bytes.Compare(all[i].id[:], all[j].id[:]) > 0 })
	p.Total = len(all)
	items := make([]T, 0, limit)
	for i := offset; i < len(all) && i < offset+limit; i++ {
		var v T
		if err := bson.Unmarshal(all[i].raw, &v); err != nil {
			return p, wrap(err, "decode %s", c.Name())
		}
		items = append(items, v)
	}
	*out = items
	return p, nil
}

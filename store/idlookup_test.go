package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
	"lotse/store/storetest"
)

// TestIDLookupsUseAnIndex asks the embedded database how it runs a lookup by
// _id in every collection: it must be an index search, not a table scan (see
// store.ensureIDLookups).
func TestIDLookupsUseAnIndex(t *testing.T) {
	s, name := storetest.NewNamed(t)
	if !s.Embedded() {
		t.Skip("MongoDB plans _id lookups on its own")
	}
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(s.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(name)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 13 {
		t.Fatalf("collections not created up front: %v", names)
	}
	for _, c := range names {
		for _, id := range []any{domain.NewID(time.Now()).Hex(), "tenant:key"} {
			// A real read first: EXPLAIN alone does not make a SQLite connection
			// notice a schema change made on another connection.
			if err := db.Collection(c).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != mongo.ErrNoDocuments {
				t.Fatal(err)
			}
			var res bson.M
			err := db.RunCommand(ctx, bson.D{
				{Key: "explain", Value: bson.D{{Key: "find", Value: c}, {Key: "filter", Value: bson.D{{Key: "_id", Value: id}}}}},
			}).Decode(&res)
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.ToUpper(bsonString(res["queryPlanner"]))
			if !strings.Contains(plan, "USING INDEX") || strings.Contains(plan, "SCAN") {
				t.Errorf("%s: _id lookup is not an index search: %s", c, plan)
			}
		}
	}
}

func bsonString(v any) string {
	b, _ := bson.MarshalExtJSON(bson.M{"v": v}, false, false)
	return string(b)
}

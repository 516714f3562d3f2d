package store

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestGuardHolds: a zero counter guard also holds on documents written before
// the counter existed, so adding a counter needs no migration.
func TestGuardHolds(t *testing.T) {
	id := bson.NewObjectID()
	doc, err := bson.Marshal(bson.D{{Key: "status", Value: "active"}, {Key: "active_assignments", Value: int32(1)},
		{Key: "big", Value: int64(1) << 40}, {Key: "nothing", Value: nil}, {Key: "by", Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		g    Guard
		want bool
	}{
		{Guard{"status", "active"}, true},
		{Guard{"status", "pending"}, false},
		{Guard{"status", 0}, false}, // a string is no counter
		{Guard{"active_assignments", 1}, true},
		{Guard{"active_assignments", 0}, false},
		{Guard{"active_assignments", "1"}, false},
		{Guard{"big", 1 << 40}, true},
		{Guard{"hours_committed", 0}, true}, // absent
		{Guard{"hours_committed", 1}, false},
		{Guard{"nothing", 0}, true},  // null
		{Guard{"missing", ""}, true}, // absent
		{Guard{"missing", "x"}, false},
		{Guard{"status", ""}, false},
		{Guard{"status", 1.5}, false}, // an unsupported guard never holds
		{Guard{"by", id}, true},
		{Guard{"by", bson.NewObjectID()}, false},
		{Guard{"status", id}, false},
	} {
		if got := tc.g.holds(doc); got != tc.want {
			t.Errorf("%+v holds = %v, want %v", tc.g, got, tc.want)
		}
	}
	if f := (Guard{"hours_committed", 0}).filter(); f.Key != "hours_committed" {
		t.Errorf("filter %+v", f)
	} else if _, ok := f.Value.(bson.D); !ok {
		t.Errorf("a zero guard filters %v, want {$in: [0, null]}", f.Value)
	}
	if f := (Guard{"status", "active"}).filter(); f.Value != "active" {
		t.Errorf("filter %+v", f)
	}
}

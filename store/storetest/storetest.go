// Package storetest runs one embedded FerretDB per test package and hands each
// test a fresh database on it, so store, service and handler tests use the real
// database over the wire.
package storetest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"lotse/store"
)

var (
	shared *store.Store
	seq    atomic.Int64
)

// Main starts the shared embedded database (or connects to MONGODB_URI when the
// variable is set, to run the same tests against MongoDB), runs the tests and
// stops it. Call it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lotse-storetest-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(context.Background(), store.Options{
		URI: os.Getenv("MONGODB_URI"), DataDir: dir, Database: "storetest_main",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		return 1
	}
	shared = s
	code := m.Run()
	_ = s.Close(context.Background())
	return code
}

// New returns a Store on a fresh database with its indexes, dropped when the test
// or benchmark ends.
func New(tb testing.TB) *store.Store {
	tb.Helper()
	s, _ := NewNamed(tb)
	return s
}

// NewNamed is New that also returns the database's name, so a benchmark can put
// the driver's own calls on the same database (through s.URI()) next to the
// store's.
func NewNamed(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	if shared == nil {
		tb.Fatal("storetest: call storetest.Main from TestMain")
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	s := shared.WithDatabase(name)
	if err := s.EnsureIndexes(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Drop(context.Background()) })
	return s, name
}

// Package store keeps Lotse's state in MongoDB: collections, indexes, queries scoped
// by tenant, guarded state transitions, the outbox and the audit log. With no
// MONGODB_URI it starts an embedded FerretDB on SQLite in the process.
//
// FerretDB on SQLite shapes the queries here: only a filter that is exactly
// {_id: x} reaches SQLite's primary key; every other filter scans the collection
// in Go, and an update is a read-modify-write without compare-and-swap. So hot
// paths look documents up by _id alone and check the tenant in Go, uniqueness and
// single use come from inserting a document with a natural-key _id (atomic on every
// backend), and guarded transitions hold a per-document lock on the embedded
// backend (see guard.go).
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"lotse/domain"
)

// Options say which database to use.
type Options struct {
	URI      string // MongoDB connection string; empty starts the embedded database
	DataDir  string // directory of the embedded database
	Database string // database name
	// Listen, embedded only, serves the database to other processes on this
	// TCP address (`lotse db`), through a gate that keeps FerretDB's
	// read-modify-write commands atomic across clients (gate.go). Empty: a
	// random loopback port for this process alone.
	Listen string
	Logger *slog.Logger
}

// Store is the handle every other layer uses. It is safe for concurrent use.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded bool
	now      func() time.Time
	locks    *keyLocks
	log      *slog.Logger

	stop    func() // stops the embedded server and releases the directory lock
	uri     string
	dataDir string // embedded only: where FerretDB keeps one SQLite file per database

	tenants, users, sessions, tokens       *mongo.Collection
	volunteers, volunteerEmails, requests  *mongo.Collection
	outbox, mailLog, usedLinks, rateLimits *mongo.Collection
	audit, auditHeads                      *mongo.Collection
	proposals, matches                     *mongo.Collection
	jobRuns, claims                        *mongo.Collection
	payouts, payoutFiles, counters         *mongo.Collection
	dtickets                               *mongo.Collection
}

// Open connects to MongoDB at opts.URI, or starts the embedded FerretDB in
// opts.DataDir. It ensures all indexes before returning. A second process on the
// same data directory gets an error that says so.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Database == "" {
		opts.Database = "lotse"
	}
	uri, embedded := opts.URI, opts.URI == ""
	stop := func() {}
	if embedded {
		var err error
		uri, stop, err = startEmbedded(opts)
		if err != nil {
			return nil, err
		}
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		stop()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		stop()
		return nil, fmt.Errorf("store: database does not answer: %w", err)
	}
	s := New(client, opts.Database, embedded)
	s.stop, s.uri, s.log = stop, uri, opts.Logger
	if embedded {
		if s.dataDir, err = filepath.Abs(opts.DataDir); err != nil {
			_ = s.Close(context.Background())
			return nil, err
		}
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// New wraps a connected client; tests use it to give each test its own database
// on a shared server. embedded selects the query strategy for FerretDB on SQLite.
func New(client *mongo.Client, database string, embedded bool) *Store {
	db := client.Database(database)
	return &Store{
		client: client, db: db, embedded: embedded,
		now:   func() time.Time { return time.Now().UTC() },
		locks: newKeyLocks(),
		log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		stop:  func() {},

		tenants:         db.Collection("tenants"),
		users:           db.Collection("users"),
		sessions:        db.Collection("sessions"),
		tokens:          db.Collection("api_tokens"),
		volunteers:      db.Collection("volunteers"),
		volunteerEmails: db.Collection("volunteer_emails"),
		requests:        db.Collection("requests"),
		outbox:          db.Collection("outbox"),
		mailLog:         db.Collection("mail_log"),
		usedLinks:       db.Collection("used_links"),
		rateLimits:      db.Collection("rate_limits"),
		audit:           db.Collection("audit"),
		auditHeads:      db.Collection("audit_heads"),
		proposals:       db.Collection("proposals"),
		matches:         db.Collection("matches"),
		claims:          db.Collection("claims"),
		jobRuns:         db.Collection("job_runs"),
		payouts:         db.Collection("payouts"),
		payoutFiles:     db.Collection("payout_files"),
		counters:        db.Collection("counters"),
		dtickets:        db.Collection("dticket_months"),
	}
}

// SetClock replaces the store's clock; tests use it to control time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Embedded reports whether the store runs on the in-process FerretDB.
func (s *Store) Embedded() bool { return s.embedded }

// URI returns the connection string in use (the embedded server's when embedded).
func (s *Store) URI() string { return s.uri }

// Ping checks that the database answers; /readyz calls it.
func (s *Store) Ping(ctx context.Context) error {
	return s.client.Ping(ctx, readpref.Primary())
}

// Drop deletes the whole database; tests use it to clean up.
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// Close disconnects and, when embedded, stops the server and releases the
// data directory.
func (s *Store) Close(ctx context.Context) error {
	err := s.client.Disconnect(ctx)
	s.stop()
	return err
}

// startEmbedded locks the data directory, starts FerretDB on SQLite in it and
// returns its URI and a function that stops it.
func startEmbedded(opts Options) (string, func(), error) {
	dir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return "", nil, fmt.Errorf("store: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("store: create data directory: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return "", nil, err
	}
	// FerretDB logs whole wire messages when a command fails, and those carry
	// personal data: keep only its errors, without attributes.
	quiet := slog.New(errorsOnly{opts.Logger.Handler()})
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    quiet,
	})
	if err != nil {
		unlock()
		return "", nil, fmt.Errorf("store: start embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	uri, err := waitForListener(f)
	if err != nil {
		cancel()
		<-done
		unlock()
		return "", nil, err
	}
	stop := func() { cancel(); <-done; unlock() }
	if opts.Listen == "" {
		return uri, stop, nil
	}
	addr, stopGate, err := startGate(opts.Listen, strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/"))
	if err != nil {
		stop()
		return "", nil, err
	}
	return "mongodb://" + addr + "/", func() { stopGate(); stop() }, nil
}

// waitForListener returns the URI once FerretDB accepts connections; MongoDBURI
// blocks until Run has bound the listener.
func waitForListener(f *ferretdb.FerretDB) (string, error) {
	uriC := make(chan string, 1)
	go func() { uriC <- f.MongoDBURI() }()
	select {
	case uri := <-uriC:
		host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
		for i := 0; i < 100; i++ {
			if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
				_ = c.Close()
				return uri, nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return "", errors.New("store: embedded database does not accept connections")
	case <-time.After(20 * time.Second):
		return "", errors.New("store: embedded database did not start within 20 s")
	}
}

// lockDir takes an exclusive flock on dir/lotse.lock. SQLite files opened by two
// processes through FerretDB lose writes, so a second process must stop here.
func lockDir(dir string) (func(), error) {
	path := filepath.Join(dir, "lotse.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		_ = f.Close()
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "unknown"
		}
		return nil, fmt.Errorf("store: data directory %s is in use by another lotse process (pid %s); "+
			"stop it, or share its database with `lotse db` and MONGODB_URI", dir, holder)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// errorsOnly passes records at error level and above, stripped of attributes.
type errorsOnly struct{ h slog.Handler }

func (e errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && e.h.Enabled(ctx, l)
}

func (e errorsOnly) Handle(ctx context.Context, r slog.Record) error {
	return e.h.Handle(ctx, slog.NewRecord(r.Time, r.Level, "embedded database: "+firstLine(r.Message), r.PC))
}

func (e errorsOnly) WithAttrs([]slog.Attr) slog.Handler { return e }
func (e errorsOnly) WithGroup(string) slog.Handler      { return e }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// wrap turns driver errors into domain errors where a user can cause them, and adds
// context otherwise.
func wrap(err error, format string, args ...any) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return domain.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return domain.ErrConflict
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}

// WithDatabase returns a Store on another database of the same connection,
// sharing its locks; tests use it for a fresh database per test.
func (s *Store) WithDatabase(name string) *Store {
	n := New(s.client, name, s.embedded)
	n.locks, n.log, n.uri, n.dataDir = s.locks, s.log, s.uri, s.dataDir
	return n
}

func optionsUpsert() options.Lister[options.ReplaceOptions] { return options.Replace().SetUpsert(true) }

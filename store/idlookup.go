package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/mongo"
	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, registered as "sqlite"
)

// idLookupIndex is the SQLite expression FerretDB v1.24 filters on when a query,
// update or delete selects by _id (metadata.IDColumn in its source).
const idLookupIndex = `_ferretdb_sjson->'$._id'`

// ensureIDLookups makes _id lookups index searches on the embedded backend.
//
// FerretDB v1.24 builds its unique _id index on _ferretdb_sjson->"_id" but
// filters on _ferretdb_sjson->'$._id'. SQLite uses an expression index only
// for the identical expression, so every FindOne, UpdateOne and miss by _id read
// the table row by row: 100–350 ms for a recent row at 10,000 rows, while the
// hot rows (sessions, confirm links, fresh sign-ups) are the recent ones. An
// index on FerretDB's own filter expression turns these into searches. FerretDB
// does not list or need it; dropping a collection drops it with the table.
func (s *Store) ensureIDLookups(ctx context.Context) error {
	// Create every collection now, so none is created later without the index.
	for _, c := range s.collections() {
		err := s.db.CreateCollection(ctx, c.Name())
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
			return wrap(err, "create collection %s", c.Name())
		}
	}
	file := filepath.Join(s.dataDir, s.db.Name()+".sqlite")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: file}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: open %s: %w", file, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("store: read FerretDB's collection table in %s: %w", file, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("store: read FerretDB's collection table: %w", err)
		}
		tables = append(tables, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("store: read FerretDB's collection table: %w", err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, t+"_lotse_id", t, idLookupIndex)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: index _id lookups of %s: %w", t, err)
		}
	}
	return nil
}

// collections lists every collection the store uses.
func (s *Store) collections() []*mongo.Collection {
	return []*mongo.Collection{s.tenants, s.users, s.sessions, s.tokens, s.volunteers, s.volunteerEmails,
		s.requests, s.outbox, s.mailLog, s.usedLinks, s.rateLimits, s.audit, s.auditHeads, s.proposals, s.matches, s.jobRuns, s.claims,
		s.payouts, s.payoutFiles, s.counters}
}

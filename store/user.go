package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
)

type userDoc struct {
	ID             bson.ObjectID `bson:"_id"`
	TenantID       bson.ObjectID `bson:"tenant_id"`
	Email          string        `bson:"email"`
	Role           string        `bson:"role"`
	Municipalities []string      `bson:"municipalities"`
	PasswordHash   string        `bson:"password_hash"`
	FailedLogins   int           `bson:"failed_logins"`
	LockedUntil    time.Time     `bson:"locked_until,omitempty"`
	CreatedAt      time.Time     `bson:"created_at"`
	LastLoginAt    time.Time     `bson:"last_login_at,omitempty"`
}

func (d *userDoc) domain() *domain.User {
	return &domain.User{
		ID: did(d.ID), Tenant: did(d.TenantID), Email: d.Email, Role: domain.Role(d.Role),
		Municipalities: d.Municipalities, PasswordHash: d.PasswordHash, FailedLogins: d.FailedLogins,
		LockedUntil: d.LockedUntil.UTC(), CreatedAt: d.CreatedAt.UTC(), LastLoginAt: d.LastLoginAt.UTC(),
	}
}

// CreateUser stores a new staff user; u.ID and u.CreatedAt are set when zero. An
// email that any tenant already uses is ErrConflict: the email is the login name.
func (s *Store) CreateUser(ctx context.Context, u *domain.User) error {
	if u.ID.IsZero() {
		u.ID = domain.NewID(s.now())
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	d := userDoc{
		ID: oid(u.ID), TenantID: oid(u.Tenant), Email: u.Email, Role: string(u.Role),
		Municipalities: nonNil(u.Municipalities), PasswordHash: u.PasswordHash,
		CreatedAt: u.CreatedAt,
	}
	_, err := s.users.InsertOne(ctx, d)
	return wrap(err, "create user")
}

// UserByEmail returns the user with this (lower-case) email in any tenant, or
// ErrNotFound. Only login and the admin command line look users up this way. The
// users collection holds a few dozen staff per tenant, so the scan the embedded
// backend does for this filter is cheap.
func (s *Store) UserByEmail(ctx context.Context, email string) (*domain.User, error) {
	var d userDoc
	if err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: email}}).Decode(&d); err != nil {
		return nil, wrap(err, "find user by email")
	}
	return d.domain(), nil
}

// User returns the tenant's user with id, or ErrNotFound (also for another
// tenant's user).
func (s *Store) User(ctx context.Context, tenant, id domain.ID) (*domain.User, error) {
	var d userDoc
	if err := s.findOwned(ctx, s.users, oid(id), tenant, &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// Users returns the tenant's staff users.
func (s *Store) Users(ctx context.Context, tenant domain.ID) ([]*domain.User, error) {
	var docs []userDoc
	if err := s.findAll(ctx, s.users, bson.D{{Key: "tenant_id", Value: oid(tenant)}}, &docs); err != nil {
		return nil, err
	}
	out := make([]*domain.User, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// RecordLoginFailure counts one failed login of user id. When the count reaches
// limit the account is locked until lockUntil and the count starts again from
// zero, so after the lockout the user has limit fresh attempts. It reports whether
// this failure locked the account, and returns ErrNotFound for an unknown id.
func (s *Store) RecordLoginFailure(ctx context.Context, id domain.ID, limit int, lockUntil time.Time) (bool, error) {
	if s.embedded {
		// FerretDB applies $inc as read-modify-write: without this lock two
		// simultaneous failures could count as one.
		defer s.locks.lock("users\x00" + id.Hex())()
	}
	var d struct {
		FailedLogins int `bson:"failed_logins"`
	}
	err := s.users.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: oid(id)}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failed_logins", Value: 1}}}},
		// No projection: FerretDB's findAndModify does not support one.
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return false, wrap(err, "record login failure")
	}
	if d.FailedLogins < limit {
		return false, nil
	}
	_, err = s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: oid(id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "failed_logins", Value: 0}, {Key: "locked_until", Value: lockUntil}}}})
	if err != nil {
		return false, wrap(err, "lock user")
	}
	return true, nil
}

// RecordLoginSuccess resets the failure count of user id and notes the time of
// the login.
func (s *Store) RecordLoginSuccess(ctx context.Context, id domain.ID) error {
	if s.embedded {
		defer s.locks.lock("users\x00" + id.Hex())()
	}
	res, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: oid(id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "failed_logins", Value: 0}, {Key: "last_login_at", Value: s.now()}}}})
	if err != nil {
		return wrap(err, "record login")
	}
	if res.MatchedCount == 0 {
		return domain.ErrNotFound
	}
	return nil
}

type sessionDoc struct {
	ID     string        `bson:"_id"` // hex SHA-256 of the cookie token
	UserID bson.ObjectID `bson:"user_id"`
	// VolunteerID is set on a volunteer's portal session (user_id is then
	// zero): both kinds share this collection, its _id lookup and its pruning.
	VolunteerID bson.ObjectID `bson:"volunteer_id,omitempty"`
	TenantID    bson.ObjectID `bson:"tenant_id"`
	CreatedAt   time.Time     `bson:"created_at"`
	ExpiresAt   time.Time     `bson:"expires_at"`
	LastSeenAt  time.Time     `bson:"last_seen_at"`
}

// CreateSession stores a session. sess.ID must be the hash of the token, never the
// token. A taken ID is ErrConflict.
func (s *Store) CreateSession(ctx context.Context, sess *domain.Session) error {
	_, err := s.sessions.InsertOne(ctx, sessionDoc{
		ID: sess.ID, UserID: oid(sess.User), VolunteerID: oid(sess.Volunteer), TenantID: oid(sess.Tenant),
		CreatedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt, LastSeenAt: sess.LastSeenAt,
	})
	return wrap(err, "create session")
}

// SessionByTokenHash returns the session with this ID, expired or not (the caller
// compares ExpiresAt with its clock), or ErrNotFound. Every signed-in request
// calls it, so it filters by _id alone: the embedded backend's primary-key path.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string) (*domain.Session, error) {
	var d sessionDoc
	if err := s.sessions.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, wrap(err, "find session")
	}
	return &domain.Session{
		ID: d.ID, User: did(d.UserID), Volunteer: did(d.VolunteerID), Tenant: did(d.TenantID), CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), LastSeenAt: d.LastSeenAt.UTC(),
	}, nil
}

// TouchSession records activity on a session and moves its expiry (sliding
// sessions). It returns ErrNotFound when the session is gone (signed out).
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, expires time.Time) error {
	res, err := s.sessions.UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen_at", Value: lastSeen}, {Key: "expires_at", Value: expires}}}})
	if err != nil {
		return wrap(err, "touch session")
	}
	if res.MatchedCount == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// DeleteSession removes a session; removing one that is already gone is not an
// error, so signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	return wrap(err, "delete session")
}

// PruneSessions deletes sessions that expired before now and returns how many.
// The sessions collection is read by _id on every request; pruning keeps it
// small on every backend (FerretDB has no TTL indexes).
func (s *Store) PruneSessions(ctx context.Context) (int64, error) {
	res, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: s.now()}}}})
	if err != nil {
		return 0, wrap(err, "prune sessions")
	}
	return res.DeletedCount, nil
}

type tokenDoc struct {
	ID         string        `bson:"_id"` // hex SHA-256 of the token
	UserID     bson.ObjectID `bson:"user_id"`
	TenantID   bson.ObjectID `bson:"tenant_id"`
	Name       string        `bson:"name"`
	CreatedAt  time.Time     `bson:"created_at"`
	LastUsedAt time.Time     `bson:"last_used_at,omitempty"`
}

func (d *tokenDoc) domain() *domain.APIToken {
	return &domain.APIToken{
		ID: d.ID, User: did(d.UserID), Tenant: did(d.TenantID), Name: d.Name,
		CreatedAt: d.CreatedAt.UTC(), LastUsedAt: d.LastUsedAt.UTC(),
	}
}

// CreateToken stores an API token. t.ID must be the hash of the token, never the
// token. A taken ID is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t *domain.APIToken) error {
	_, err := s.tokens.InsertOne(ctx, tokenDoc{
		ID: t.ID, UserID: oid(t.User), TenantID: oid(t.Tenant), Name: t.Name,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt,
	})
	return wrap(err, "create token")
}

// TokenByHash returns the API token with this ID, or ErrNotFound. Like sessions,
// it filters by _id alone.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*domain.APIToken, error) {
	var d tokenDoc
	if err := s.tokens.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, wrap(err, "find token")
	}
	return d.domain(), nil
}

// TouchToken records when a token was last used.
func (s *Store) TouchToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.tokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: at}}}})
	return wrap(err, "touch token")
}

// TokensOfUser lists a user's API tokens, oldest first, so an owner can see and
// later revoke them.
func (s *Store) TokensOfUser(ctx context.Context, tenant, user domain.ID) ([]*domain.APIToken, error) {
	cur, err := s.tokens.Find(ctx, bson.D{{Key: "user_id", Value: oid(user)}, {Key: "tenant_id", Value: oid(tenant)}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, wrap(err, "list tokens")
	}
	var docs []tokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "list tokens")
	}
	out := make([]*domain.APIToken, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// DumpCollection returns every document of the named collection as relaxed
// Extended JSON, exactly as stored. It is unscoped and meant for admin tools and
// for tests that check what reaches the disk (that no session or API token is
// stored in clear); request paths never call it.
func (s *Store) DumpCollection(ctx context.Context, name string) ([]string, error) {
	cur, err := s.db.Collection(name).Find(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err, "dump %s", name)
	}
	defer cur.Close(ctx)
	var out []string
	for cur.Next(ctx) {
		b, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			return nil, wrap(err, "dump %s", name)
		}
		out = append(out, string(b))
	}
	return out, wrap(cur.Err(), "dump %s", name)
}

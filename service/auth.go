package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"lotse/domain"
)

// Login and session rules.
const (
	SessionTTL        = 12 * time.Hour   // idle time after which a session ends
	sessionTouchEvery = 10 * time.Minute // how stale last_seen may get before a write
	tokenTouchEvery   = 10 * time.Minute

	LoginWindow      = 15 * time.Minute // per-IP window of the login rate limit
	LoginLimit       = 20               // attempts per client address and window
	MaxLoginFailures = 5                // consecutive failures that lock an account
	LockoutDuration  = 15 * time.Minute

	// TokenPrefix starts every API token, so a leaked one is easy to recognise
	// (secret scanners, logs) and a session token is never mistaken for one.
	TokenPrefix = "lotse_"
)

// Login errors. Unknown email and wrong password give the same error, so the
// login form does not tell who has an account.
var (
	ErrLoginFailed = &domain.Error{Code: domain.EUnauthorized, Key: "login.failed"}
	ErrLoginLocked = &domain.Error{Code: domain.ETooMany, Key: "login.locked"}
)

// Argon2id parameters (RFC 9106). Memory hardness is what makes a GPU or ASIC
// attack on a stolen database expensive, so memory is high and time is low:
// m=64 MiB, t=1, p=2 is RFC 9106's second recommended setting with one pass
// instead of three, and above OWASP's minimum (m=46 MiB, t=1, p=1). Measured on
// the 2-core development VM: about 24 ms per hash when idle, 180–500 ms while
// the machine ran ten other builds (t=3 was about 75 ms idle). A login should
// cost well under a second even on a small shared VM, so t=1; p=2 uses both
// cores of such a VM. Each hash holds 64 MiB while it runs; hashSlots bounds how
// many run at once so a burst of logins cannot exhaust memory.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 1
	argonThreads = 2
	argonSaltLen = 16
	argonKeyLen  = 32
)

// hashSlots caps simultaneous argon2 computations at 4 × 64 MiB of memory.
var hashSlots = make(chan struct{}, 4)

func acquireHashSlot(ctx context.Context) (func(), error) {
	select {
	case hashSlots <- struct{}{}:
		return func() { <-hashSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// HashPassword returns the argon2id hash of password with a fresh random salt, in
// PHC string format: $argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash> (standard
// base64 without padding, as the reference implementation writes it).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("service: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// checkPassword reports whether password matches encoded, with the parameters
// stored in encoded (so raising them later does not lock out existing users). A
// malformed hash is an error, never a match.
func checkPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, errors.New("service: password hash: not argon2id v19 in PHC format")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("service: password hash parameters: %w", err)
	}
	// Bounds keep a damaged or planted hash from costing gigabytes or minutes.
	if m < 8*uint32(p) || m > 1<<20 || t < 1 || t > 10 || p < 1 {
		return false, errors.New("service: password hash parameters out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("service: password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errors.New("service: password hash value malformed")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against for unknown emails, so that answering "no such
// account" costs one argon2 computation like a wrong password does.
var dummyHash = sync.OnceValue(func() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h, err := HashPassword(base64.RawStdEncoding.EncodeToString(b))
	if err != nil {
		panic(err) // only when the system's random source fails
	}
	return h
})

// verifyPassword runs checkPassword in a hash slot.
func verifyPassword(ctx context.Context, encoded, password string) (bool, error) {
	release, err := acquireHashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return checkPassword(encoded, password)
}

// TokenHash returns the hex SHA-256 of a session or API token: the _id under which
// the store keeps it. The tokens carry 256 random bits, so a fast hash is enough:
// nothing can be guessed, and a database copy yields no usable token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newToken returns 32 random bytes, base64url without padding (43 characters).
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("service: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// AddUser creates a staff user in the tenant with the given slug. It returns
// EInvalid with field errors for bad input, an unknown tenant ("tenant"),
// municipalities the tenant does not have ("municipality") and a taken email
// ("email").
func (s *Service) AddUser(ctx context.Context, tenantSlug string, in domain.UserInput) (*domain.User, error) {
	clean, fe := in.Clean()
	tenant, err := s.Store.TenantBySlug(ctx, strings.TrimSpace(tenantSlug))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		fe.Add("tenant", "field.tenant.unknown")
	case err != nil:
		return nil, err
	default:
		for _, ags := range clean.Municipalities {
			if _, ok := tenant.Municipality(ags); !ok {
				fe.Add("municipality", "field.municipality.unknown")
			}
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	release, err := acquireHashSlot(ctx)
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(clean.Password)
	release()
	if err != nil {
		return nil, err
	}
	u := &domain.User{
		Tenant: tenant.ID, Email: clean.Email, Role: clean.Role, Municipalities: clean.Municipalities,
		PasswordHash: hash, CreatedAt: s.Now(),
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return nil, domain.FieldErrors{"email": "field.email.taken"}.Err()
		}
		return nil, err
	}
	s.Log.Info("user added", "tenant", tenant.ID.Hex(), "user", u.ID.Hex(), "role", string(u.Role))
	s.audit(ctx, domain.System(tenant.ID), "user.create", "user", u.ID, []string{"email", "role", "municipalities"})
	return u, nil
}

// Login checks email and password and starts a session. It returns the session
// token for the cookie (shown nowhere else) and the user. Errors: ErrRateLimited
// when the client address tried too often, ErrLoginLocked while the account is
// locked (and on the failure that locks it), ErrLoginFailed for an unknown email
// or a wrong password alike. client is the caller's IP address; it is only hashed.
func (s *Service) Login(ctx context.Context, email, password, client string) (string, *domain.User, error) {
	ok, err := s.Store.Hit(ctx, "login", s.keyedHash("ip", client), LoginWindow, LoginLimit)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, ErrRateLimited
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if utf8.RuneCountInString(password) > domain.MaxPasswordLen {
		// No stored password is this long, and hashing megabytes would cost time.
		password = ""
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		// Spend the time a real check costs, so timing does not tell either.
		if _, err := verifyPassword(ctx, dummyHash(), password); err != nil {
			return "", nil, err
		}
		return "", nil, ErrLoginFailed
	}
	if err != nil {
		return "", nil, err
	}
	now := s.Now()
	if u.Locked(now) {
		// Not even a correct password opens a locked account, so guessing on
		// during the lockout learns nothing.
		return "", nil, ErrLoginLocked
	}
	match, err := verifyPassword(ctx, u.PasswordHash, password)
	if err != nil {
		return "", nil, fmt.Errorf("service: login user %s: %w", u.ID.Hex(), err)
	}
	if !match {
		locked, err := s.Store.RecordLoginFailure(ctx, u.ID, MaxLoginFailures, now.Add(LockoutDuration))
		if err != nil {
			return "", nil, err
		}
		if locked {
			s.Log.Warn("account locked after failed logins", "tenant", u.Tenant.Hex(), "user", u.ID.Hex())
			return "", nil, ErrLoginLocked
		}
		s.Log.Info("login failed", "tenant", u.Tenant.Hex(), "user", u.ID.Hex())
		return "", nil, ErrLoginFailed
	}
	if err := s.Store.RecordLoginSuccess(ctx, u.ID); err != nil {
		return "", nil, err
	}
	token, err := newToken()
	if err != nil {
		return "", nil, err
	}
	sess := &domain.Session{
		ID: TokenHash(token), User: u.ID, Tenant: u.Tenant,
		CreatedAt: now, ExpiresAt: now.Add(SessionTTL), LastSeenAt: now,
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	u.FailedLogins, u.LastLoginAt = 0, now
	s.Log.Info("login", "tenant", u.Tenant.Hex(), "user", u.ID.Hex())
	return token, u, nil
}

// Logout ends the session of token. An unknown or already ended session is not
// an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.Store.DeleteSession(ctx, TokenHash(token))
}

// SessionUser returns the user and tenant of a session token and keeps the
// session alive: it ends SessionTTL after the last request. It returns
// ErrUnauthorized for an unknown or expired session or a user that no longer
// exists.
func (s *Service) SessionUser(ctx context.Context, token string) (*domain.User, *domain.Tenant, error) {
	if token == "" || len(token) > 128 {
		return nil, nil, domain.ErrUnauthorized
	}
	hash := TokenHash(token)
	sess, err := s.Store.SessionByTokenHash(ctx, hash)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	if !sess.Volunteer.IsZero() {
		return nil, nil, domain.ErrUnauthorized // a volunteer's portal session grants no staff route
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) {
		if err := s.Store.DeleteSession(ctx, hash); err != nil {
			s.Log.Warn("delete expired session", "err", err)
		}
		return nil, nil, domain.ErrUnauthorized
	}
	u, t, err := s.userAndTenant(ctx, sess.Tenant, sess.User)
	if err != nil {
		return nil, nil, err
	}
	// Sliding expiry, written at most every few minutes: a write per request
	// would cost more than the lookup itself on the embedded backend.
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if err := s.Store.TouchSession(ctx, hash, now, now.Add(SessionTTL)); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return nil, nil, domain.ErrUnauthorized // signed out meanwhile
			}
			s.Log.Warn("touch session", "user", u.ID.Hex(), "err", err)
		}
	}
	return u, t, nil
}

// userAndTenant loads a session's or token's user and tenant; a deleted user is
// ErrUnauthorized.
func (s *Service) userAndTenant(ctx context.Context, tenant, user domain.ID) (*domain.User, *domain.Tenant, error) {
	u, err := s.Store.User(ctx, tenant, user)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := s.Store.Tenant(ctx, u.Tenant)
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// CreateToken creates a personal API token for the user with this email and
// returns it; this is the only time the token exists in clear. It returns
// NotFound("user.not_found") for an unknown email and EInvalid for a name that
// is too long.
func (s *Service) CreateToken(ctx context.Context, email, name string) (string, error) {
	name = domain.CleanText(name)
	if name == "" {
		name = "api"
	}
	if utf8.RuneCountInString(name) > domain.MaxTokenNameLen {
		return "", domain.FieldErrors{"name": "field.too_long"}.Err()
	}
	u, err := s.Store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, domain.ErrNotFound) {
		return "", domain.NotFound("user.not_found")
	}
	if err != nil {
		return "", err
	}
	raw, err := newToken()
	if err != nil {
		return "", err
	}
	token := TokenPrefix + raw
	t := &domain.APIToken{ID: TokenHash(token), User: u.ID, Tenant: u.Tenant, Name: name, CreatedAt: s.Now()}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", err
	}
	s.Log.Info("api token created", "tenant", u.Tenant.Hex(), "user", u.ID.Hex())
	s.audit(ctx, domain.System(u.Tenant), "token.create", "user", u.ID, []string{"api_token"})
	return token, nil
}

// UserForToken returns the user and tenant of an API token, or ErrUnauthorized
// for anything that is not a live token of an existing user.
func (s *Service) UserForToken(ctx context.Context, token string) (*domain.User, *domain.Tenant, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return nil, nil, domain.ErrUnauthorized
	}
	hash := TokenHash(token)
	t, err := s.Store.TokenByHash(ctx, hash)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	u, tn, err := s.userAndTenant(ctx, t.Tenant, t.User)
	if err != nil {
		return nil, nil, err
	}
	if now := s.Now(); now.Sub(t.LastUsedAt) >= tokenTouchEvery {
		if err := s.Store.TouchToken(ctx, hash, now); err != nil {
			s.Log.Warn("touch api token", "user", u.ID.Hex(), "err", err)
		}
	}
	return u, tn, nil
}

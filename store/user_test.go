package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/store/storetest"
)

func newUser(tenant domain.ID, email string) *domain.User {
	return &domain.User{
		Tenant: tenant, Email: email, Role: domain.RoleCoordinator,
		Municipalities: []string{"08336050"}, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA",
	}
}

func TestUserCreateAndFind(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant, other := domain.NewID(time.Now()), domain.NewID(time.Now())
	u := newUser(tenant, "k@example.org")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID.IsZero() || u.CreatedAt.IsZero() {
		t.Fatalf("ID and CreatedAt not set: %+v", u)
	}
	// The email is the login name: unique across tenants.
	if err := s.CreateUser(ctx, newUser(other, "k@example.org")); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("same email in another tenant: want ErrConflict, got %v", err)
	}

	got, err := s.UserByEmail(ctx, "k@example.org")
	if err != nil || got.ID != u.ID || got.Role != domain.RoleCoordinator || got.PasswordHash != u.PasswordHash ||
		len(got.Municipalities) != 1 || got.Municipalities[0] != "08336050" {
		t.Fatalf("by email: %+v %v", got, err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown email: want ErrNotFound, got %v", err)
	}
	if got, err := s.User(ctx, tenant, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("by id: %+v %v", got, err)
	}
	if _, err := s.User(ctx, other, u.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("foreign tenant: want ErrNotFound, got %v", err)
	}
}

func TestUserCreateConcurrentSameEmail(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	tenant := domain.NewID(time.Now())
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateUser(ctx, newUser(tenant, "race@example.org"))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, domain.ErrConflict):
			t.Errorf("want ErrConflict, got %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d simultaneous adds succeeded, want 1", won, len(errs))
	}
}

func TestUserLoginFailuresAndLock(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	u := newUser(domain.NewID(now), "lock@example.org")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	until := now.Add(15 * time.Minute)
	for i := 1; i <= 2; i++ {
		locked, err := s.RecordLoginFailure(ctx, u.ID, 3, until)
		if err != nil || locked {
			t.Fatalf("failure %d: locked=%v err=%v", i, locked, err)
		}
	}
	got, _ := s.User(ctx, u.Tenant, u.ID)
	if got.FailedLogins != 2 || !got.LockedUntil.IsZero() {
		t.Fatalf("after 2 failures: %d %v", got.FailedLogins, got.LockedUntil)
	}
	locked, err := s.RecordLoginFailure(ctx, u.ID, 3, until)
	if err != nil || !locked {
		t.Fatalf("third failure: locked=%v err=%v", locked, err)
	}
	got, _ = s.User(ctx, u.Tenant, u.ID)
	if got.FailedLogins != 0 || !got.LockedUntil.Equal(until) || !got.Locked(now) || got.Locked(until) {
		t.Fatalf("after lock: %d %v", got.FailedLogins, got.LockedUntil)
	}

	if _, err := s.RecordLoginFailure(ctx, u.ID, 3, until); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordLoginSuccess(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.User(ctx, u.Tenant, u.ID)
	if got.FailedLogins != 0 || !got.LastLoginAt.Equal(now) {
		t.Fatalf("after success: %d %v", got.FailedLogins, got.LastLoginAt)
	}

	missing := domain.NewID(now)
	if _, err := s.RecordLoginFailure(ctx, missing, 3, until); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("failure of unknown user: %v", err)
	}
	if err := s.RecordLoginSuccess(ctx, missing); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("success of unknown user: %v", err)
	}
}

// Simultaneous failures must all count, or an attacker running requests in
// parallel would get more attempts than the limit.
func TestUserLoginFailuresConcurrent(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	u := newUser(domain.NewID(time.Now()), "par@example.org")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RecordLoginFailure(ctx, u.ID, 100, time.Now()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ := s.User(ctx, u.Tenant, u.ID)
	if got.FailedLogins != 10 {
		t.Fatalf("10 simultaneous failures counted as %d", got.FailedLogins)
	}
}

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tenant, user := domain.NewID(now), domain.NewID(now)
	live := &domain.Session{ID: strings.Repeat("a", 64), User: user, Tenant: tenant,
		CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour), LastSeenAt: now}
	old := &domain.Session{ID: strings.Repeat("b", 64), User: user, Tenant: tenant,
		CreatedAt: now.Add(-13 * time.Hour), ExpiresAt: now.Add(-time.Hour), LastSeenAt: now.Add(-13 * time.Hour)}
	for _, sess := range []*domain.Session{live, old} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, live); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("same id twice: want ErrConflict, got %v", err)
	}
	got, err := s.SessionByTokenHash(ctx, live.ID)
	if err != nil || *got != *live {
		t.Fatalf("read back: %+v %v", got, err)
	}

	later := now.Add(30 * time.Minute)
	if err := s.TouchSession(ctx, live.ID, later, later.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SessionByTokenHash(ctx, live.ID)
	if !got.LastSeenAt.Equal(later) || !got.ExpiresAt.Equal(later.Add(12*time.Hour)) || !got.CreatedAt.Equal(now) {
		t.Fatalf("after touch: %+v", got)
	}
	if err := s.TouchSession(ctx, strings.Repeat("c", 64), later, later); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("touch unknown: %v", err)
	}

	n, err := s.PruneSessions(ctx)
	if err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if _, err := s.SessionByTokenHash(ctx, old.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("expired session after prune: %v", err)
	}
	for range 2 { // deleting twice is fine
		if err := s.DeleteSession(ctx, live.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SessionByTokenHash(ctx, live.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
}

func TestTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tenant, user := domain.NewID(now), domain.NewID(now)
	tok := &domain.APIToken{ID: strings.Repeat("d", 64), User: user, Tenant: tenant, Name: "export", CreatedAt: now}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, tok); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("same id twice: want ErrConflict, got %v", err)
	}
	got, err := s.TokenByHash(ctx, tok.ID)
	if err != nil || *got != *tok {
		t.Fatalf("read back: %+v %v", got, err)
	}
	used := now.Add(time.Hour)
	if err := s.TouchToken(ctx, tok.ID, used); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenByHash(ctx, tok.ID); !got.LastUsedAt.Equal(used) {
		t.Fatalf("after touch: %+v", got)
	}
	if _, err := s.TokenByHash(ctx, strings.Repeat("e", 64)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	list, err := s.TokensOfUser(ctx, tenant, user)
	if err != nil || len(list) != 1 || list[0].Name != "export" {
		t.Fatalf("tokens of user: %+v %v", list, err)
	}
	if list, _ := s.TokensOfUser(ctx, domain.NewID(now), user); len(list) != 0 {
		t.Fatalf("foreign tenant sees %d tokens", len(list))
	}
	docs, err := s.DumpCollection(ctx, "api_tokens")
	if err != nil || len(docs) != 1 || !strings.Contains(docs[0], tok.ID) {
		t.Fatalf("dump: %v %v", docs, err)
	}
}

package service_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

const testPassword = "correct horse battery"

// setClock fixes the service's and the store's clock at *now; tests move now.
func setClock(svc *service.Service, now *time.Time) {
	svc.Now = func() time.Time { return *now }
	svc.Store.SetClock(func() time.Time { return *now })
}

func addUser(t *testing.T, svc *service.Service, email string, role domain.Role, munis ...string) *domain.User {
	t.Helper()
	u, err := svc.AddUser(context.Background(), "loerrach", domain.UserInput{Email: email, Role: role, Municipalities: munis, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantKey(t *testing.T, what string, err error, code, key string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code || de.Key != key {
		t.Fatalf("%s: want %s/%s, got %v", what, code, key, err)
	}
}

func TestHashPasswordFormat(t *testing.T) {
	a, err := service.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := service.HashPassword(testPassword)
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(a) {
		t.Fatalf("not PHC argon2id: %s", a)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestAddUser(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	u, err := svc.AddUser(ctx, "loerrach", domain.UserInput{
		Email: " Koordination@Example.org ", Role: domain.RoleCoordinator,
		Municipalities: []string{agsLoerrach, agsBinzen, agsLoerrach}, Password: testPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "koordination@example.org" || u.Tenant != tn.ID || strings.Join(u.Municipalities, ",") != agsBinzen+","+agsLoerrach {
		t.Fatalf("added: %+v", u)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, testPassword) {
		t.Fatalf("password hash: %s", u.PasswordHash)
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	if len(log) != 1 || log[0].Action != "user.create" || log[0].ID != u.ID || strings.Join(log[0].Fields, ",") != "email,role,municipalities" {
		t.Fatalf("audit: %+v", log)
	}

	for name, tc := range map[string]struct {
		tenant string
		in     domain.UserInput
		field  string
		key    string
	}{
		"taken email":       {"loerrach", domain.UserInput{Email: "KOORDINATION@example.org", Role: domain.RoleAdmin, Password: testPassword}, "email", "field.email.taken"},
		"bad email":         {"loerrach", domain.UserInput{Email: "nope", Role: domain.RoleAdmin, Password: testPassword}, "email", "field.email.invalid"},
		"unknown role":      {"loerrach", domain.UserInput{Email: "r@example.org", Role: "boss", Password: testPassword}, "role", "field.choice.unknown"},
		"short password":    {"loerrach", domain.UserInput{Email: "p@example.org", Role: domain.RoleAdmin, Password: "elevenchars"}, "password", "field.password.too_short"},
		"long password":     {"loerrach", domain.UserInput{Email: "p@example.org", Role: domain.RoleAdmin, Password: strings.Repeat("x", 257)}, "password", "field.password.too_long"},
		"coordinator alone": {"loerrach", domain.UserInput{Email: "c@example.org", Role: domain.RoleCoordinator, Password: testPassword}, "municipality", "field.municipality.required"},
		"foreign ags":       {"loerrach", domain.UserInput{Email: "c@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08311000"}, Password: testPassword}, "municipality", "field.municipality.unknown"},
		"admin with ags":    {"loerrach", domain.UserInput{Email: "a@example.org", Role: domain.RoleAdmin, Municipalities: []string{agsBinzen}, Password: testPassword}, "municipality", "field.municipality.coordinator_only"},
		"unknown tenant":    {"nowhere", domain.UserInput{Email: "a@example.org", Role: domain.RoleAdmin, Password: testPassword}, "tenant", "field.tenant.unknown"},
	} {
		_, err := svc.AddUser(ctx, tc.tenant, tc.in)
		if f := domain.FieldsOf(err); f[tc.field] != tc.key {
			t.Errorf("%s: want %s=%s, got %v", name, tc.field, tc.key, err)
		}
		if !svc.T.HasKey(tc.key) {
			t.Errorf("%s: message key %s has no translation", name, tc.key)
		}
	}
	if log, _ := svc.Store.AuditLog(ctx, tn.ID); len(log) != 1 {
		t.Fatalf("failed adds were audited: %d entries", len(log))
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	u := addUser(t, svc, "admin@example.org", domain.RoleAdmin)
	token, got, err := svc.Login(ctx, " Admin@Example.org", testPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || len(token) != 43 {
		t.Fatalf("login: %+v %q", got, token)
	}
	su, st, err := svc.SessionUser(ctx, token)
	if err != nil || su.ID != u.ID || st.ID != tn.ID || st.Name != tn.Name {
		t.Fatalf("session user: %+v %+v %v", su, st, err)
	}
	if _, _, err := svc.SessionUser(ctx, token+"x"); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	// The cookie's token is not stored, only its hash.
	docs, err := svc.Store.DumpCollection(ctx, "sessions")
	if err != nil || len(docs) != 1 || strings.Contains(docs[0], token) || !strings.Contains(docs[0], service.TokenHash(token)) {
		t.Fatalf("stored sessions: %v %v", docs, err)
	}
	if err := svc.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SessionUser(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after logout: %v", err)
	}
	if err := svc.Logout(ctx, token); err != nil {
		t.Fatalf("second logout: %v", err)
	}
}

func TestSessionExpiresAfterIdleTime(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	setClock(svc, &now)
	addUser(t, svc, "k@example.org", domain.RoleCoordinator, agsBinzen)
	token, _, err := svc.Login(ctx, "k@example.org", testPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	start := now
	// Active for a while: every request more than 10 minutes after the last
	// write moves the end of the session.
	for _, d := range []time.Duration{5 * time.Minute, 11 * time.Minute, 11*time.Hour + 59*time.Minute} {
		now = start.Add(d)
		if _, _, err := svc.SessionUser(ctx, token); err != nil {
			t.Fatalf("at +%v: %v", d, err)
		}
	}
	// 12 h after login, but active 1 min ago: still in.
	now = start.Add(12*time.Hour + time.Minute)
	if _, _, err := svc.SessionUser(ctx, token); err != nil {
		t.Fatalf("12 h after login, recently active: %v", err)
	}
	// 12 h idle after the last recorded activity: out, and the session is gone.
	now = start.Add(11*time.Hour + 59*time.Minute + service.SessionTTL)
	if _, _, err := svc.SessionUser(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after 12 h idle: want ErrUnauthorized, got %v", err)
	}
	if docs, _ := svc.Store.DumpCollection(ctx, "sessions"); len(docs) != 0 {
		t.Fatalf("expired session still stored: %v", docs)
	}

	// Without activity a session ends exactly SessionTTL after login.
	token, _, err = svc.Login(ctx, "k@example.org", testPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(service.SessionTTL - time.Second)
	if _, _, err := svc.SessionUser(ctx, token); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	// That request refreshed the session; idle from here on.
	now = now.Add(service.SessionTTL)
	if _, _, err := svc.SessionUser(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after 12 h idle: %v", err)
	}
}

func TestLoginLockoutAndUnlock(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	setClock(svc, &now)
	u := addUser(t, svc, "kasse@example.org", domain.RoleAccountant)

	for i := 1; i < service.MaxLoginFailures; i++ {
		_, _, err := svc.Login(ctx, "kasse@example.org", "wrong password "+string(rune('a'+i)), "192.0.2.1")
		wantKey(t, "failure", err, domain.EUnauthorized, "login.failed")
	}
	_, _, err := svc.Login(ctx, "kasse@example.org", "wrong again", "192.0.2.2")
	wantKey(t, "failure that locks", err, domain.ETooMany, "login.locked")

	// Locked: even the right password is refused, from any address.
	now = now.Add(14 * time.Minute)
	_, _, err = svc.Login(ctx, "kasse@example.org", testPassword, "192.0.2.3")
	wantKey(t, "right password while locked", err, domain.ETooMany, "login.locked")

	now = now.Add(time.Minute + time.Second)
	if _, _, err := svc.Login(ctx, "kasse@example.org", testPassword, "192.0.2.3"); err != nil {
		t.Fatalf("after 15 min: %v", err)
	}
	got, _ := svc.Store.User(ctx, tn.ID, u.ID)
	if got.FailedLogins != 0 || !got.LastLoginAt.Equal(now) {
		t.Fatalf("after success: %+v", got)
	}

	// A success resets the count: four failures, a success, four more do not lock.
	for round := 0; round < 2; round++ {
		for i := 1; i < service.MaxLoginFailures; i++ {
			_, _, err := svc.Login(ctx, "kasse@example.org", "wrong password", "192.0.2.4")
			wantKey(t, "failure", err, domain.EUnauthorized, "login.failed")
		}
		if round == 0 {
			if _, _, err := svc.Login(ctx, "kasse@example.org", testPassword, "192.0.2.5"); err != nil {
				t.Fatalf("success between failures: %v", err)
			}
		}
	}
	if _, _, err := svc.Login(ctx, "kasse@example.org", testPassword, "192.0.2.5"); err != nil {
		t.Fatalf("4 failures after a success locked the account: %v", err)
	}
}

func TestLoginUnknownEmailLooksLikeWrongPassword(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	addUser(t, svc, "admin@example.org", domain.RoleAdmin)

	// Warm up: the dummy hash is computed on first use.
	_, _, _ = svc.Login(ctx, "warm@example.org", "x", "192.0.2.9")

	var wrong, unknown time.Duration
	var errWrong, errUnknown error
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, _, errWrong = svc.Login(ctx, "admin@example.org", "not the password", "192.0.2.1")
		wrong += time.Since(start)
		start = time.Now()
		_, _, errUnknown = svc.Login(ctx, "nobody@example.org", "not the password", "192.0.2.1")
		unknown += time.Since(start)
	}
	wantKey(t, "wrong password", errWrong, domain.EUnauthorized, "login.failed")
	wantKey(t, "unknown email", errUnknown, domain.EUnauthorized, "login.failed")
	if errWrong.Error() != errUnknown.Error() {
		t.Fatalf("errors differ: %q vs %q", errWrong, errUnknown)
	}
	// Both cost one argon2 computation. The bound is loose because the test
	// machine is shared; without the dummy hash the ratio is below 0.05.
	if unknown < wrong/3 {
		t.Fatalf("unknown email answered in %v, wrong password in %v: timing tells them apart", unknown, wrong)
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	setClock(svc, &now)
	addUser(t, svc, "admin@example.org", domain.RoleAdmin)

	// Unknown emails, so the account lockout does not interfere.
	for i := 0; i < service.LoginLimit; i++ {
		_, _, err := svc.Login(ctx, "nobody@example.org", "guess", "198.51.100.7")
		wantKey(t, "within limit", err, domain.EUnauthorized, "login.failed")
	}
	if _, _, err := svc.Login(ctx, "admin@example.org", testPassword, "198.51.100.7"); !errors.Is(err, service.ErrRateLimited) {
		t.Fatalf("21st attempt: want ErrRateLimited, got %v", err)
	}
	if _, _, err := svc.Login(ctx, "admin@example.org", testPassword, "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	now = now.Add(service.LoginWindow)
	if _, _, err := svc.Login(ctx, "admin@example.org", testPassword, "198.51.100.7"); err != nil {
		t.Fatalf("next window: %v", err)
	}
}

func TestAPIToken(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	setClock(svc, &now)
	u := addUser(t, svc, "k@example.org", domain.RoleCoordinator, agsLoerrach)

	token, err := svc.CreateToken(ctx, "K@example.org", "  Export   Skript ")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^lotse_[A-Za-z0-9_-]{43}$`).MatchString(token) {
		t.Fatalf("token format: %q", token)
	}
	got, gotTenant, err := svc.UserForToken(ctx, token)
	if err != nil || got.ID != u.ID || gotTenant.ID != tn.ID || got.Scope().Municipalities[0] != agsLoerrach {
		t.Fatalf("user for token: %+v %v", got, err)
	}
	for _, bad := range []string{"", token[:len(token)-1], "lotse_" + strings.Repeat("A", 43), strings.TrimPrefix(token, "lotse_")} {
		if _, _, err := svc.UserForToken(ctx, bad); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("token %q: want ErrUnauthorized, got %v", bad, err)
		}
	}
	// A session token is no API token and vice versa.
	if _, _, err := svc.SessionUser(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("API token as session: %v", err)
	}

	// Stored hashed: no document holds the token or its random part.
	docs, err := svc.Store.DumpCollection(ctx, "api_tokens")
	if err != nil || len(docs) != 1 {
		t.Fatalf("stored tokens: %v %v", docs, err)
	}
	if strings.Contains(docs[0], token) || strings.Contains(docs[0], strings.TrimPrefix(token, "lotse_")) ||
		!strings.Contains(docs[0], service.TokenHash(token)) {
		t.Fatalf("token stored in clear or not by hash: %s", docs[0])
	}
	list, _ := svc.Store.TokensOfUser(ctx, tn.ID, u.ID)
	if len(list) != 1 || list[0].Name != "Export Skript" || !list[0].LastUsedAt.Equal(now) {
		t.Fatalf("token record: %+v", list[0])
	}

	if _, err := svc.CreateToken(ctx, "nobody@example.org", ""); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := svc.CreateToken(ctx, "k@example.org", strings.Repeat("n", 101)); domain.FieldsOf(err)["name"] != "field.too_long" {
		t.Fatalf("long name: %v", err)
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	if len(log) != 2 || log[1].Action != "token.create" || log[1].ID != u.ID {
		t.Fatalf("audit: %+v", log)
	}
}

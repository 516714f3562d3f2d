package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a staff account of one tenant: an admin, a coordinator or an accountant.
// Volunteers are not users; they act through signed links.
type User struct {
	ID, Tenant     ID
	Email          string // lower case; unique across the installation, it is the login name
	Role           Role
	Municipalities []string // AGS; only coordinators have any
	PasswordHash   string   // argon2id in PHC string format; never logged or shown
	FailedLogins   int      // consecutive failures since the last success or lockout
	LockedUntil    time.Time
	CreatedAt      time.Time
	LastLoginAt    time.Time
}

// Scope returns what the user may see: the whole tenant for admins, their
// municipalities for coordinators, the tenant's money for accountants.
func (u *User) Scope() Scope {
	return Scope{Tenant: u.Tenant, User: u.ID, Role: u.Role, Municipalities: u.Municipalities}
}

// Locked reports whether the account is locked at now after too many failed logins.
func (u *User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Session is a signed-in browser. Its ID is the hex SHA-256 of the random token in
// the cookie; the token itself is never stored, so a copy of the database holds no
// usable session. A staff session names a User; a volunteer's portal session
// names a Volunteer instead, never both, and each kind is refused where the
// other is expected.
type Session struct {
	ID         string
	User       ID
	Volunteer  ID // the volunteer of a portal session; zero for staff
	Tenant     ID
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// APIToken is a personal token for API clients, sent as "Authorization: Bearer".
// Its ID is the hex SHA-256 of the token; the token is shown once and never stored.
type APIToken struct {
	ID         string
	User       ID
	Tenant     ID
	Name       string // what the owner calls it, e.g. "Export-Skript"
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Limits of user fields.
const (
	MinPasswordLen  = 12  // characters
	MaxPasswordLen  = 256 // characters; longer input only costs hashing time
	MaxTokenNameLen = 100
)

// agsPattern is an Amtlicher Gemeindeschlüssel: eight digits.
var agsPattern = regexp.MustCompile(`^\d{8}$`)

// UserInput is what `lotse user add` (and later an admin form) supplies.
type UserInput struct {
	Email          string
	Role           Role
	Municipalities []string
	Password       string
}

// Clean returns the canonical form of in (lower-case email, municipalities trimmed,
// sorted and deduplicated) and its field errors; the caller checks that the
// municipalities belong to the tenant. The password is taken as typed: spaces may
// be part of it.
func (in UserInput) Clean() (UserInput, FieldErrors) {
	out := in
	out.Email = strings.ToLower(strings.TrimSpace(in.Email))
	out.Role = Role(strings.TrimSpace(string(in.Role)))
	out.Municipalities = nil
	for _, m := range in.Municipalities {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(out.Municipalities, m) {
			out.Municipalities = append(out.Municipalities, m)
		}
	}
	slices.Sort(out.Municipalities)

	fe := FieldErrors{}
	ValidateEmail(fe, "email", out.Email)
	switch {
	case out.Role == "":
		fe.Add("role", "field.required")
	case !IsRole(out.Role):
		fe.Add("role", "field.choice.unknown")
	}
	for _, m := range out.Municipalities {
		if !agsPattern.MatchString(m) {
			fe.Add("municipality", "field.municipality.unknown")
		}
	}
	switch {
	case out.Role == RoleCoordinator && len(out.Municipalities) == 0:
		fe.Add("municipality", "field.municipality.required")
	case out.Role != RoleCoordinator && len(out.Municipalities) > 0:
		// Admins see the whole tenant, accountants no municipality: a list here
		// would suggest a restriction that does not exist.
		fe.Add("municipality", "field.municipality.coordinator_only")
	}
	switch n := utf8.RuneCountInString(out.Password); {
	case n < MinPasswordLen:
		fe.Add("password", "field.password.too_short")
	case n > MaxPasswordLen:
		fe.Add("password", "field.password.too_long")
	}
	return out, fe
}

package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestUserInputCleanNormalises(t *testing.T) {
	in := UserInput{
		Email:          "  Koordination@Loerrach-Landkreis.DE ",
		Role:           " coordinator\t",
		Municipalities: []string{" 08336050", "08336043 ", "08336050", "  ", ""},
		Password:       "  correct horse  ",
	}
	want := UserInput{
		Email:          "koordination@loerrach-landkreis.de",
		Role:           RoleCoordinator,
		Municipalities: []string{"08336043", "08336050"},
		Password:       "  correct horse  ", // taken as typed
	}
	got, fe := in.Clean()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Clean() (-want +got):\n%s", diff)
	}
	if len(fe) != 0 {
		t.Errorf("Clean() field errors: %v", fe)
	}
	if in.Municipalities[0] != " 08336050" {
		t.Errorf("Clean() changed its input: %q", in.Municipalities)
	}
}

func TestUserInputCleanErrors(t *testing.T) {
	valid := func() UserInput {
		return UserInput{Email: "admin@example.org", Role: RoleAdmin, Password: "correct horse battery"}
	}
	coord := func(m ...string) func(*UserInput) {
		return func(in *UserInput) { in.Role, in.Municipalities = RoleCoordinator, m }
	}
	tests := []struct {
		name string
		edit func(*UserInput)
		want map[string]string
	}{
		{"valid admin", func(*UserInput) {}, nil},
		{"valid accountant", func(in *UserInput) { in.Role = RoleAccountant }, nil},
		{"valid coordinator", coord("08336050"), nil},
		{"everything missing", func(in *UserInput) { *in = UserInput{} }, map[string]string{
			"email": "field.required", "role": "field.required", "password": "field.password.too_short",
		}},

		{"email blank", func(in *UserInput) { in.Email = "  " }, map[string]string{"email": "field.required"}},
		{"email with display name", func(in *UserInput) { in.Email = "Admin <admin@example.org>" }, map[string]string{"email": "field.email.invalid"}},
		{"email without dot in domain", func(in *UserInput) { in.Email = "admin@localhost" }, map[string]string{"email": "field.email.invalid"}},

		{"role unknown", func(in *UserInput) { in.Role = "superuser" }, map[string]string{"role": "field.choice.unknown"}},
		{"role upper case", func(in *UserInput) { in.Role = "Admin" }, map[string]string{"role": "field.choice.unknown"}},
		{"role blank", func(in *UserInput) { in.Role = " " }, map[string]string{"role": "field.required"}},

		{"coordinator without municipality", coord(), map[string]string{"municipality": "field.municipality.required"}},
		{"coordinator with blank municipality", coord(" ", ""), map[string]string{"municipality": "field.municipality.required"}},
		{"coordinator, AGS 7 digits", coord("8336050"), map[string]string{"municipality": "field.municipality.unknown"}},
		{"coordinator, AGS 9 digits", coord("083360500"), map[string]string{"municipality": "field.municipality.unknown"}},
		{"coordinator, AGS with letter", coord("0833605a"), map[string]string{"municipality": "field.municipality.unknown"}},
		{"coordinator, AGS non-ASCII digits", coord("٠٨٣٣٦٠٥٠"), map[string]string{"municipality": "field.municipality.unknown"}},
		{"coordinator, one bad among good", coord("08336050", "x"), map[string]string{"municipality": "field.municipality.unknown"}},
		{"admin with municipality", func(in *UserInput) { in.Municipalities = []string{"08336050"} }, map[string]string{"municipality": "field.municipality.coordinator_only"}},
		{"accountant with municipality", func(in *UserInput) {
			in.Role, in.Municipalities = RoleAccountant, []string{"08336050"}
		}, map[string]string{"municipality": "field.municipality.coordinator_only"}},
		{"admin with bad municipality", func(in *UserInput) { in.Municipalities = []string{"x"} }, map[string]string{"municipality": "field.municipality.unknown"}},
		{"admin with blank municipality", func(in *UserInput) { in.Municipalities = []string{" "} }, nil},

		// Passwords count runes, not bytes, and keep their spaces.
		{"password empty", func(in *UserInput) { in.Password = "" }, map[string]string{"password": "field.password.too_short"}},
		{"password min-1", func(in *UserInput) { in.Password = strings.Repeat("a", MinPasswordLen-1) }, map[string]string{"password": "field.password.too_short"}},
		{"password min-1 multibyte", func(in *UserInput) { in.Password = strings.Repeat("ä", MinPasswordLen-1) }, map[string]string{"password": "field.password.too_short"}},
		{"password min", func(in *UserInput) { in.Password = strings.Repeat("a", MinPasswordLen) }, nil},
		{"password min multibyte", func(in *UserInput) { in.Password = strings.Repeat("ä", MinPasswordLen) }, nil},
		{"password short word padded with spaces", func(in *UserInput) { in.Password = "  secret  123" }, nil},
		{"password max", func(in *UserInput) { in.Password = strings.Repeat("a", MaxPasswordLen) }, nil},
		{"password max+1", func(in *UserInput) { in.Password = strings.Repeat("a", MaxPasswordLen+1) }, map[string]string{"password": "field.password.too_long"}},
		{"password max+1 multibyte", func(in *UserInput) { in.Password = strings.Repeat("ß", MaxPasswordLen+1) }, map[string]string{"password": "field.password.too_long"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.edit(&in)
			_, fe := in.Clean()
			if diff := cmp.Diff(tc.want, map[string]string(fe), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserScope(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := &User{ID: NewID(at), Tenant: NewID(at), Email: "k@example.org", Role: RoleCoordinator, Municipalities: []string{"08336050"}}
	want := Scope{Tenant: u.Tenant, User: u.ID, Role: RoleCoordinator, Municipalities: []string{"08336050"}}
	if diff := cmp.Diff(want, u.Scope()); diff != "" {
		t.Errorf("Scope (-want +got):\n%s", diff)
	}
}

func TestUserLocked(t *testing.T) {
	now := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		until time.Time
		want  bool
	}{
		{"never locked", time.Time{}, false},
		{"lock expired", now.Add(-time.Second), false},
		{"lock ends now", now, false},
		{"locked", now.Add(time.Nanosecond), true},
		{"locked for long", now.Add(24 * time.Hour), true},
	} {
		u := &User{LockedUntil: tc.until}
		if got := u.Locked(now); got != tc.want {
			t.Errorf("%s: Locked = %v, want %v", tc.name, got, tc.want)
		}
	}
}

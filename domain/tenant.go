package domain

import (
	"slices"
	"time"
)

// TenantKind says what sort of public body runs a tenant.
type TenantKind string

// Tenant kinds.
const (
	KindLandkreis TenantKind = "landkreis"
	KindStadt     TenantKind = "stadt"   // kreisfreie Stadt
	KindVerband   TenantKind = "verband" // Gemeindeverwaltungsverband
)

// Tenant is one public body using the installation; it sees only its own data.
type Tenant struct {
	ID             ID
	Slug           string // short name in URLs and CLI flags, e.g. "loerrach"
	Name           string
	Kind           TenantKind
	Municipalities []Municipality
	PrivacyVersion string          // version of the privacy notice volunteers consent to
	Contact        string          // how people reach the coordination (address, phone); mails end with it
	RateTable      string          // travel-cost preset: "brkg" (default), "bayern", "hessen", "rlp"
	Rates          []TravelRates   // the tenant's own tables, each from its day on, after the preset
	Payout         *PayoutSettings // nil until an admin saves them
	CreatedAt      time.Time
}

// Municipality is a Gemeinde or city within a tenant.
type Municipality struct {
	AGS  string // Amtlicher Gemeindeschlüssel, 8 digits
	Name string
	PLZ  []string // postal codes (a code may be shared with a neighbour)
}

// Municipality returns the municipality with the given AGS.
func (t *Tenant) Municipality(ags string) (Municipality, bool) {
	for _, m := range t.Municipalities {
		if m.AGS == ags {
			return m, true
		}
	}
	return Municipality{}, false
}

// MunicipalitiesForPLZ returns the municipalities that list plz, in tenant order.
func (t *Tenant) MunicipalitiesForPLZ(plz string) []Municipality {
	var out []Municipality
	for _, m := range t.Municipalities {
		if slices.Contains(m.PLZ, plz) {
			out = append(out, m)
		}
	}
	return out
}

// Role is what a staff user may do within a tenant.
type Role string

// Roles.
const (
	RoleAdmin       Role = "admin"       // the whole tenant
	RoleCoordinator Role = "coordinator" // volunteers and requests of own municipalities
	RoleAccountant  Role = "accountant"  // the tenant's money
)

// IsRole reports whether r is a known role.
func IsRole(r Role) bool {
	return r == RoleAdmin || r == RoleCoordinator || r == RoleAccountant
}

// Scope is who is asking: every store call takes one and filters by it.
type Scope struct {
	Tenant         ID
	User           ID // zero for anonymous (public forms) and system jobs
	Role           Role
	Municipalities []string // AGS; only for coordinators
}

// System returns a scope for jobs and public forms of a tenant: tenant-wide, no user.
func System(tenant ID) Scope { return Scope{Tenant: tenant, Role: RoleAdmin} }

// SeesMunicipality reports whether the scope covers data of municipality ags.
// Admins see the whole tenant, coordinators their own municipalities,
// accountants none (they see money, not people).
func (s Scope) SeesMunicipality(ags string) bool {
	switch s.Role {
	case RoleAdmin:
		return true
	case RoleCoordinator:
		return slices.Contains(s.Municipalities, ags)
	}
	return false
}

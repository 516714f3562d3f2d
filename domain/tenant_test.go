package domain

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScopeSeesMunicipality(t *testing.T) {
	const loerrach, weil, rheinfelden = "08336050", "08336091", "08336069"
	tenant := NewID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		scope Scope
		ags   string
		want  bool
	}{
		{"admin, any", Scope{Tenant: tenant, Role: RoleAdmin}, loerrach, true},
		{"admin, list ignored", Scope{Tenant: tenant, Role: RoleAdmin, Municipalities: []string{weil}}, loerrach, true},
		{"admin, empty ags", Scope{Tenant: tenant, Role: RoleAdmin}, "", true},
		{"coordinator, own", Scope{Tenant: tenant, Role: RoleCoordinator, Municipalities: []string{weil, loerrach}}, loerrach, true},
		{"coordinator, other", Scope{Tenant: tenant, Role: RoleCoordinator, Municipalities: []string{weil, loerrach}}, rheinfelden, false},
		{"coordinator, none", Scope{Tenant: tenant, Role: RoleCoordinator}, loerrach, false},
		{"coordinator, empty ags", Scope{Tenant: tenant, Role: RoleCoordinator, Municipalities: []string{weil}}, "", false},
		{"coordinator, prefix only", Scope{Tenant: tenant, Role: RoleCoordinator, Municipalities: []string{"08336"}}, loerrach, false},
		{"accountant", Scope{Tenant: tenant, Role: RoleAccountant}, loerrach, false},
		{"accountant, list ignored", Scope{Tenant: tenant, Role: RoleAccountant, Municipalities: []string{loerrach}}, loerrach, false},
		{"no role", Scope{Tenant: tenant, Municipalities: []string{loerrach}}, loerrach, false},
		{"unknown role", Scope{Tenant: tenant, Role: "superuser"}, loerrach, false},
		{"system", System(tenant), rheinfelden, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.scope.SeesMunicipality(tc.ags); got != tc.want {
				t.Errorf("SeesMunicipality(%q) = %v, want %v", tc.ags, got, tc.want)
			}
		})
	}
}

func TestSystem(t *testing.T) {
	tenant := NewID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	want := Scope{Tenant: tenant, Role: RoleAdmin}
	if diff := cmp.Diff(want, System(tenant)); diff != "" {
		t.Errorf("System (-want +got):\n%s", diff)
	}
	if !System(tenant).User.IsZero() {
		t.Error("System scope has a user")
	}
}

func TestIsRole(t *testing.T) {
	for _, tc := range []struct {
		r    Role
		want bool
	}{
		{RoleAdmin, true}, {RoleCoordinator, true}, {RoleAccountant, true},
		{"", false}, {"Admin", false}, {"volunteer", false},
	} {
		if got := IsRole(tc.r); got != tc.want {
			t.Errorf("IsRole(%q) = %v, want %v", tc.r, got, tc.want)
		}
	}
}

func testTenant() *Tenant {
	return &Tenant{
		Slug: "loerrach",
		Kind: KindLandkreis,
		Municipalities: []Municipality{
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}},
			{AGS: "08336091", Name: "Weil am Rhein", PLZ: []string{"79576"}},
			// 79541 is shared: Inzlingen and parts of Lörrach.
			{AGS: "08336043", Name: "Inzlingen", PLZ: []string{"79594", "79541"}},
		},
	}
}

func TestTenantMunicipality(t *testing.T) {
	tn := testTenant()
	for _, tc := range []struct {
		ags      string
		wantName string
		ok       bool
	}{
		{"08336050", "Lörrach", true},
		{"08336043", "Inzlingen", true},
		{"08336999", "", false},
		{"", "", false},
		{" 08336050", "", false},
	} {
		m, ok := tn.Municipality(tc.ags)
		if ok != tc.ok || m.Name != tc.wantName {
			t.Errorf("Municipality(%q) = %q, %v; want %q, %v", tc.ags, m.Name, ok, tc.wantName, tc.ok)
		}
		if ok && m.AGS != tc.ags {
			t.Errorf("Municipality(%q) returned AGS %q", tc.ags, m.AGS)
		}
	}
	if _, ok := (&Tenant{}).Municipality("08336050"); ok {
		t.Error("a tenant without municipalities found one")
	}
}

func TestTenantMunicipalitiesForPLZ(t *testing.T) {
	tn := testTenant()
	for _, tc := range []struct {
		plz  string
		want []string // AGS in tenant order
	}{
		{"79539", []string{"08336050"}},
		{"79576", []string{"08336091"}},
		{"79541", []string{"08336050", "08336043"}},
		{"10115", nil},
		{"", nil},
	} {
		var got []string
		for _, m := range tn.MunicipalitiesForPLZ(tc.plz) {
			got = append(got, m.AGS)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("MunicipalitiesForPLZ(%q) (-want +got):\n%s", tc.plz, diff)
		}
	}
}

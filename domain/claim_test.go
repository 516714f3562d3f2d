package domain

import (
	"errors"
	"testing"
	"time"
)

func TestClaimStatusMoves(t *testing.T) {
	allowed := map[ClaimStatus][]ClaimStatus{
		ClaimSubmitted: {ClaimChecked, ClaimRejected},
		ClaimChecked:   {ClaimReleased, ClaimRejected},
		ClaimReleased:  {ClaimPaid},
	}
	all := append(ClaimStatuses, "", "lost")
	for _, from := range all {
		for _, to := range all {
			want := false
			for _, ok := range allowed[from] {
				want = want || ok == to
			}
			if got := from.CanMove(to); got != want {
				t.Errorf("%q → %q: %v, want %v", from, to, got, want)
			}
		}
		if got, want := from.Locked(), from == ClaimReleased || from == ClaimPaid; got != want {
			t.Errorf("%q locked: %v", from, got)
		}
	}
}

// TestFourEyes: who may sign a claim off, and that the releaser is never the
// checker.
func TestFourEyes(t *testing.T) {
	now := time.Now()
	tenant, other := NewID(now), NewID(now.Add(time.Second))
	coord, acct1, acct2, admin := NewID(now.Add(2*time.Second)), NewID(now.Add(3*time.Second)), NewID(now.Add(4*time.Second)), NewID(now.Add(5*time.Second))
	c := &Claim{Tenant: tenant, Municipality: "08336050", Status: ClaimSubmitted}
	scopes := map[string]Scope{
		"coordinator":           {Tenant: tenant, User: coord, Role: RoleCoordinator, Municipalities: []string{"08336050"}},
		"coordinator elsewhere": {Tenant: tenant, User: coord, Role: RoleCoordinator, Municipalities: []string{"08336006"}},
		"accountant 1":          {Tenant: tenant, User: acct1, Role: RoleAccountant},
		"accountant 2":          {Tenant: tenant, User: acct2, Role: RoleAccountant},
		"admin":                 {Tenant: tenant, User: admin, Role: RoleAdmin},
		"other tenant":          {Tenant: other, User: acct1, Role: RoleAccountant},
		"no role":               {Tenant: tenant, User: coord},
	}
	wantCheck := map[string]error{"coordinator": nil, "coordinator elsewhere": ErrNotFound, "accountant 1": nil,
		"accountant 2": nil, "admin": nil, "other tenant": ErrNotFound, "no role": ErrForbidden}
	for name, sc := range scopes {
		if err := MayCheck(sc, c); !errors.Is(err, wantCheck[name]) || (err == nil) != (wantCheck[name] == nil) {
			t.Errorf("%s checks: %v, want %v", name, err, wantCheck[name])
		}
	}
	// Checked by accountant 1: only accountant 2 may release.
	c.CheckedBy = acct1
	wantRelease := map[string]error{"coordinator": ErrForbidden, "coordinator elsewhere": ErrForbidden, "accountant 1": ErrClaimSameUser,
		"accountant 2": nil, "admin": ErrForbidden, "other tenant": ErrNotFound, "no role": ErrForbidden}
	for name, sc := range scopes {
		if err := MayRelease(sc, c); !errors.Is(err, wantRelease[name]) || (err == nil) != (wantRelease[name] == nil) {
			t.Errorf("%s releases: %v, want %v", name, err, wantRelease[name])
		}
	}
	// Checked by the coordinator: both accountants may release.
	c.CheckedBy = coord
	for _, name := range []string{"accountant 1", "accountant 2"} {
		if err := MayRelease(scopes[name], c); err != nil {
			t.Errorf("%s releases a coordinator's check: %v", name, err)
		}
	}
}

package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"lotse/domain"
)

// TestClaimFourEyes walks claims through check, release, rejection and
// reversal: the checker cannot release, a released claim is locked, a
// reversal restores the total and needs a second accountant too.
func TestClaimFourEyes(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	users := map[string]domain.Scope{}
	for _, u := range []domain.UserInput{
		{Email: "koord@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}},
		{Email: "binzen@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}},
		{Email: "kasse1@example.org", Role: domain.RoleAccountant},
		{Email: "kasse2@example.org", Role: domain.RoleAccountant},
	} {
		u.Password = "ein langes Passwort 2026"
		got, err := svc.AddUser(ctx, tn.Slug, u)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Email] = got.Scope()
	}
	coord, binzen, acct1, acct2 := users["koord@example.org"], users["binzen@example.org"], users["kasse1@example.org"], users["kasse2@example.org"]
	newClaim := func(cents int64) *domain.Claim {
		c := &domain.Claim{Tenant: tn.ID, Volunteer: domain.NewID(svc.Now()), Request: domain.NewID(svc.Now()),
			Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: cents, Status: domain.ClaimSubmitted}
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	total := func() int64 {
		cs, err := svc.Claims(ctx, acct1)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, c := range cs {
			if c.Status.Locked() {
				sum += c.AmountCents
			}
		}
		return sum
	}

	c := newClaim(4260)
	if _, err := svc.CheckClaim(ctx, binzen, c.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("coordinator elsewhere checks: %v", err)
	}
	if cs, _ := svc.Claims(ctx, binzen); len(cs) != 0 {
		t.Fatalf("coordinator elsewhere sees %d claims", len(cs))
	}
	if _, err := svc.ReleaseClaim(ctx, acct1, c.ID); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("releasing an unchecked claim: %v", err)
	}
	if _, err := svc.CheckClaim(ctx, acct1, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReleaseClaim(ctx, acct1, c.ID); !errors.Is(err, domain.ErrClaimSameUser) {
		t.Fatalf("the checker releases: %v", err)
	}
	if _, err := svc.ReleaseClaim(ctx, coord, c.ID); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a coordinator releases: %v", err)
	}
	got, err := svc.ReleaseClaim(ctx, acct2, c.ID)
	if err != nil || got.Status != domain.ClaimReleased || got.ReleasedBy != acct2.User || got.CheckedBy != acct1.User {
		t.Fatalf("release: %+v %v", got, err)
	}
	if _, err := svc.RejectClaim(ctx, acct1, c.ID, "doch nicht"); !errors.Is(err, domain.ErrClaimLocked) {
		t.Fatalf("rejecting a released claim: %v", err)
	}
	if total() != 4260 {
		t.Fatalf("total %d", total())
	}

	// Two accountants reverse at once: one reversal.
	var wg sync.WaitGroup
	revs := make([]*domain.Claim, 2)
	errs := make([]error, 2)
	for i, sc := range []domain.Scope{acct1, acct2} {
		wg.Go(func() { revs[i], errs[i] = svc.ReverseClaim(ctx, sc, c.ID, "Strecke doppelt gezählt") })
	}
	wg.Wait()
	var rev *domain.Claim
	for i := range errs {
		if errs[i] == nil {
			rev = revs[i]
		}
	}
	if rev == nil || (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent reversals: %v", errs)
	}
	if rev.AmountCents != -4260 || rev.Status != domain.ClaimChecked || rev.ReversalOf != c.ID {
		t.Fatalf("reversal %+v", rev)
	}
	if _, err := svc.ReleaseClaim(ctx, scopeOf(users, rev.CheckedBy), rev.ID); !errors.Is(err, domain.ErrClaimSameUser) {
		t.Fatalf("the reversal's booker releases it: %v", err)
	}
	other := acct1
	if rev.CheckedBy == acct1.User {
		other = acct2
	}
	if _, err := svc.ReleaseClaim(ctx, other, rev.ID); err != nil {
		t.Fatal(err)
	}
	if total() != 0 {
		t.Fatalf("total after the reversal %d, want 0", total())
	}
	if _, err := svc.ReverseClaim(ctx, acct1, rev.ID, "noch mal"); err == nil {
		t.Fatal("a reversal was reversed")
	}
	if _, err := svc.ReverseClaim(ctx, coord, c.ID, "x"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a coordinator reverses: %v", err)
	}

	// A coordinator of the municipality checks; rejection needs a reason.
	d := newClaim(990)
	if _, err := svc.CheckClaim(ctx, coord, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RejectClaim(ctx, coord, d.ID, " "); domain.FieldsOf(err)["reason"] != "field.required" {
		t.Fatalf("rejection without reason: %v", err)
	}
	if got, err := svc.RejectClaim(ctx, coord, d.ID, "Fahrt war privat"); err != nil || got.Status != domain.ClaimRejected {
		t.Fatalf("reject: %+v %v", got, err)
	}
	if _, err := svc.Claims(ctx, domain.Scope{Tenant: tn.ID}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("no role lists claims: %v", err)
	}
}

func scopeOf(users map[string]domain.Scope, id domain.ID) domain.Scope {
	for _, sc := range users {
		if sc.User == id {
			return sc
		}
	}
	return domain.Scope{}
}

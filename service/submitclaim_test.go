package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

// TestSubmitClaim: a volunteer claims trips of an accepted assignment; each
// is priced with the tenant's rates (BRKG by default), checked field by
// field, a long route flagged; nothing is stored on an error.
func TestSubmitClaim(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	sc := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"authority_accompaniment"})
	other := seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"driving"})
	r := seedRequest(t, svc, tn, "Ausländerbehörde", "authority_accompaniment", "08336050", "79539")
	proposalFor(t, svc, sc, r)
	if _, err := svc.ApproveMatch(ctx, sc, r.ID, v.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	car := service.TripInput{Date: "2026-11-20", From: "79539", To: "79650", Km: "12,3", Mode: "car", Purpose: "Begleitung zum Amt"}
	if _, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: r.ID, Trips: []service.TripInput{car}}); err == nil ||
		domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("claim before accepting: %v", err)
	}
	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, r.ID, v.ID), true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitClaim(ctx, other, service.ClaimInput{Request: r.ID, Trips: []service.TripInput{car}}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("claim on someone else's assignment: %v", err)
	}

	// Field by field.
	bad := []service.TripInput{
		{Date: "2026-05-22", From: "79539", To: "79650", Km: "10", Mode: "car", Purpose: "x"}, // lapsed
		{Date: "2026-11-24", From: "79539", To: "79650", Km: "10", Mode: "car", Purpose: "x"}, // future
		{Date: "2026-11-20", From: "", To: "79650", Km: "zehn", Mode: "car", Purpose: ""},
		{Date: "2026-11-20", From: "79539", To: "79650", Mode: "public_transport", Purpose: "x"},
		{Date: "2026-11-20", From: "79539", To: "79650", Km: "3", Mode: "bicycle", Purpose: "x"},
		{Date: "2026-11-20", From: "79539", To: "79650", Km: "3", Mode: "rocket", Purpose: "x"},
		{Date: "2026-11-20", From: "79539", To: "79650", Km: "3", Mode: "bicycle", Passengers: 1, Purpose: "x"},
	}
	_, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: r.ID, Trips: bad})
	want := map[string]string{
		"trips[0].date": "field.claim.lapsed", "trips[1].date": "field.date.future",
		"trips[2].from": "field.required", "trips[2].km": "field.claim.km", "trips[2].purpose": "field.required",
		"trips[3].ticket": "field.claim.ticket", "trips[4].mode": "field.claim.mode_not_paid",
		"trips[5].mode": "field.choice.unknown", "trips[6].passengers": "field.claim.passengers",
	}
	got := domain.FieldsOf(err)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors %v", got)
	}
	if _, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: r.ID}); domain.FieldsOf(err)["trips"] != "field.claim.no_trips" {
		t.Errorf("no trips: %v", err)
	}
	if cs, _ := svc.Claims(ctx, sc); len(cs) != 0 {
		t.Fatalf("refused claims stored: %d", len(cs))
	}

	// 12.3 km by car at 0.20 €/km, one passenger free under BRKG; a train
	// ticket; 50 km between two neighbouring postal codes is flagged.
	c, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: r.ID, Note: "Belege folgen", Trips: []service.TripInput{
		{Date: "2026-11-20", From: "79539", To: "79650", Km: "12,3", Mode: "car", Passengers: 1, Purpose: "Begleitung zum Amt"},
		{Date: "2026-11-21", From: "Lörrach", To: "Freiburg", Mode: "public_transport", Ticket: "14,90", Purpose: "Termin Regierungspräsidium"},
		{Date: "2026-11-22", From: "79539", To: "79541", Km: "50", Mode: "car", Purpose: "Umweg?"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.ClaimSubmitted || len(c.Trips) != 3 || c.Municipality != "08336050" {
		t.Fatalf("claim %+v", c)
	}
	if c.Trips[0].AmountCents != 246 || c.Trips[1].AmountCents != 1490 || c.Trips[2].AmountCents != 1000 || c.AmountCents != 2736 {
		t.Errorf("amounts %d %d %d = %d", c.Trips[0].AmountCents, c.Trips[1].AmountCents, c.Trips[2].AmountCents, c.AmountCents)
	}
	if c.Trips[0].Detour || !c.Trips[2].Detour || c.Trips[0].Table == "" {
		t.Errorf("detour flags %v %v, table %q", c.Trips[0].Detour, c.Trips[2].Detour, c.Trips[0].Table)
	}
	stored, err := svc.Store.Claim(ctx, tn.ID, c.ID)
	if err != nil || stored.AmountCents != 2736 || stored.Volunteer != v.ID {
		t.Fatalf("stored %+v %v", stored, err)
	}
}

package service_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"lotse/domain"
	"lotse/matching"
	"lotse/service"
)

// seedVolunteer stores an active (or other status) volunteer at a postal code.
func seedVolunteer(t *testing.T, svc *service.Service, tn *domain.Tenant, name, ags, plz string, status domain.VolunteerStatus,
	neighbouring bool, skills []string, langs ...domain.LanguageSkill) *domain.Volunteer {
	t.Helper()
	place, ok := svc.Geo.Lookup(plz)
	if !ok {
		t.Fatalf("unknown plz %s", plz)
	}
	v := &domain.Volunteer{Tenant: tn.ID, Municipality: ags, Name: name, Email: name + "@example.org", PLZ: plz,
		Lat: place.Point.Lat, Lon: place.Point.Lon, RadiusKm: 20, Transport: []string{"car"},
		Languages: append([]domain.LanguageSkill{{Code: "de", Level: "native"}}, langs...), Skills: skills,
		Availability: []string{"mon_am", "tue_pm"}, Capacity: 2, MaxHoursPerMonth: 40, Neighbouring: neighbouring,
		PrivacyVersion: "2026-01", PrivacyConsentAt: time.Now(), Locale: "de", Status: status}
	if err := svc.Store.CreateVolunteer(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

func seedRequest(t *testing.T, svc *service.Service, tn *domain.Tenant, title, category, ags, plz string, langs ...string) *domain.HelpRequest {
	t.Helper()
	r, err := svc.RegisterRequest(context.Background(), domain.System(tn.ID), domain.RequestInput{
		Category: category, Title: title, Municipality: ags, PLZ: plz, LanguagesAny: langs, Needed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestProposeMatches(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	binzen := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336006"}}

	amal := seedVolunteer(t, svc, tn, "amal", "08336050", "79539", domain.VolunteerActive, false,
		[]string{"housing_search"}, domain.LanguageSkill{Code: "ar", Level: "C1"})
	bernd := seedVolunteer(t, svc, tn, "bernd", "08336006", "79589", domain.VolunteerActive, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "carla", "08336050", "79539", domain.VolunteerPending, true,
		[]string{"housing_search"}, domain.LanguageSkill{Code: "ar", Level: "native"})
	seedVolunteer(t, svc, tn, "dana", "08336006", "79589", domain.VolunteerActive, true, []string{"housing_search"})

	flat := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539", "ar")
	binzenFlat := seedRequest(t, svc, tn, "Wohnung Binzen", "housing_search", "08336006", "79589")
	tigrinya := seedRequest(t, svc, tn, "Ämter", "housing_search", "08336050", "79540", "ti")

	run, err := svc.ProposeMatches(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	// carla is not confirmed; the others have free capacity.
	if run.Volunteers != 3 || run.Requests != 3 || run.Unfilled != 1 {
		t.Fatalf("run: %+v", run)
	}
	props := byRequest(t, svc, admin)
	if p := props[flat.ID]; len(p.Proposed) != 1 || p.Proposed[0].Volunteer != amal.ID || p.Proposed[0].Factors.Language != 0.9 {
		t.Fatalf("flat: %+v", p)
	}
	// bernd lives in Binzen without consenting to help elsewhere: never for Lörrach.
	for _, c := range props[flat.ID].Alternatives {
		if c.Volunteer == bernd.ID {
			t.Fatal("bernd proposed outside his municipality")
		}
	}
	if p := props[binzenFlat.ID]; len(p.Proposed) != 1 || len(p.Alternatives) != 1 {
		t.Fatalf("binzen: %+v", p)
	}
	if p := props[tigrinya.ID]; p.Missing != 1 || p.ReasonCode != "no_language" || p.Reason == "" {
		t.Fatalf("tigrinya: %+v", p)
	}

	// A coordinator's run replaces only their municipalities' proposals and sees
	// only those.
	if _, err := svc.ProposeMatches(ctx, binzen); err != nil {
		t.Fatal(err)
	}
	mine := byRequest(t, svc, binzen)
	if len(mine) != 1 || mine[binzenFlat.ID] == nil || mine[binzenFlat.ID].Run == props[binzenFlat.ID].Run {
		t.Fatalf("coordinator sees %d proposals: %+v", len(mine), mine)
	}
	if all := byRequest(t, svc, admin); len(all) != 3 || all[flat.ID].Run != props[flat.ID].Run {
		t.Fatalf("admin after the coordinator's run: %d", len(all))
	}

	// A request that is no longer open loses its proposal at the next run.
	if err := svc.Store.SetRequestStatus(ctx, admin, flat.ID, domain.RequestOpen, domain.RequestCancelled); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProposeMatches(ctx, admin); err != nil {
		t.Fatal(err)
	}
	after := byRequest(t, svc, admin)
	if after[flat.ID] != nil || len(after) != 2 {
		t.Fatalf("after cancelling: %d proposals", len(after))
	}

	if _, err := svc.ProposeMatches(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("accountant: %v", err)
	}
	if _, err := svc.Proposals(ctx, domain.Scope{Tenant: domain.NewID(time.Now()), Role: domain.RoleAdmin}); err != nil {
		t.Fatal(err)
	} else if p, _ := svc.Proposals(ctx, domain.Scope{Tenant: domain.NewID(time.Now()), Role: domain.RoleAdmin}); len(p) != 0 {
		t.Fatal("another tenant sees proposals")
	}
}

func byRequest(t *testing.T, svc *service.Service, sc domain.Scope) map[domain.ID]*domain.Proposal {
	t.Helper()
	ps, err := svc.Proposals(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[domain.ID]*domain.Proposal{}
	for _, p := range ps {
		out[p.Request] = p
	}
	return out
}

// TestUnfilledReasonsAgree: the review page translates exactly the codes the
// engine gives.
func TestUnfilledReasonsAgree(t *testing.T) {
	if !slices.Equal(domain.UnfilledReasons, matching.UnfilledCodes) {
		t.Errorf("domain.UnfilledReasons %v, matching.UnfilledCodes %v", domain.UnfilledReasons, matching.UnfilledCodes)
	}
}

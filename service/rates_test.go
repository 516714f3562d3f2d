package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/service"
)

// claimant seeds a volunteer with an accepted assignment to claim trips on.
func claimant(t *testing.T, svc *service.Service, tn *domain.Tenant) (*domain.Volunteer, domain.ID) {
	t.Helper()
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	return v, assigned(t, svc, tn, seedCoordinator(t, svc, tn), v, "Wohnungssuche").ID
}

// TestTravelRates: an admin adds the tenant's own dated table; trips are
// priced by the table of their day (the preset before it); a table that
// priced a claim cannot be deleted, an unused one can; bad input is refused
// field by field and writes nothing.
func TestTravelRates(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin, User: domain.NewID(now)}
	acct := domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant, User: domain.NewID(now)}
	coord := domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator, User: domain.NewID(now)}

	kreis := service.RatesInput{ValidFrom: "2026-11-01", Name: "Kreistagsbeschluss 2026", Car: "0,35", Motorbike: "0,20",
		Bicycle: "0,10", Passenger: "0,02", PerTripCap: "100,00", RaisedCar: "0,40", RaisedRule: "triftige Gründe", DTicket: true}
	if _, err := svc.AddTravelRates(ctx, acct, kreis); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("accountant adds: %v", err)
	}
	if _, err := svc.RateHistory(ctx, coord); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("coordinator reads: %v", err)
	}
	for name, c := range map[string]struct {
		in   service.RatesInput
		want map[string]string
	}{
		"empty": {service.RatesInput{}, map[string]string{"valid_from": "field.required", "name": "field.required"}},
		"syntax": {service.RatesInput{ValidFrom: "1.11.2026", Name: "x", Car: "0,3,5", PerTripCap: "viel"},
			map[string]string{"valid_from": "field.date.invalid", "car": "field.rates.rate", "per_trip_cap": "field.rates.cap"}},
		"lapsed start":   {service.RatesInput{ValidFrom: "2026-05-22", Name: "x", Car: "0,30"}, map[string]string{"valid_from": "field.rates.too_early"}},
		"far start":      {service.RatesInput{ValidFrom: "2029-01-01", Name: "x", Car: "0,30"}, map[string]string{"valid_from": "field.rates.too_late"}},
		"preset name":    {service.RatesInput{ValidFrom: "2027-01-01", Name: "brkg § 5", Car: "0,30"}, map[string]string{"name": "field.rates.name_taken"}},
		"nothing per km": {service.RatesInput{ValidFrom: "2027-01-01", Name: "x", Passenger: "0,02"}, map[string]string{"car": "field.rates.empty"}},
		"raised low":     {service.RatesInput{ValidFrom: "2027-01-01", Name: "x", Car: "0,30", RaisedCar: "0,20", RaisedRule: "r"}, map[string]string{"raised_car": "field.rates.raised_low"}},
		"raised no rule": {service.RatesInput{ValidFrom: "2027-01-01", Name: "x", Car: "0,30", RaisedCar: "0,40"}, map[string]string{"raised_rule": "field.rates.raised_rule"}},
		"rule no rate":   {service.RatesInput{ValidFrom: "2027-01-01", Name: "x", Car: "0,30", RaisedRule: "r"}, map[string]string{"raised_car": "field.rates.raised_missing"}},
	} {
		_, err := svc.AddTravelRates(ctx, admin, c.in)
		got := domain.FieldsOf(err)
		for k, w := range c.want {
			if got[k] != w {
				t.Errorf("%s: %s = %q, want %q (all %v)", name, k, got[k], w, got)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: errors %v", name, got)
		}
	}
	if h, err := svc.RateHistory(ctx, acct); err != nil || len(h.Tables) != 0 || h.Current != "BRKG § 5" {
		t.Fatalf("refused tables stored: %+v %v", h, err)
	}

	r, err := svc.AddTravelRates(ctx, admin, kreis)
	if err != nil || r.Car != 350 || r.PerTripCapCents != 10000 || r.CreatedBy != admin.User {
		t.Fatalf("add: %+v %v", r, err)
	}
	if _, err := svc.AddTravelRates(ctx, admin, service.RatesInput{ValidFrom: "2026-11-01", Name: "Zweite", Car: "0,30"}); domain.FieldsOf(err)["valid_from"] != "field.rates.same_day" {
		t.Errorf("same day: %v", err)
	}
	if _, err := svc.AddTravelRates(ctx, admin, service.RatesInput{ValidFrom: "2027-01-01", Name: "kreistagsbeschluss 2026", Car: "0,30"}); domain.FieldsOf(err)["name"] != "field.rates.name_taken" {
		t.Errorf("same name: %v", err)
	}
	if _, err := svc.AddTravelRates(ctx, admin, service.RatesInput{ValidFrom: "2027-01-01", Name: "Haushalt 2027", Car: "0,38"}); err != nil {
		t.Fatal(err)
	}
	h, err := svc.RateHistory(ctx, acct)
	if err != nil || len(h.Tables) != 2 || h.Current != "Kreistagsbeschluss 2026" || !h.Tables[0].Started || h.Tables[1].Started || h.Preset != "brkg" {
		t.Fatalf("history %+v %v", h, err)
	}

	// A trip in October is BRKG's, one in November the tenant's.
	v, req := claimant(t, svc, tn)
	c, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{
		{Date: "2026-10-30", From: "79539", To: "79650", Km: "10", Mode: "car", Purpose: "Amt"},
		{Date: "2026-11-20", From: "79539", To: "79650", Km: "10", Mode: "car", Purpose: "Amt"},
		{Date: "2026-11-21", From: "79539", To: "79650", Km: "10", Mode: "bicycle", Purpose: "Amt"},
		{Date: "2026-11-21", From: "79539", To: "Basel", Km: "400", Mode: "car", Purpose: "Amt"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Trips[0].Table != "BRKG § 5" || c.Trips[0].AmountCents != 200 || c.Trips[1].Table != "Kreistagsbeschluss 2026" ||
		c.Trips[1].AmountCents != 350 || c.Trips[2].AmountCents != 100 || c.Trips[3].AmountCents != 10000 || !c.Trips[3].Capped {
		t.Errorf("priced %+v", c.Trips)
	}

	if err := svc.DeleteTravelRates(ctx, admin, "2026-11-01"); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("delete a table that priced a claim: %v", err)
	}
	if err := svc.DeleteTravelRates(ctx, acct, "2027-01-01"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("accountant deletes: %v", err)
	}
	if err := svc.DeleteTravelRates(ctx, admin, "2027-02-01"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("delete a missing table: %v", err)
	}
	if err := svc.DeleteTravelRates(ctx, admin, "2027-01-01"); err != nil {
		t.Fatal(err)
	}
	if h, _ := svc.RateHistory(ctx, admin); len(h.Tables) != 1 {
		t.Errorf("after delete: %d tables", len(h.Tables))
	}

	// A change computed from an outdated view is refused, not merged.
	tn2, err := svc.Store.Tenant(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Store.SetTravelRates(ctx, tn.ID, nil, tn2.Rates); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("stale change: %v", err)
	}
}

// TestDTicket: trips on the volunteer's own Deutschlandticket pay nothing
// each; the claim whose trips make the month's single fares reach the
// ticket's price refunds the whole ticket, once per month; a rejected carrier
// frees the month; two claims at once never both refund it.
func TestDTicket(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	svc.ReproposeDelay = time.Hour
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	v, req := claimant(t, svc, tn)
	acct := domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant, User: domain.NewID(now)}
	trip := func(day, fare string) service.TripInput {
		return service.TripInput{Date: day, From: "Lörrach", To: "Freiburg", Mode: "deutschlandticket", Ticket: fare, Purpose: "Amt"}
	}
	submit := func(trips ...service.TripInput) *domain.Claim {
		t.Helper()
		c, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: trips})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{trip("2026-11-02", "")}}); domain.FieldsOf(err)["trips[0].ticket"] != "field.claim.ticket" {
		t.Errorf("no fare: %v", err)
	}

	c1 := submit(trip("2026-11-02", "20,00"), trip("2026-11-03", "20,00"), trip("2026-10-31", "70,00"))
	if len(c1.DTickets) != 1 || c1.DTickets[0].Month != "2026-10" || c1.DTickets[0].AmountCents != 6300 || c1.AmountCents != 6300 {
		t.Fatalf("first claim: October pays for itself, November (40 €) not yet: %+v = %d", c1.DTickets, c1.AmountCents)
	}
	c2 := submit(trip("2026-11-10", "22,99"))
	if len(c2.DTickets) != 0 || c2.AmountCents != 0 {
		t.Fatalf("62,99 € of 63 € is not enough: %+v", c2.DTickets)
	}
	c3 := submit(trip("2026-11-11", "0,01"))
	if len(c3.DTickets) != 1 || c3.DTickets[0].FaresCents != 6300 || c3.AmountCents != 6300 {
		t.Fatalf("exactly the price: %+v", c3.DTickets)
	}
	if c4 := submit(trip("2026-11-12", "30,00")); len(c4.DTickets) != 0 || c4.AmountCents != 0 {
		t.Fatalf("the month's ticket twice: %+v", c4.DTickets)
	}
	stored, err := svc.Store.Claim(ctx, tn.ID, c3.ID)
	if err != nil || len(stored.DTickets) != 1 || stored.DTickets[0].AmountCents != 6300 {
		t.Fatalf("stored %+v %v", stored, err)
	}
	if _, err := svc.RejectClaim(ctx, acct, c3.ID, "kein Beleg"); err != nil {
		t.Fatal(err)
	}
	if c5 := submit(trip("2026-11-13", "1,00")); len(c5.DTickets) != 1 || c5.DTickets[0].FaresCents != 40_00+22_99+30_00+1_00 {
		t.Fatalf("after the carrier was rejected: %+v", c5.DTickets)
	}

	// December: two claims at once, each enough on its own.
	var wg sync.WaitGroup
	got := make([]*domain.Claim, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{trip("2026-10-15", "10,00"), trip("2026-09-0"+string(rune('1'+i)), "70,00")}})
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range got {
		for _, d := range c.DTickets {
			if d.Month == "2026-09" {
				n++
			}
			if d.Month == "2026-10" {
				t.Errorf("October refunded twice")
			}
		}
	}
	if n != 1 {
		t.Errorf("September's ticket refunded %d times by concurrent claims", n)
	}

	// A tenant whose table refunds no ticket says so at the trip.
	if _, err := svc.AddTravelRates(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}, service.RatesInput{ValidFrom: "2026-11-20", Name: "Ohne Ticket", Car: "0,30"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{trip("2026-11-21", "5,00")}}); domain.FieldsOf(err)["trips[0].mode"] != "field.claim.dticket_not_paid" {
		t.Errorf("table without ticket: %v", err)
	}
}

// TestTravelRatesChecks: a table's exclusion period and detour factor apply
// to the trips of its days; bad values are refused at their fields.
func TestTravelRatesChecks(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	admin := domain.Scope{Tenant: tn.ID, Role: domain.RoleAdmin}
	for in, want := range map[[2]string]map[string]string{
		{"0", ""}:     {"exclusion_months": "field.rates.exclusion"},
		{"37", "0,9"}: {"exclusion_months": "field.rates.exclusion", "detour_factor": "field.rates.detour"},
		{"drei", "x"}: {"exclusion_months": "field.rates.exclusion", "detour_factor": "field.rates.detour"},
		{"", "5,5"}:   {"detour_factor": "field.rates.detour"},
	} {
		_, err := svc.AddTravelRates(ctx, admin, service.RatesInput{ValidFrom: "2026-06-01", Name: "x", Car: "0,30",
			ExclusionMonths: in[0], DetourFactor: in[1]})
		if got := domain.FieldsOf(err); len(got) != len(want) || got["exclusion_months"] != want["exclusion_months"] || got["detour_factor"] != want["detour_factor"] {
			t.Errorf("%v: %v, want %v", in, got, want)
		}
	}
	r, err := svc.AddTravelRates(ctx, admin, service.RatesInput{ValidFrom: "2026-06-01", Name: "Kurze Frist", Car: "0,30",
		ExclusionMonths: "3", DetourFactor: "1,05"})
	if err != nil || r.ExclusionMonths != 3 || r.DetourPerMille != 1050 {
		t.Fatalf("add: %+v %v", r, err)
	}
	v, req := claimant(t, svc, tn)
	// 15 July + 3 months = 15 October: lapsed under this table, though six months would allow it.
	_, err = svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{
		{Date: "2026-07-15", From: "79539", To: "79650", Km: "10", Mode: "car", Purpose: "Amt"}}})
	if domain.FieldsOf(err)["trips[0].date"] != "field.claim.lapsed" {
		t.Errorf("three-month period: %v", err)
	}
	// A route 20 % longer than the straight line is flagged at factor
	// 1,05, though the default 1,5 would let it pass; 3 % longer is not.
	a, _ := svc.Geo.Lookup("79539")
	z, _ := svc.Geo.Lookup("79650")
	straight := geo.Distance(a.Point, z.Point)
	km := func(f float64) string { return strings.Replace(fmt.Sprintf("%.1f", straight*f), ".", ",", 1) }
	c, err := svc.SubmitClaim(ctx, v, service.ClaimInput{Request: req, Trips: []service.TripInput{
		{Date: "2026-11-20", From: "79539", To: "79650", Km: km(1.2), Mode: "car", Purpose: "Umweg"},
		{Date: "2026-11-20", From: "79539", To: "79650", Km: km(1.03), Mode: "car", Purpose: "direkt"}}})
	if err != nil || !c.Trips[0].Detour || c.Trips[1].Detour {
		t.Fatalf("detour at 1,05 over %.1f km: %+v %v", straight, c, err)
	}
	h, err := svc.RateHistory(ctx, admin)
	if err != nil || h.Tables[0].Table.Exclusion() != 3 || h.Tables[0].Table.Detour() != 1.05 {
		t.Errorf("history %+v %v", h, err)
	}
}

package service_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/service"
)

var portalLinkPattern = regexp.MustCompile(`https?://\S+/me/enter\?\S+`)

// portalMails returns the outbox's login mails to address, oldest first.
func portalMails(t *testing.T, svc *service.Service, tn *domain.Tenant, address string) []service.PortalLink {
	t.Helper()
	msgs, err := svc.Store.Outbox(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []service.PortalLink
	for _, m := range msgs {
		if !strings.HasPrefix(m.Key, "portal_login:") || m.To != address {
			continue
		}
		raw := portalLinkPattern.FindString(m.Text)
		u, err := url.Parse(raw)
		if err != nil || raw == "" {
			t.Fatalf("no link in %q", m.Text)
		}
		q := u.Query()
		out = append(out, service.PortalLink{ID: q.Get("id"), Nonce: q.Get("n"), Exp: q.Get("exp"), Sig: q.Get("sig")})
	}
	return out
}

// fixedClock sets the service's clock to at and returns a function that moves it.
func fixedClock(svc *service.Service, at time.Time) func(time.Duration) {
	svc.Now = func() time.Time { return at }
	return func(d time.Duration) {
		at = at.Add(d)
		svc.Now = func() time.Time { return at }
	}
}

func TestPortalLoginLinkSingleUse(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	advance := fixedClock(svc, time.Now().UTC().Truncate(time.Minute))

	// A double submit within the minute: one mail, and its link stays valid.
	for range 2 {
		if err := svc.RequestPortalLink(ctx, " Anna@Example.org ", "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	links := portalMails(t, svc, tn, v.Email)
	if len(links) != 1 {
		t.Fatalf("%d login mails after a double submit, want 1", len(links))
	}
	l := links[0]

	// Opening the link (GET) consumes nothing.
	for range 2 {
		got, err := svc.PortalLinkVolunteer(ctx, l)
		if err != nil || got.ID != v.ID {
			t.Fatalf("link shows %v, %v", got, err)
		}
	}
	wrong := l
	wrong.Nonce = strings.Repeat("A", len(l.Nonce))
	if _, _, err := svc.EnterPortal(ctx, wrong); !errors.Is(err, service.ErrLinkInvalid) {
		t.Fatalf("a link with another nonce: %v", err)
	}
	forged := l
	forged.ID = domain.NewID(time.Now()).Hex()
	if _, _, err := svc.EnterPortal(ctx, forged); !errors.Is(err, service.ErrLinkInvalid) {
		t.Fatalf("a link for another volunteer: %v", err)
	}

	token, got, err := svc.EnterPortal(ctx, l)
	if err != nil || got.ID != v.ID || token == "" {
		t.Fatalf("enter: %v", err)
	}
	if me, err := svc.PortalVolunteer(ctx, token); err != nil || me.ID != v.ID {
		t.Fatalf("session: %v, %v", me, err)
	}
	if _, _, err := svc.EnterPortal(ctx, l); !errors.Is(err, service.ErrLinkUsed) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := svc.PortalLinkVolunteer(ctx, l); !errors.Is(err, service.ErrLinkUsed) {
		t.Fatalf("showing a used link: %v", err)
	}

	// The session token is stored only as its hash.
	docs, err := svc.Store.DumpCollection(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.Contains(d, token) {
			t.Fatal("the sessions collection holds the token in clear")
		}
	}

	// A newer mail replaces the older link.
	advance(time.Minute)
	if err := svc.RequestPortalLink(ctx, v.Email, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	advance(time.Minute)
	if err := svc.RequestPortalLink(ctx, v.Email, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	links = portalMails(t, svc, tn, v.Email)
	if len(links) != 3 {
		t.Fatalf("%d login mails, want 3", len(links))
	}
	if _, _, err := svc.EnterPortal(ctx, links[1]); !errors.Is(err, service.ErrLinkUsed) {
		t.Fatalf("the replaced link: %v", err)
	}

	// The newest expires after 30 minutes.
	advance(service.PortalLinkTTL + time.Second)
	if _, _, err := svc.EnterPortal(ctx, links[2]); !errors.Is(err, service.ErrLinkExpired) {
		t.Fatalf("after 30 minutes: %v", err)
	}
}

// TestPortalLinkSameAnswer: pending, former and unknown addresses get the same
// answer as a confirmed volunteer and no mail.
func TestPortalLinkSameAnswer(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	seedVolunteer(t, svc, tn, "paula", "08336050", "79539", domain.VolunteerPending, false, []string{"housing_search"})
	seedVolunteer(t, svc, tn, "fritz", "08336050", "79539", domain.VolunteerFormer, false, []string{"housing_search"})
	paused := seedVolunteer(t, svc, tn, "ines", "08336050", "79539", domain.VolunteerInactive, false, []string{"housing_search"})
	for _, email := range []string{"paula@example.org", "fritz@example.org", "nobody@example.org"} {
		if err := svc.RequestPortalLink(ctx, email, "198.51.100.2"); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}
	msgs, err := svc.Store.Outbox(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 0 {
		t.Fatalf("%d mails for pending, former and unknown addresses", len(msgs))
	}
	// A volunteer a coordinator set inactive is confirmed and may sign in.
	if err := svc.RequestPortalLink(ctx, paused.Email, "198.51.100.2"); err != nil {
		t.Fatal(err)
	}
	if n := len(portalMails(t, svc, tn, paused.Email)); n != 1 {
		t.Fatalf("inactive volunteer got %d mails", n)
	}
	if err := svc.RequestPortalLink(ctx, "not an address", "198.51.100.2"); domain.FieldsOf(err)["email"] == "" {
		t.Fatalf("malformed address: %v", err)
	}
}

func TestPortalLinkRateLimit(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	// Per client address.
	for i := range service.PortalLoginIPLimit {
		if err := svc.RequestPortalLink(ctx, fmt.Sprintf("n%d@example.org", i), "198.51.100.3"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := svc.RequestPortalLink(ctx, "n99@example.org", "198.51.100.3"); !errors.Is(err, service.ErrRateLimited) {
		t.Fatalf("over the address limit: %v", err)
	}
	// Per address asked for, from many clients.
	for i := range service.PortalLoginEmailLimit {
		if err := svc.RequestPortalLink(ctx, "anna@example.org", fmt.Sprintf("203.0.113.%d", i)); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := svc.RequestPortalLink(ctx, "anna@example.org", "203.0.113.99"); !errors.Is(err, service.ErrRateLimited) {
		t.Fatalf("over the email limit: %v", err)
	}
}

// portalSignIn mails v a login link and signs in with it.
func portalSignIn(t *testing.T, svc *service.Service, tn *domain.Tenant, v *domain.Volunteer) string {
	t.Helper()
	ctx := context.Background()
	if err := svc.RequestPortalLink(ctx, v.Email, "198.51.100.4"); err != nil {
		t.Fatal(err)
	}
	links := portalMails(t, svc, tn, v.Email)
	if len(links) == 0 {
		t.Fatal("no login mail")
	}
	token, _, err := svc.EnterPortal(ctx, links[len(links)-1])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestPortalSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	advance := fixedClock(svc, time.Now().UTC())
	token := portalSignIn(t, svc, tn, v)

	// Staff and portal sessions do not stand in for each other.
	if _, _, err := svc.SessionUser(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("a portal token as a staff session: %v", err)
	}
	if _, err := svc.AddUser(ctx, tn.Slug, domain.UserInput{Email: "admin@example.org", Role: domain.RoleAdmin,
		Password: "ein langes Passwort 2026"}); err != nil {
		t.Fatal(err)
	}
	staff, _, err := svc.Login(ctx, "admin@example.org", "ein langes Passwort 2026", "198.51.100.5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PortalVolunteer(ctx, staff); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("a staff token as a portal session: %v", err)
	}
	if err := svc.PortalLogout(ctx, staff); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SessionUser(ctx, staff); err != nil {
		t.Fatalf("portal logout ended a staff session: %v", err)
	}

	// Activity keeps the session alive for up to 12 hours …
	for i := range 12*3 - 1 {
		advance(20 * time.Minute)
		if _, err := svc.PortalVolunteer(ctx, token); err != nil {
			t.Fatalf("active session ended after %d minutes: %v", (i+1)*20, err)
		}
	}
	advance(20 * time.Minute)
	if _, err := svc.PortalVolunteer(ctx, token); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after 12 hours: %v", err)
	}

	// … and 30 minutes of silence end it.
	idle := portalSignIn(t, svc, tn, v)
	advance(service.PortalIdle)
	if _, err := svc.PortalVolunteer(ctx, idle); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after 30 idle minutes: %v", err)
	}

	// Logging out ends it at once.
	out := portalSignIn(t, svc, tn, v)
	if err := svc.PortalLogout(ctx, out); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PortalVolunteer(ctx, out); !errors.Is(err, domain.ErrUnauthorized) {
		t.Fatalf("after logout: %v", err)
	}
}

func auditActions(t *testing.T, svc *service.Service, tn *domain.Tenant) map[string][]string {
	t.Helper()
	log, err := svc.Store.AuditLog(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, e := range log {
		out[e.Action] = append(out[e.Action], strings.Join(e.Fields, ","))
	}
	return out
}

func TestPortalProfile(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	sys := domain.System(tn.ID)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	good := domain.ProfileInput{RadiusKm: 12, Transport: []string{"bicycle", "car"}, Availability: []string{"sat_am", "mon_pm"},
		Capacity: 3, MaxHoursPerMonth: 20, Neighbouring: true, Locale: "en"}

	for _, tc := range []struct {
		field  string
		change func(*domain.ProfileInput)
		key    string
	}{
		{"radius_km", func(p *domain.ProfileInput) { p.RadiusKm = 0 }, "field.number.min"},
		{"radius_km", func(p *domain.ProfileInput) { p.RadiusKm = domain.MaxRadiusKm + 1 }, "field.number.max"},
		{"transport", func(p *domain.ProfileInput) { p.Transport = nil }, "field.choose_one"},
		{"transport", func(p *domain.ProfileInput) { p.Transport = []string{"rocket"} }, "field.choice.unknown"},
		{"availability", func(p *domain.ProfileInput) { p.Availability = nil }, "field.choose_one"},
		{"availability", func(p *domain.ProfileInput) { p.Availability = []string{"sun_night"} }, "field.choice.unknown"},
		{"capacity", func(p *domain.ProfileInput) { p.Capacity = 0 }, "field.number.min"},
		{"capacity", func(p *domain.ProfileInput) { p.Capacity = domain.MaxCapacity + 1 }, "field.number.max"},
		{"max_hours_per_month", func(p *domain.ProfileInput) { p.MaxHoursPerMonth = 0 }, "field.number.min"},
		{"max_hours_per_month", func(p *domain.ProfileInput) { p.MaxHoursPerMonth = 999 }, "field.number.max"},
		{"locale", func(p *domain.ProfileInput) { p.Locale = "xx" }, "field.choice.unknown"},
	} {
		in := good
		tc.change(&in)
		err := svc.UpdatePortalProfile(ctx, v, in)
		if fe := domain.FieldsOf(err); fe[tc.field] != tc.key || len(fe) != 1 {
			t.Errorf("%s: errors %v, want %s", tc.field, fe, tc.key)
		}
	}

	// Capacity below the assignments held.
	if err := svc.Store.ClaimVolunteer(ctx, tn.ID, v.ID, 3); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store.ClaimVolunteer(ctx, tn.ID, v.ID, 3); err != nil {
		t.Fatal(err)
	}
	low := good
	low.Capacity = 1
	if fe := domain.FieldsOf(svc.UpdatePortalProfile(ctx, v, low)); fe["capacity"] != "field.capacity.below_active" {
		t.Errorf("capacity 1 with 2 assignments: %v", fe)
	}
	after, _ := svc.Store.Volunteer(ctx, sys, v.ID)
	if after.RadiusKm != v.RadiusKm || after.Locale != "de" || after.Capacity != v.Capacity || len(auditActions(t, svc, tn)) != 0 {
		t.Fatalf("a refused form wrote something: %+v", after)
	}

	if err := svc.UpdatePortalProfile(ctx, v, good); err != nil {
		t.Fatal(err)
	}
	after, _ = svc.Store.Volunteer(ctx, sys, v.ID)
	if after.RadiusKm != 12 || !slices.Equal(after.Availability, []string{"mon_pm", "sat_am"}) || after.Capacity != 3 ||
		after.MaxHoursPerMonth != 20 || !after.Neighbouring || after.Locale != "en" || !slices.Equal(after.Transport, []string{"bicycle", "car"}) {
		t.Fatalf("after the update: %+v", after)
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	if len(log) != 1 || log[0].Action != "volunteer.update" || log[0].Actor != v.ID ||
		!slices.Equal(log[0].Fields, []string{"radius_km", "transport", "availability", "capacity", "max_hours_per_month", "neighbouring", "locale"}) {
		t.Fatalf("audit %+v", log)
	}
	// Saving the same again changes and audits nothing.
	if err := svc.UpdatePortalProfile(ctx, v, good); err != nil {
		t.Fatal(err)
	}
	if log, _ := svc.Store.AuditLog(ctx, tn.ID); len(log) != 1 {
		t.Fatalf("an unchanged form wrote %d audit records", len(log)-1)
	}
}

func TestPortalPause(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	sys := domain.System(tn.ID)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	now := time.Now().In(time.UTC)
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	for _, tc := range []struct{ in, key string }{
		{"", "field.date.invalid"}, {"24.12.2026", "field.date.invalid"},
		{day(-1), "field.pause.past"}, {day(400), "field.pause.too_far"},
	} {
		if _, err := svc.PauseVolunteer(ctx, v, tc.in); domain.FieldsOf(err)["until"] != tc.key {
			t.Errorf("pause until %q: %v, want %s", tc.in, err, tc.key)
		}
	}
	if got, _ := svc.Store.Volunteer(ctx, sys, v.ID); !got.PausedUntil.IsZero() {
		t.Fatal("a refused pause was stored")
	}

	r := seedRequest(t, svc, tn, "Wohnung", "housing_search", "08336050", "79539")
	until, err := svc.PauseVolunteer(ctx, v, day(14))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Store.Volunteer(ctx, sys, v.ID)
	if !got.PausedUntil.Equal(until) || !got.Paused(time.Now()) {
		t.Fatalf("paused until %v, want %v", got.PausedUntil, until)
	}
	p := proposalFor(t, svc, sys, r)
	if len(p.Proposed)+len(p.Alternatives) != 0 {
		t.Fatalf("a paused volunteer was proposed: %+v", p)
	}

	if err := svc.ResumeVolunteer(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Store.Volunteer(ctx, sys, v.ID); !got.PausedUntil.IsZero() {
		t.Fatal("still paused after resuming")
	}
	p = proposalFor(t, svc, sys, r)
	if len(p.Proposed) != 1 || p.Proposed[0].Volunteer != v.ID {
		t.Fatalf("not proposed after the pause: %+v", p)
	}
	if a := auditActions(t, svc, tn); len(a["volunteer.pause"]) != 1 || len(a["volunteer.resume"]) != 1 || a["volunteer.pause"][0] != "paused_until" {
		t.Fatalf("audit %v", a)
	}
}

// assigned files a request as the coordinator, approves v for it and lets v
// accept from the portal.
func assigned(t *testing.T, svc *service.Service, tn *domain.Tenant, coord domain.ID, v *domain.Volunteer, title string) *domain.HelpRequest {
	t.Helper()
	ctx := context.Background()
	sc := domain.Scope{Tenant: tn.ID, User: coord, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	r, err := svc.RegisterRequest(ctx, sc, domain.RequestInput{Category: "housing_search", Title: title,
		Municipality: "08336050", PLZ: "79539", Needed: 1, Date: "2026-12-02"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ProposeMatches(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveMatch(ctx, sc, r.ID, v.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RespondAsVolunteer(ctx, v, r.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPortalWithdraw(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	sys := domain.System(tn.ID)
	coord := seedCoordinator(t, svc, tn)
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	r := assigned(t, svc, tn, coord, v, "Wohnungssuche Familie O.")

	p, err := svc.PortalOf(ctx, v)
	if err != nil || len(p.Current) != 1 || p.Current[0].Request.ID != r.ID || p.Current[0].Municipality != "Lörrach" || len(p.Offers) != 0 {
		t.Fatalf("portal before: %+v %v", p, err)
	}
	if got, _ := svc.Store.Volunteer(ctx, sys, v.ID); got.ActiveAssignments != 1 {
		t.Fatalf("carries %d", got.ActiveAssignments)
	}
	if err := svc.WithdrawAssignment(ctx, v, r.ID, strings.Repeat("x", 501)); domain.FieldsOf(err)["reason"] != "field.too_long" {
		t.Fatalf("a long reason: %v", err)
	}

	if err := svc.WithdrawAssignment(ctx, v, r.ID, "Ich bin krank geworden."); err != nil {
		t.Fatal(err)
	}
	m, _ := svc.Store.MatchForLink(ctx, r.ID, v.ID)
	got, _ := svc.Store.Volunteer(ctx, sys, v.ID)
	rr, _ := svc.Store.Request(ctx, sys, r.ID)
	if m.Status != domain.MatchWithdrawn || m.AnswerReason != "Ich bin krank geworden." || got.ActiveAssignments != 0 || rr.Status != domain.RequestOpen {
		t.Fatalf("after withdrawing: match %s, carries %d, request %s", m.Status, got.ActiveAssignments, rr.Status)
	}
	msgs, _ := svc.Store.Outbox(ctx, tn.ID)
	notice := 0
	for _, msg := range msgs {
		if strings.HasPrefix(msg.Key, "assignment_withdrawn:") {
			notice++
			if msg.To != "koordination@example.org" || !strings.Contains(msg.Text, "Wohnungssuche Familie O.") ||
				!strings.Contains(msg.Text, "Ich bin krank geworden.") || !strings.Contains(msg.Text, "/requests/"+r.ID.Hex()) {
				t.Errorf("notice to %s:\n%s", msg.To, msg.Text)
			}
		}
	}
	if notice != 1 {
		t.Fatalf("%d withdrawal notices", notice)
	}
	a := auditActions(t, svc, tn)
	if len(a["match.withdraw"]) != 1 || a["match.withdraw"][0] != "status" {
		t.Fatalf("audit %v", a)
	}
	// The municipality was proposed for again.
	if ps := byRequest(t, svc, sys); ps[r.ID] == nil {
		t.Fatal("no new proposal for the reopened request")
	}

	// Twice: a polite "already", nothing released twice.
	if err := svc.WithdrawAssignment(ctx, v, r.ID, ""); !errors.Is(err, service.ErrAlreadyWithdrawn) {
		t.Fatalf("second withdrawal: %v", err)
	}
	if got, _ := svc.Store.Volunteer(ctx, sys, v.ID); got.ActiveAssignments != 0 {
		t.Fatalf("carries %d after the second withdrawal", got.ActiveAssignments)
	}
	p, _ = svc.PortalOf(ctx, v)
	if len(p.Current) != 0 || len(p.History) != 1 || p.History[0].Match.Status != domain.MatchWithdrawn {
		t.Fatalf("portal after: %+v", p)
	}
}

// TestPortalOnlyOwnMatches: a volunteer sees and changes only their own
// matches, never another volunteer's or another tenant's.
func TestPortalOnlyOwnMatches(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	coord := seedCoordinator(t, svc, tn)
	anna := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"housing_search"})
	ben := seedVolunteer(t, svc, tn, "ben", "08336050", "79540", domain.VolunteerActive, false, []string{"driving"})
	r := assigned(t, svc, tn, coord, anna, "Wohnung")

	other := &domain.Tenant{Slug: "freiburg", Name: "Stadt Freiburg", Kind: domain.KindStadt, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	if err := svc.Store.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	// Anna's twin in Freiburg: the same ID would be impossible, so she
	// claims Anna's request from the other tenant.
	foreign := seedVolunteer(t, svc, other, "anna.fr", "08311000", "79098", domain.VolunteerActive, false, []string{"housing_search"})
	spoof := *anna
	spoof.Tenant = other.ID

	for name, try := range map[string]func() error{
		"ben withdraws":        func() error { return svc.WithdrawAssignment(ctx, ben, r.ID, "") },
		"ben declines":         func() error { _, err := svc.RespondAsVolunteer(ctx, ben, r.ID, false, ""); return err },
		"freiburg withdraws":   func() error { return svc.WithdrawAssignment(ctx, foreign, r.ID, "") },
		"other tenant's scope": func() error { return svc.WithdrawAssignment(ctx, &spoof, r.ID, "") },
	} {
		if err := try(); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	for _, v := range []*domain.Volunteer{ben, foreign, &spoof} {
		p, err := svc.PortalOf(ctx, v)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			t.Fatal(err)
		}
		if p != nil && len(p.Offers)+len(p.Current)+len(p.History) != 0 {
			t.Errorf("%s sees %+v", v.Name, p)
		}
	}
	if m, _ := svc.Store.MatchForLink(ctx, r.ID, anna.ID); m.Status != domain.MatchAccepted {
		t.Fatalf("anna's match is %s", m.Status)
	}
}

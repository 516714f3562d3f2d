package handlers

import (
	"time"

	"lotse/domain"
	"lotse/service"
)

// portalPage is the volunteer's overview as meView builds it for the first
// volunteer of the fixture (1 assignment of 3): an open offer with a date,
// one with weekly times, the assignment, and a history of each ending. With
// paused, the volunteer is taking a break until Easter.
func portalPage(f renderFixture, paused bool) mePage {
	v := *f.volunteers[0]
	v.HoursCommitted = 4
	reqs := f.requests
	item := func(r *domain.HelpRequest, st domain.MatchStatus) service.PortalItem {
		return service.PortalItem{Match: &domain.Match{Request: r.ID, Volunteer: v.ID, Status: st}, Request: r, Municipality: "Lörrach"}
	}
	p := mePage{
		Portal: &service.Portal{Volunteer: &v,
			Offers:  []service.PortalItem{item(reqs[0], domain.MatchApproved), item(reqs[1], domain.MatchApproved)},
			Current: []service.PortalItem{item(reqs[2], domain.MatchAccepted)},
			History: []service.PortalItem{item(reqs[3], domain.MatchWithdrawn), item(reqs[2], domain.MatchCompleted),
				item(reqs[1], domain.MatchDeclined), item(reqs[0], domain.MatchExpired)},
		},
		Form: domain.ProfileInput{RadiusKm: v.RadiusKm, Transport: v.Transport, Availability: v.Availability,
			Capacity: v.Capacity, MaxHoursPerMonth: v.MaxHoursPerMonth, Locale: v.Locale},
		MinDate: "2026-03-15", MaxDate: "2027-03-14", ReasonMax: meReasonMax,
	}
	if paused {
		v.PausedUntil = time.Date(2026, 4, 5, 22, 0, 0, 0, time.UTC) // 6 April in Berlin
		p.Until, p.Paused = "2026-04-06", "06.04.2026"
	}
	return p
}

// portalPageCases lists how the portal's pages are rendered.
func portalPageCases(f renderFixture) []pageCase {
	v := f.volunteers[0]
	reqs := f.requests
	full := portalPage(f, false)
	full.Done = "me.done.login"
	paused := portalPage(f, true)
	paused.Alert = service.ErrNotAssigned.Key
	empty := portalPage(f, false)
	empty.Portal = &service.Portal{Volunteer: v}

	bad := portalPage(f, false)
	bad.Form = domain.ProfileInput{RadiusKm: 0, Transport: []string{"rocket"}, Availability: []string{"sun_night"},
		Capacity: 0, MaxHoursPerMonth: 999, Locale: "xx"}
	_, profileErrs := bad.Form.Clean(v.ActiveAssignments, v.HoursCommitted)
	bad.Until = "2020-01-01"
	profileErrs.Add("until", "field.pause.past")
	profileErrs.Add("reason", "field.too_long")
	below := portalPage(f, false)
	below.Form.Capacity = 0
	_, belowErrs := domain.ProfileInput{RadiusKm: 5, Transport: []string{"car"}, Availability: []string{"mon_am"},
		Capacity: 1, MaxHoursPerMonth: 5, Locale: "de"}.Clean(2, 6)

	hidden := func(name, value string) string { return `name="` + name + `" value="` + value + `"` }
	link := service.PortalLink{ID: v.ID.Hex(), Nonce: "bm9uY2UtZm9yLXRoZS10ZXN0", Exp: "1775000000", Sig: "c2lnbmF0dXJl"}
	return append([]pageCase{
		{name: "volunteer", page: "home", path: "/", me: v,
			want:   []string{`action="/me/logout"`, `href="/me"`},
			wantIn: map[string][]string{"de": {"Mein Bereich", "Abmelden"}, "en": {"My page", "Log out"}}},
		{name: "new", page: "me_login", path: "/me/login", titleKey: "me.login.title", data: meLoginPage{},
			want:   []string{`action="/me/login"`, `href="/login"`},
			wantIn: map[string][]string{"de": {"kein Passwort", "Anmeldelink anfordern"}, "en": {"no password", "Send me a sign-in link"}}},
		{name: "invalid", page: "me_login", path: "/me/login", titleKey: "me.login.title",
			data: meLoginPage{Email: "ayse@"}, errs: map[string]string{"email": "field.email.invalid"}, want: []string{"ayse@"}},
		{name: "sent", page: "me_login", path: "/me/login", titleKey: "me.login.title",
			data: meLoginPage{Email: v.Email, Sent: true, Minutes: 30},
			wantIn: map[string][]string{
				"de": {"Bitte sehen Sie in Ihr Postfach", "Wenn diese Adresse zu einer bestätigten Anmeldung", "30 Minuten"},
				"en": {"Please check your inbox", "If this address belongs to a confirmed volunteer", "30 minutes"},
			}},
		{page: "me_enter", path: "/me/enter", titleKey: "me.enter.title", data: meEnterPage{Name: v.Name, Link: link},
			want: []string{v.Name, `action="/me/enter"`, hidden("id", link.ID), hidden("n", link.Nonce), hidden("exp", link.Exp),
				hidden("sig", link.Sig), hidden("csrf", "csrf-token-for-the-render-test")},
			wantIn: map[string][]string{"de": {"Jetzt anmelden"}, "en": {"Sign in now"}}},
		{name: "full", page: "me", path: "/me", titleKey: "me.title", me: v, data: full,
			want: []string{v.Name, reqs[0].Title, reqs[1].Title, reqs[2].Title, reqs[3].Title, "Lörrach", "2026-04-02",
				`action="/me/offers/` + reqs[0].ID.Hex() + `/accept"`, `action="/me/offers/` + reqs[1].ID.Hex() + `/decline"`,
				`action="/me/assignments/` + reqs[2].ID.Hex() + `/withdraw"`, `action="/me/profile"`, `action="/me/pause"`,
				`maxlength="500"`, `min="2026-03-15"`, `max="2027-03-14"`, `id="f-availability-wed_eve" name="availability" value="wed_eve"`,
				hidden("csrf", "csrf-token-for-the-render-test")},
			wantIn: map[string][]string{
				"de": {"Sie sind angemeldet.", "Hallo Ayşe Yılmaz,", "Anfragen, die auf Ihre Antwort warten", "Ja, ich helfe gern",
					"Nein, diesmal nicht", "Ihre Einsätze", "Ich kann doch nicht helfen", "Einsatz absagen", "Frühere Anfragen",
					"Sie haben abgesagt.", "Erledigt – vielen Dank für Ihre Hilfe!", "Keine Antwort – die Anfrage ging an jemand anderen.", "Beendet, bevor es dazu kam.",
					"Dienstag nachmittags (12–17 Uhr)", "Zeiten und Grenzen", "Laufende Einsätze: 1 – weniger", "Stunden im Monat für Ihre laufenden Einsätze: 4",
					"Wieder verfügbar ab", "Sprache der E-Mails"},
				"en": {"You are signed in.", "Hello Ayşe Yılmaz,", "Requests waiting for your answer", "Yes, I am glad to help",
					"No, not this time", "Your assignments", "I cannot help after all", "Withdraw from the assignment",
					"Earlier requests", "You declined.", "No answer – the request went to someone else.", "Done – thank you for your help!", "Ended before it happened.",
					"Tuesday afternoons (12–5 pm)", "Times and limits", "Current assignments: 1 – you cannot", "Hours a month for your current assignments: 4", "Available again from",
					"Language of the emails"},
			}},
		{name: "paused", page: "me", path: "/me", titleKey: "me.title", me: v, data: paused,
			want: []string{`action="/me/resume"`, `value="2026-04-06"`},
			wantIn: map[string][]string{
				"de": {"Ab dem 06.04.2026 fragen wir Sie wieder", "Pause beenden", "kein Einsatz von Ihnen"},
				"en": {"From 06.04.2026 on", "End the break", "not one of your assignments"},
			}},
		{name: "empty", page: "me", path: "/me", titleKey: "me.title", me: v, data: empty,
			wantIn: map[string][]string{
				"de": {"Zurzeit wartet keine Anfrage", "Zurzeit haben Sie keine Einsätze", "Hier erscheinen Anfragen"},
				"en": {"No request is waiting", "You have no assignments", "Requests that have ended"},
			}},
		{name: "invalid", page: "me", path: "/me/profile", titleKey: "me.title", me: v, data: bad, errs: profileErrs,
			want: []string{`value="2020-01-01"`, `value="999"`}},
		{name: "capacity below", page: "me", path: "/me/profile", titleKey: "me.title", me: v, data: below, errs: belowErrs},
	}, portalClaimPageCases(f)...)
}

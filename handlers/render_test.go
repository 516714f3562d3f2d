package handlers

import (
	"bytes"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
	"lotse/store"
	"lotse/templates"
)

// pageCase is one way production renders a page: the arguments of h.render and
// the request's user and flash message.
type pageCase struct {
	name     string
	page     string
	path     string
	titleKey string // the title is this message …
	title    string // … or this text (a request's title)
	data     any
	errs     map[string]string
	user     *SessionUser
	me       *domain.Volunteer // the volunteer of a portal session
	flash    string
	want     []string            // text the page must show (after HTML unescaping)
	wantIn   map[string][]string // … and what it must show in one language
}

// renderFixture is a realistic tenant with volunteers and help requests in
// every status, built from the domain types the pages get in production.
type renderFixture struct {
	tenant     *domain.Tenant
	volunteers []*domain.Volunteer
	requests   []*domain.HelpRequest
	admin      *SessionUser
	coord      *SessionUser
	accountant *SessionUser
}

func newRenderFixture() renderFixture {
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tn := &domain.Tenant{
		ID: domain.NewID(now), Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis,
		PrivacyVersion: "2026-01", CreatedAt: now,
		Municipalities: []domain.Municipality{
			{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}},
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}},
			{AGS: "08336073", Name: "Rümmingen", PLZ: []string{"79595"}},
			{AGS: "08336074", Name: "Rümmingen-Ost", PLZ: []string{"79595"}}, // shares the code
		},
	}
	vol := func(name, email, plz, ags string, st domain.VolunteerStatus, langs []domain.LanguageSkill, skills []string, active, capacity int) *domain.Volunteer {
		return &domain.Volunteer{
			ID: domain.NewID(now), Tenant: tn.ID, Municipality: ags, Name: name, Email: email, PLZ: plz,
			Lat: 47.61, Lon: 7.66, RadiusKm: 10, Transport: []string{"bicycle", "public_transport"},
			Languages: langs, Skills: skills, Availability: []string{"mon_am", "wed_eve", "sat_pm"},
			Capacity: capacity, MaxHoursPerMonth: 12, PrivacyVersion: tn.PrivacyVersion, PrivacyConsentAt: now,
			Locale: "de", Status: st, ActiveAssignments: active, CreatedAt: now, ConfirmedAt: now, UpdatedAt: now,
		}
	}
	vols := []*domain.Volunteer{
		vol("Ayşe Yılmaz", "ayse@example.org", "79539", "08336050", domain.VolunteerActive,
			[]domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: "tr", Level: "native"}, {Code: "en", Level: "B2"}},
			[]string{"interpreting", "authority_accompaniment"}, 1, 3),
		vol("Jürgen Müller", "juergen@example.org", "79589", "08336006", domain.VolunteerPending,
			[]domain.LanguageSkill{{Code: "de", Level: "native"}}, []string{"driving"}, 0, 1),
		vol("Ольга Петренко", "olga@example.org", "79540", "08336050", domain.VolunteerInactive,
			[]domain.LanguageSkill{{Code: "uk", Level: "native"}, {Code: "ru", Level: "C2"}, {Code: "de", Level: "B1"}},
			[]string{"homework_help", "language_cafe"}, 0, 2),
		vol("Samir Haddad", "samir@example.org", "79595", "08336073", domain.VolunteerFormer,
			[]domain.LanguageSkill{{Code: "ar", Level: "native"}, {Code: "fa", Level: "A2"}}, []string{"legal_help"}, 0, 1),
	}
	req := func(title, category string, st domain.RequestStatus, prio int) *domain.HelpRequest {
		return &domain.HelpRequest{
			ID: domain.NewID(now), Tenant: tn.ID, Municipality: "08336050", PLZ: "79539", Lat: 47.61, Lon: 7.66,
			Category: category, Title: title, Needed: 1, Priority: prio, Status: st,
			RequiresBackgroundCheck: domain.NeedsBackgroundCheckByDefault(category),
			CreatedBy:               domain.NewID(now), CreatedAt: now, UpdatedAt: now.Add(26 * time.Hour),
		}
	}
	open := req("Begleitung zum Jobcenter & zur Ausländerbehörde", "legal_help", domain.RequestOpen, 3)
	open.Description = "Termin wegen Aufenthaltserlaubnis; Unterlagen liegen vor."
	open.LanguagesAny = []string{"ar", "fa"}
	open.Slots = []string{"mon_am", "thu_pm"}
	open.Date, open.Time = "2026-04-02", "09:30"
	open.Needed = 2
	open.BeneficiaryRef = "WB-2026-0413"
	open.Lawyer = &domain.Lawyer{Name: "Dr. Katrin Vogel", Contact: "07621 123456"}
	matched := req("Hausaufgabenhilfe Mathe, 7. Klasse", "homework_help", domain.RequestMatched, 1)
	matched.Slots = []string{"tue_pm", "thu_pm"}
	matched.LanguagesAny = []string{"uk"}
	done := req("Fahrt zum Kinderarzt", "driving", domain.RequestDone, 0)
	done.Date = "2026-03-01"
	cancelled := req("Sprachcafé im Bürgerhaus", "language_cafe", domain.RequestCancelled, 2)
	cancelled.Municipality = "08336999" // no longer in the tenant: the page shows the code

	user := func(email string, role domain.Role, munis ...string) *SessionUser {
		return &SessionUser{ID: domain.NewID(now), Email: email, Role: role, Tenant: tn.ID, TenantName: tn.Name,
			Municipalities: munis, SessionID: "0123456789abcdef"}
	}
	return renderFixture{
		tenant: tn, volunteers: vols, requests: []*domain.HelpRequest{open, matched, done, cancelled},
		admin:      user("admin@loerrach.example", domain.RoleAdmin),
		coord:      user("koordination@loerrach.example", domain.RoleCoordinator, "08336050", "08336006"),
		accountant: user("kasse@loerrach.example", domain.RoleAccountant),
	}
}

// pageCases lists how every page is rendered, with data built the way its
// handler builds it.
func pageCases(t *testing.T, f renderFixture) []pageCase {
	t.Helper()
	tn, vols, reqs := f.tenant, f.volunteers, f.requests
	cases := []pageCase{
		{name: "anonymous", page: "home", path: "/"},
		{name: "admin", page: "home", path: "/", user: f.admin, want: []string{f.admin.Email}},
		{name: "coordinator", page: "home", path: "/", user: f.coord, want: []string{f.coord.Email}},
		{name: "accountant", page: "home", path: "/", user: f.accountant, want: []string{f.accountant.Email}},
		{page: "about", path: "/about", titleKey: "about.title"},
		{page: "signup_thanks", path: "/signup/thanks", titleKey: "signup.thanks.title"},
		{page: "confirm", path: "/signup/confirm", titleKey: "confirm.title",
			data: map[string]string{"Name": vols[1].Name}, want: []string{vols[1].Name}},
	}

	// The error page, for every error a page can end in (pageError) and the
	// keys the service puts into its errors.
	var codes []string
	for code := range statusOf {
		if code != domain.EInternal && code != domain.EUnauthorized { // a 500 text and a redirect
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		cases = append(cases, pageCase{name: code, page: "error", path: "/x", titleKey: "error.title",
			data: map[string]string{"Key": "error." + code}})
	}
	for _, e := range []*domain.Error{service.ErrLinkInvalid, service.ErrLinkExpired, service.ErrLinkUsed, service.ErrRateLimited} {
		cases = append(cases, pageCase{name: e.Key, page: "error", path: "/signup/confirm", titleKey: "error.title",
			data: map[string]string{"Key": e.Key}})
	}

	// Login: empty, with field errors, after a failed and a locked attempt.
	loginErrs := domain.FieldErrors{}
	loginErrs.Add("email", "field.required")
	loginErrs.Add("password", "field.required")
	cases = append(cases,
		pageCase{name: "new", page: "login", path: "/login", titleKey: "login.title", data: loginPage{Next: "/requests?status=open"}},
		pageCase{name: "empty fields", page: "login", path: "/login", titleKey: "login.title", data: loginPage{Next: "/"}, errs: loginErrs},
		pageCase{name: "failed", page: "login", path: "/login", titleKey: "login.title",
			data: loginPage{Email: f.coord.Email, Next: "/", Message: "login.failed"}, want: []string{f.coord.Email}},
		pageCase{name: "locked", page: "login", path: "/login", titleKey: "login.title",
			data: loginPage{Email: f.coord.Email, Next: "/", Message: "login.locked"}},
	)

	// Sign-up: the blank form as pageSignupNew builds it, and a refused one as
	// pageSignupCreate re-renders it, with the domain's own field errors.
	blank := domain.SignupInput{RadiusKm: 10, Capacity: 1, MaxHoursPerMonth: 8}
	badSignup := domain.SignupInput{
		Name: "A", Email: "ayse@", Phone: "call me", PLZ: "79595", Municipality: "",
		RadiusKm: 500, Transport: []string{"rocket"}, Skills: nil, Availability: []string{"mon_am", "sun_night"},
		Capacity: 0, MaxHoursPerMonth: 999, Locale: "xx",
		Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: "de", Level: "B1"}, {Code: "kl", Level: "A1"}},
	}
	_, signupErrs := badSignup.Clean()
	signupErrs.Add("plz", "field.plz.not_served")
	signupErrs.Add("municipality", "field.municipality.choose")
	cases = append(cases,
		pageCase{name: "new", page: "signup", path: "/signup", titleKey: "signup.title", data: signupView(blank, nil)},
		pageCase{name: "invalid", page: "signup", path: "/signup", titleKey: "signup.title",
			data: signupView(badSignup, tn.MunicipalitiesForPLZ(badSignup.PLZ)), errs: signupErrs,
			want: []string{"ayse@", "call me", "Rümmingen-Ost"}},
	)

	// Staff pages.
	cases = append(cases,
		pageCase{name: "new", page: "request_form", path: "/requests/new", titleKey: "request.new.title", user: f.coord,
			data: requestFormPage{Form: requestForm{Needed: "1", Priority: "0", Municipality: "08336050"}, Municipalities: tn.Municipalities}},
	)
	badForm := requestForm{
		Category: "legal_help", Title: "", Description: strings.Repeat("x", domain.MaxDescriptionLen+1),
		Municipality: "", PLZ: "", LanguagesAny: []string{"ar", "klingon"}, Slots: []string{"mon_am", "mon_night"},
		Date: "02.04.2026", Time: "25:00", Needed: "zwei", Priority: "9", BackgroundCheck: "yes",
		BeneficiaryRef: "Frau Ayşe Y.", LawyerName: "", LawyerContact: "",
	}
	in, own := badForm.input()
	_, fe := in.Clean()
	for k, v := range own {
		fe[k] = v
	}
	cases = append(cases, pageCase{name: "invalid", page: "request_form", path: "/requests", titleKey: "request.new.title",
		user: f.coord, data: requestFormPage{Form: badForm, Municipalities: tn.Municipalities}, errs: fe,
		want: []string{"Frau Ayşe Y."}})

	cases = append(cases,
		pageCase{name: "full", page: "request_list", path: "/requests", titleKey: "request.list.title", user: f.coord,
			data: requestListPage{
				Filter:         store.RequestFilter{Municipality: "08336050", Status: domain.RequestOpen, Language: "ar", Offset: 50},
				Page:           store.Page[*domain.HelpRequest]{Items: reqs, Total: 123, Offset: 50, Limit: 50},
				Municipalities: tn.Municipalities, MunicipalityNames: municipalityNames(tn.Municipalities),
				Statuses: requestStatuses,
				Pager:    pager{Prev: "/requests?offset=0", Next: "/requests?offset=100", From: 51, To: 54, Total: 123},
			},
			want: []string{reqs[0].Title, reqs[1].Title, "Lörrach", "08336999",
				`<a href="/requests?offset=0" rel="prev">`, `<a href="/requests?offset=100" rel="next">`},
			wantIn: map[string][]string{
				"de": {`<nav class="pager" aria-label="Ergebnisseiten">`, "Vorherige Seite", "Einträge 51–54 von 123", "Nächste Seite"},
				"en": {`<nav class="pager" aria-label="Result pages">`, "Previous page", "Entries 51–54 of 123", "Next page"},
			}},
		pageCase{name: "empty", page: "request_list", path: "/requests", titleKey: "request.list.title", user: f.admin,
			data: requestListPage{Page: store.Page[*domain.HelpRequest]{Limit: 50}, Statuses: requestStatuses, Pager: pager{From: 1}}},
	)
	for _, r := range reqs {
		cases = append(cases, pageCase{name: string(r.Status), page: "request_show", path: "/requests/" + r.ID.Hex(),
			title: r.Title, user: f.coord, data: requestShow(r, tn, ""), want: []string{r.Title}})
	}
	// A request with its decisions: one asked, one who declined with a word,
	// one rejected with a note, one whose record is gone.
	withMatches := requestShow(reqs[0], tn, "")
	decided := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	withMatches.Matches = requestMatchRows([]service.RequestMatch{
		{Match: &domain.Match{Status: domain.MatchApproved, DecidedAt: decided}, Name: vols[0].Name},
		{Match: &domain.Match{Status: domain.MatchDeclined, DecidedAt: decided, AnsweredAt: decided.Add(26 * time.Hour),
			AnswerReason: "Bin im Urlaub"}, Name: vols[1].Name},
		{Match: &domain.Match{Status: domain.MatchRejected, DecidedAt: decided, Reason: "conflict_of_interest", Note: "Nachbarin"},
			Name: vols[2].Name},
		{Match: &domain.Match{Status: domain.MatchExpired, DecidedAt: decided, AnsweredAt: decided.Add(96 * time.Hour)}},
	})
	cases = append(cases, pageCase{name: "with matches", page: "request_show", path: "/requests/" + reqs[0].ID.Hex(),
		title: reqs[0].Title, user: f.coord, data: withMatches,
		want: []string{vols[0].Name, vols[1].Name, vols[2].Name, "02.03.2026 10:15", "03.03.2026 12:15", "„Bin im Urlaub“", "Nachbarin"},
		wantIn: map[string][]string{
			"de": {"Angefragte Ehrenamtliche", "angefragt, Antwort steht aus", "hat abgesagt", "Interessenkonflikt", "keine Antwort – Platz wieder frei"},
			"en": {"Volunteers asked", "asked, no answer yet", "declined", "conflict of interest", "no answer – place free again"},
		}})
	conflict := map[string]string{"status": "error.conflict"}
	cases = append(cases, pageCase{name: "conflict", page: "request_show", path: "/requests/" + reqs[0].ID.Hex(),
		title: reqs[0].Title, user: f.coord, data: requestShow(reqs[0], tn, string(domain.RequestDone)), errs: conflict,
		want: []string{reqs[0].Description, reqs[0].Lawyer.Name, reqs[0].BeneficiaryRef}})

	cases = append(cases,
		pageCase{name: "full", page: "volunteer_list", path: "/volunteers", titleKey: "volunteers.title", user: f.coord,
			data: volunteerListPage{
				Filter:         store.VolunteerFilter{Skill: "interpreting", Language: "tr", Status: domain.VolunteerActive},
				Page:           store.Page[*domain.Volunteer]{Items: vols, Total: 54, Limit: 50},
				Municipalities: tn.Municipalities, Pager: pager{Next: "/volunteers?offset=50", From: 1, To: 4, Total: 54},
			},
			want: []string{vols[0].Name, vols[2].Name, "1/3", `<a href="/volunteers?offset=50" rel="next">`},
			wantIn: map[string][]string{
				"de": {"Deutsch (Muttersprache), Türkisch (Muttersprache), Englisch (B2)", "Ukrainisch (Muttersprache), Russisch (C2), Deutsch (B1)",
					`<nav class="pager" aria-label="Ergebnisseiten">`, "Einträge 1–4 von 54", "Nächste Seite"},
				"en": {"German (native), Turkish (native), English (B2)", "Ukrainian (native), Russian (C2), German (B1)",
					`<nav class="pager" aria-label="Result pages">`, "Entries 1–4 of 54", "Next page"},
			}},
		pageCase{name: "one page", page: "volunteer_list", path: "/volunteers", titleKey: "volunteers.title", user: f.admin,
			data: volunteerListPage{Page: store.Page[*domain.Volunteer]{Items: vols[:1], Total: 1, Limit: 50},
				Pager: pager{From: 1, To: 1, Total: 1}},
			want: []string{vols[0].Name}},
		pageCase{name: "empty", page: "volunteer_list", path: "/volunteers", titleKey: "volunteers.title", user: f.admin,
			data: volunteerListPage{Page: store.Page[*domain.Volunteer]{Limit: 50}, Pager: pager{From: 1}}},
	)

	// A volunteer's page: with an inspection on record, and with a refused one.
	checked := *vols[0]
	checked.BackgroundCheck = &domain.BackgroundCheck{InspectedOn: "2026-03-02", CertificateDate: "2026-02-20", Suitable: true, RecheckDue: "2031-02-20"}
	yes := true
	badCheck := domain.BackgroundCheckInput{CertificateDate: "2025-10-01", InspectedOn: "2026-03-14", Suitable: &yes}
	_, checkErrs := badCheck.Check("2026-03-14")
	cases = append(cases,
		pageCase{name: "checked", page: "volunteer_show", path: "/volunteers/" + checked.ID.Hex(), title: checked.Name, user: f.coord,
			data: volunteerShowPage{Volunteer: &checked, MunicipalityName: "Lörrach", Confirmed: "01.02.2026 10:00",
				Check: domain.BackgroundCheckInput{InspectedOn: "2026-03-14"}, Today: "2026-03-14", Done: "volunteer.check.saved"},
			want: []string{checked.Name, checked.Email, "Lörrach", "2026-02-20", "2031-02-20", `action="/volunteers/` + checked.ID.Hex() + `/background-check"`,
				`action="/volunteers/` + checked.ID.Hex() + `/background-check/delete"`, `max="2026-03-14"`,
				`href="/volunteers/` + checked.ID.Hex() + `/allowance"`},
			wantIn: map[string][]string{
				"de": {"Die Einsichtnahme ist vermerkt.", "Erweitertes Führungszeugnis", "Keine einschlägige Eintragung", "§ 72a Abs. 5 SGB VIII"},
				"en": {"The inspection is recorded.", "Extended criminal record certificate", "No relevant entry", "§ 72a (5) SGB VIII"},
			}},
		pageCase{name: "refused", page: "volunteer_show", path: "/volunteers/" + vols[1].ID.Hex(), title: vols[1].Name, user: f.admin,
			data: volunteerShowPage{Volunteer: vols[1], Check: badCheck, Suitable: "yes", Today: "2026-03-14"}, errs: checkErrs,
			want: []string{`value="2025-10-01"`, `href="#f-certificate_date"`},
			wantIn: map[string][]string{
				"de": {"älter als drei Monate", "Noch kein Führungszeugnis eingesehen"},
				"en": {"older than three months", "No certificate inspected yet"},
			}},
	)

	// The allowance form as showAllowance builds it: for a coordinator just
	// after recording (a warning at 83 %), refused with the fields' own
	// messages, and for an accountant refused above the limit, pointed at the
	// reason that would allow it.
	usage := allowanceUsageRows([]service.AllowanceUsageLine{
		{Basis: accounting.Nr26, Paid: accounting.Euros(1200, 0), Limit: accounting.Euros(3300, 0), Percent: 36, Status: accounting.AllowanceOK},
		{Basis: accounting.Nr26a, Paid: accounting.Euros(800, 0), Limit: accounting.Euros(960, 0), Percent: 83, Status: accounting.AllowanceWarn},
		{Basis: accounting.Nr12, Paid: accounting.Euros(3100, 0), Limit: accounting.Euros(3000, 0), Percent: 103, Status: accounting.AllowanceBlocked},
	})
	allowanceView := func(user *SessionUser, form allowanceForm, over *allowanceOver, done string) allowancePage {
		p := allowancePage{Form: form, Volunteer: vols[0], Year: 2026, Usage: usage, Bases: []string{"3_26", "3_26a", "3_12"},
			MayOverride: user.Role == domain.RoleAccountant, Back: "/volunteers/" + vols[0].ID.Hex(), BackKey: "allowance.back",
			OtherYears: []int{2025, 2027}, MaxYear: 2027, Over: over}
		if p.MayOverride {
			p.Back, p.BackKey = "/claims", "allowance.back.claims"
		}
		for i := range p.Usage {
			if p.Usage[i].Basis == done {
				p.Done = &p.Usage[i]
			}
		}
		return p
	}
	allowancePath := "/volunteers/" + vols[0].ID.Hex() + "/allowance"
	cases = append(cases,
		pageCase{name: "recorded", page: "allowance_form", path: allowancePath, titleKey: "allowance.title", user: f.coord,
			data: allowanceView(f.coord, allowanceForm{Year: "2026"}, nil, "3_26a"),
			want: []string{vols[0].Name, "1.200,00 €", "3.300,00 €", "800,00 €", "960,00 €", `action="` + allowancePath + `"`,
				`href="/volunteers/` + vols[0].ID.Hex() + `"`, `href="/claims"`, `value="2026"`, `href="` + allowancePath + `?year=2025"`},
			wantIn: map[string][]string{
				"de": {"Aufwandsentschädigung für Ayşe Yılmaz", "Die Aufwandsentschädigung ist erfasst.", "Vier-Augen-Prinzip",
					"Ehrenamtspauschale (§ 3 Nr. 26a EStG): 800,00 € von 960,00 € genutzt (83 %)",
					"1.200,00 € von 3.300,00 € genutzt (36 %)", "80 % des Jahresbetrags oder mehr sind ausgeschöpft.",
					"Über dem Jahresbetrag – von der Kasse mit Begründung freigegeben.", "Übungsleiterpauschale (§ 3 Nr. 26 EStG)",
					"In Lotse erfasst für 2026", "höchstens 2027", "Zurück zur Person"},
				"en": {"Flat allowance for Ayşe Yılmaz", "The allowance is recorded.", "four-eyes check",
					"800,00 € of 960,00 € used (83 %)", "80 % or more of the yearly amount is used.", "Recorded in Lotse for 2026"},
			}},
		pageCase{name: "invalid", page: "allowance_form", path: allowancePath, titleKey: "allowance.title", user: f.coord,
			data: allowanceView(f.coord, allowanceForm{Year: "zwanzig", Amount: "abc", DeclaredElsewhere: "-5", Note: "Kursleitung Herbst"}, nil, ""),
			errs: map[string]string{"basis": "field.required", "year": "field.allowance.year_number", "amount": "field.allowance.amount",
				"declared_elsewhere": "field.allowance.amount", "override": "field.allowance.override_role"},
			want: []string{`value="zwanzig"`, `value="abc"`, `value="-5"`, "Kursleitung Herbst", `href="#f-basis"`, `href="#f-year"`,
				`href="#f-amount"`, `aria-describedby="f-amount-hint f-amount-error"`},
			wantIn: map[string][]string{
				"de": {"Bitte einen Betrag in Euro angeben, z. B. 40,00.", "Bitte ein Jahr angeben"},
				"en": {"Please enter an amount in euros", "Please enter a year"},
			}},
		pageCase{name: "over the limit", page: "allowance_form", path: allowancePath, titleKey: "allowance.title", user: f.accountant,
			data: allowanceView(f.accountant, allowanceForm{Basis: "3_26a", Year: "2026", Amount: "200,00"},
				&allowanceOver{Used: "1.000,00 €", Limit: "960,00 €", Excess: "40,00 €"}, ""),
			errs: service.ErrAllowanceOverride.Fields,
			want: []string{`value="200,00"`, `<option value="3_26a" selected>`, `href="#f-override"`, `id="f-override"`,
				`aria-describedby="f-amount-hint f-amount-error f-amount-over"`, `href="/claims"`},
			wantIn: map[string][]string{
				"de": {"Mit diesem Betrag wären 1.000,00 € von 960,00 € genutzt, 40,00 € mehr als steuerfrei möglich.",
					"Begründung für eine Zahlung über dem Jahresbetrag", "Zu den Abrechnungen"},
				"en": {"With this amount 1.000,00 € of 960,00 € would be used, 40,00 € more than is tax-free.",
					"Reason to pay above the yearly amount"},
			}},
	)

	// The claims review: a submitted travel claim with a flagged trip, one the
	// reader checked (so cannot release), a released one to reverse.
	submitted := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	claimTrip := domain.ClaimTrip{Date: "2026-03-09", From: "79539", To: "79650", Metres: 12300, Mode: "car", Passengers: 1,
		Purpose: "Begleitung zum Amt", Table: "BRKG", AmountCents: 246}
	claimsView := claimRows([]service.ClaimRow{
		{Claim: &domain.Claim{ID: domain.NewID(submitted), Status: domain.ClaimSubmitted, AmountCents: 1736, SubmittedAt: submitted,
			Note: "Belege folgen", Trips: []domain.ClaimTrip{claimTrip, {Date: "2026-03-09", From: "Lörrach", To: "Freiburg",
				Mode: "public_transport", Purpose: "RP", TicketCents: 1490, AmountCents: 1490, Detour: true}}},
			Volunteer: vols[0].Name, Request: reqs[0].Title, Municipality: "Lörrach", HasBank: true, MayCheck: true},
		{Claim: &domain.Claim{ID: domain.NewID(submitted.Add(time.Second)), Status: domain.ClaimChecked, AmountCents: 6546,
			SubmittedAt: submitted, Trips: []domain.ClaimTrip{claimTrip, {Date: "2026-03-09", From: "Lörrach", To: "Basel",
				Mode: "deutschlandticket", Purpose: "Sprachcafé", TicketCents: 1150}},
			DTickets: []domain.ClaimDTicket{{Month: "2026-03", FaresCents: 6420, AmountCents: 6300}}},
			Volunteer: vols[1].Name, Municipality: "Lörrach", CheckedByMe: true},
		{Claim: &domain.Claim{ID: domain.NewID(submitted.Add(3 * time.Second)), Volunteer: vols[2].ID, Kind: domain.ClaimAllowance,
			Status: domain.ClaimSubmitted, AmountCents: 24000, SubmittedAt: submitted, AllowanceBasis: "3_26", AllowanceYear: 2026,
			OverrideReason: "Nachzahlung laut Beschluss"}, Volunteer: vols[2].Name, Municipality: "Lörrach", HasBank: true, MayCheck: true},
	}, "open")
	released := claimRows([]service.ClaimRow{{Claim: &domain.Claim{ID: domain.NewID(submitted.Add(2 * time.Second)),
		Status: domain.ClaimReleased, AmountCents: 990, SubmittedAt: submitted}, Volunteer: vols[2].Name, HasBank: true, MayReverse: true}}, "all")
	cases = append(cases,
		pageCase{name: "open", page: "claim_list", path: "/claims", titleKey: "claims.title", user: f.accountant,
			data: claimListPage{Rows: claimsView, Filter: "open", Done: "claims.done.check"},
			want: []string{vols[0].Name, "17,36 €", "2,46 €", "14,90 €", "12,3", "79539 → 79650", reqs[0].Title,
				`action="/claims/` + claimsView[0].ID + `/check"`, `action="/claims/` + claimsView[0].ID + `/reject"`,
				"240,00 €", "Nachzahlung laut Beschluss", `href="/volunteers/` + vols[2].ID.Hex() + `/allowance?year=2026"`},
			wantIn: map[string][]string{
				"de": {"Als sachlich richtig vermerkt.", "eingereicht", "länger als üblich", "Bus und Bahn", "Sachlich richtig",
					"Deutschlandticket 03/2026: 63,00 €", "hätten 64,20 € gekostet", "Einzelfahrschein wäre 11,50 €", "eigenes Deutschlandticket",
					"Übungsleiterpauschale (§ 3 Nr. 26 EStG), 2026", "Weitere Aufwandsentschädigung erfassen",
					"Sie haben diese Abrechnung sachlich geprüft", "fehlt noch"},
				"en": {"Marked as checked.", "submitted", "longer than usual", "bus and train", "Checked", "trainer allowance (§ 3 Nr. 26 EStG), 2026",
					"You checked this claim", "missing",
					"Deutschlandticket 03/2026: 63,00 €", "would have cost 64,20 €", "single ticket would be 11,50 €", "ticket 14,90 €"},
			}},
		pageCase{name: "released", page: "claim_list", path: "/claims", titleKey: "claims.title", user: f.accountant,
			data: claimListPage{Rows: released, Filter: "all", Failed: released[0].ID}, errs: map[string]string{"reason": "field.required"},
			want: []string{"9,90 €", `action="/claims/` + released[0].ID + `/reverse"`, `href="#f-reason-` + released[0].ID + `"`}},
		pageCase{name: "empty", page: "claim_list", path: "/claims", titleKey: "claims.title", user: f.coord,
			data: claimListPage{Filter: "open"}, wantIn: map[string][]string{"de": {"Keine Abrechnungen"}, "en": {"No claims"}}},
	)

	// The load dashboard as pageVolunteerLoad builds it.
	last := time.Date(2026, 7, 31, 22, 30, 0, 0, time.UTC) // 1 August in Berlin
	busy, idle := *vols[0], *vols[1]
	busy.ActiveAssignments, busy.Capacity, busy.HoursCommitted, busy.MaxHoursPerMonth = 2, 3, 10, 12
	cases = append(cases,
		pageCase{name: "load", page: "volunteer_load", path: "/volunteers/load", titleKey: "load.title", user: f.coord,
			data: loadPage{Active: 12, HighPercent: 80, IdleDays: 90, MunicipalityNames: municipalityNames(tn.Municipalities),
				High: loadRows([]service.LoadRow{{Volunteer: &busy, Load: busy.Load()}}),
				Idle: loadRows([]service.LoadRow{{Volunteer: &idle, LastAssigned: last, IdleDays: 114},
					{Volunteer: vols[2], IdleDays: 95}})},
			want: []string{busy.Name, "2/3", "10/12", "83 %", idle.Name, "2026-08-01", "114", vols[2].Name, "95"},
			wantIn: map[string][]string{
				"de": {"Aktive Ehrenamtliche: 12.", "Stark ausgelastet (ab 80 %)", "Seit 90 Tagen ohne Einsatz", "noch nie"},
				"en": {"Active volunteers: 12.", "Heavily loaded (80 % or more)", "No assignment for 90 days", "never"},
			}},
		pageCase{name: "load, nobody listed", page: "volunteer_load", path: "/volunteers/load", titleKey: "load.title", user: f.admin,
			data: loadPage{Active: 3, HighPercent: 80, IdleDays: 90},
			wantIn: map[string][]string{
				"de": {"Niemand ist stark ausgelastet.", "Alle Aktiven hatten in dieser Zeit einen Einsatz."},
				"en": {"Nobody is heavily loaded.", "Every active volunteer had an assignment in that time."},
			}},
	)

	// The review queue as pageProposalList builds it: one request with a
	// proposed volunteer, an alternative from a run that stored no names and an
	// open slot; the engine's reason code of the second is one the page does not know.
	at := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	factors := domain.Factors{Distance: 0.92, Language: 1, Availability: 0.5, Priority: 1, Load: 0.67, Continuity: 0, Skill: 1}
	review := service.Review{
		Items: []service.ReviewItem{
			{Request: reqs[0], Proposal: &domain.Proposal{Request: reqs[0].ID, Municipality: reqs[0].Municipality, At: at,
				Proposed:     []domain.Candidate{{Volunteer: vols[0].ID, Name: vols[0].Name, Score: 0.873, DistanceKm: 2.35, Factors: factors}},
				Alternatives: []domain.Candidate{{Volunteer: vols[2].ID, Score: 0.41, DistanceKm: 14, Factors: factors}},
				Missing:      1, ReasonCode: "no_language",
				Reason: "1 of 2 slots open: no other volunteer speaks Arabic or Persian within 25 km"}},
			{Request: reqs[1], Proposal: &domain.Proposal{Request: reqs[1].ID, Municipality: reqs[1].Municipality, At: at,
				Missing: 1, ReasonCode: "moon_phase", Reason: "no volunteer is free under a full moon"}},
		},
		Decisions: map[string]*domain.Match{domain.MatchID(reqs[0].ID, vols[0].ID): {
			Request: reqs[0].ID, Volunteer: vols[0].ID, Status: domain.MatchApproved}},
	}
	cases = append(cases,
		pageCase{name: "full", page: "proposal_list", path: "/proposals", titleKey: "proposal.list.title", user: f.coord,
			data: proposalListPage{Rows: proposalRows(review, tn.Municipalities), Ran: true},
			want: []string{reqs[0].Title, `href="/requests/` + reqs[0].ID.Hex() + `"`, vols[0].Name, "Lörrach",
				"no other volunteer speaks Arabic", "no volunteer is free under a full moon", "<details>", "92 %"},
			wantIn: map[string][]string{
				"de": {"Passung 87 %", "2.4 km entfernt", "Entfernung", "Sprache", "Kontinuität", "Name nicht gespeichert",
					"Niemand mit der passenden Sprache", "Nicht alle Plätze besetzt", "Vorschläge berechnen",
					"Die Vorschläge wurden neu berechnet.", "bestätigt", "Stattdessen wählen", "Interessenkonflikt"},
				"en": {"fit 87 %", "2.4 km away", "Distance", "Language", "Continuity", "name not stored",
					"Nobody with the right language", "Not all places filled", "Compute proposals",
					"approved", "Choose instead", "conflict of interest"},
			}},
		pageCase{name: "empty", page: "proposal_list", path: "/proposals", titleKey: "proposal.list.title", user: f.admin,
			data:   proposalListPage{},
			wantIn: map[string][]string{"de": {"Noch keine Vorschläge"}, "en": {"No proposals yet"}}},
	)

	sent := time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)
	outbox := []store.OutboxMessage{
		{Key: "confirm:" + vols[1].ID.Hex(), To: vols[1].Email, Subject: "Bitte bestätigen Sie Ihre Anmeldung bei Lotse",
			Text: "Hallo Jürgen Müller,\n\nhttps://lotse.example.org/signup/confirm?id=1&exp=2&sig=3", Lang: "de",
			Status: store.OutboxPending, CreatedAt: sent, NextAttemptAt: sent.Add(4 * time.Minute), Attempts: 2,
			LastError: `mail: temporary failure sending "confirm:1" at RCPT TO: 451 <[recipient]>: try later`},
		{Key: "offer:" + vols[0].ID.Hex(), To: vols[0].Email, Subject: "Eine Anfrage für Sie", Text: "Hallo Ayşe,",
			Lang: "de", Status: store.OutboxSending, CreatedAt: sent, NextAttemptAt: sent, ClaimedUntil: sent.Add(2 * time.Minute),
			Attempts: 1, Attachments: []store.OutboxFile{{Name: "termin.ics", ContentType: "text/calendar; method=REQUEST"}}},
		{Key: "offer:" + vols[2].ID.Hex(), To: vols[2].Email, Subject: "Eine Anfrage für Sie", Text: "Hallo Olga,",
			Lang: "uk", Status: store.OutboxFailed, CreatedAt: sent, NextAttemptAt: sent, FailedAt: sent.Add(6 * time.Hour),
			Attempts: 8, LastError: `mail: permanent failure sending "offer:2" at RCPT TO: 550 <[recipient]>: no such user`},
	}
	cases = append(cases,
		pageCase{name: "mail", page: "outbox", path: "/admin/outbox", titleKey: "outbox.title", user: f.admin,
			data: outboxPage{Rows: outboxRows(outbox), Done: "outbox.resent"},
			want: []string{vols[1].Email, "14.03.2026 11:05", "sig=3", "14.03.2026 11:09", "14.03.2026 11:07", "14.03.2026 17:05",
				"451 <[recipient]>: try later", "550 <[recipient]>: no such user", "termin.ics",
				`action="/admin/outbox/offer:` + vols[2].ID.Hex() + `/resend"`, `name="csrf" value="csrf-token-for-the-render-test"`},
			wantIn: map[string][]string{
				"de": {"Wartet auf Versand", "Wird gesendet", "Fehlgeschlagen", "Nächster Versuch", "Letzter Fehler",
					"Aufgegeben am", "Erneut senden", "Die E-Mail wird erneut gesendet."},
				"en": {"Waiting to be sent", "Being sent", "Failed", "Next attempt", "Last error", "Given up on",
					"Send again", "The email will be sent again."},
			}},
		pageCase{name: "empty", page: "outbox", path: "/admin/outbox", titleKey: "outbox.title", user: f.admin,
			data: outboxPage{}, wantIn: map[string][]string{"de": {"Keine wartenden E-Mails."}, "en": {"No waiting emails."}}},
	)

	// The jobs page as pageJobs builds it: a nightly job with a run in every
	// state and trigger, a job off its schedule, and the runs of a job the
	// catalog no longer has.
	jnow := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	night := time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC)
	jobRuns := []store.JobRun{
		{Key: "nightly_proposals:manual:1773482340", Job: "nightly_proposals", Kind: service.JobManual, Replica: "lotse-2:41",
			ScheduledAt: jnow.Add(-time.Minute), StartedAt: jnow.Add(-time.Minute), HeartbeatAt: jnow.Add(-20 * time.Second)},
		{Key: "nightly_proposals:2026-03-14T01:30:00Z", Job: "nightly_proposals", Kind: service.JobScheduled, Replica: "lotse-1:17",
			ScheduledAt: night, StartedAt: night.Add(40 * time.Millisecond), HeartbeatAt: night.Add(1274 * time.Millisecond),
			EndedAt: night.Add(1274 * time.Millisecond), Count: 17},
		{Key: "nightly_proposals:2026-03-13T01:30:00Z", Job: "nightly_proposals", Kind: service.JobCatchUp, Replica: "lotse-1:17",
			ScheduledAt: night.Add(-24 * time.Hour), StartedAt: night.Add(-20 * time.Hour), HeartbeatAt: night.Add(-20 * time.Hour),
			EndedAt: night.Add(-20 * time.Hour), Error: "store: list tenants: connection refused"},
		{Key: "nightly_proposals:2026-03-12T01:30:00Z", Job: "nightly_proposals", Kind: service.JobScheduled, Replica: "lotse-3:9",
			ScheduledAt: night.Add(-48 * time.Hour), StartedAt: night.Add(-48 * time.Hour), HeartbeatAt: night.Add(-48 * time.Hour)},
		{Key: "old_digest:2026-03-01T06:00:00Z", Job: "old_digest", Kind: service.JobScheduled, Replica: "lotse-1:17",
			ScheduledAt: night.Add(-13 * 24 * time.Hour), StartedAt: night.Add(-13 * 24 * time.Hour),
			HeartbeatAt: night.Add(-13 * 24 * time.Hour), EndedAt: night.Add(-13 * 24 * time.Hour), Count: 3},
	}
	jobInfos := []service.JobInfo{{Name: "nightly_proposals", Spec: "0 30 2 * * *", Next: night.Add(24 * time.Hour)},
		{Name: "test_tick", Spec: "off"}}
	cases = append(cases,
		pageCase{name: "runs", page: "jobs", path: "/admin/jobs", titleKey: "jobs.title", user: f.admin,
			data: jobsPage{Jobs: jobRows(jobInfos, jobRuns, jnow), Started: "nightly_proposals"},
			want: []string{"nightly_proposals", "0 30 2 * * *", "2026-03-15 02:30:00", "2026-03-14 02:30:00", "1.234s", "<td>17</td>",
				"store: list tenants: connection refused", "lotse-3:9", "old_digest", `action="/admin/jobs/nightly_proposals/run"`,
				`action="/admin/jobs/test_tick/run"`},
			wantIn: map[string][]string{
				"de": {"läuft", "erfolgreich", "fehlgeschlagen", "abgebrochen (Server ausgefallen)", "von Hand", "planmäßig", "nachgeholt",
					"abgeschaltet (nur von Hand)", "nicht mehr im Katalog", "Die Aufgabe nightly_proposals wurde gestartet."},
				"en": {"running", "succeeded", "failed", "abandoned (server gone)", "by hand", "scheduled", "caught up",
					"off (by hand only)", "no longer in the catalog", "The job nightly_proposals has started."},
			}},
		pageCase{name: "none", page: "jobs", path: "/admin/jobs", titleKey: "jobs.title", user: f.admin, data: jobsPage{},
			wantIn: map[string][]string{"de": {"Es sind keine Aufgaben eingerichtet."}, "en": {"No jobs are configured."}}},
	)

	// Payout settings and batches as the payout handlers build them.
	settings := &domain.PayoutSettings{DebtorName: "Landratsamt Lörrach", IBAN: "DE68210501700012345678", Consultant: 29098,
		Client: 55003, AccountLength: 4, TravelAccount: "4660", AllowanceAccount: "4190", ContraAccount: "1360",
		CostCentres: map[string]string{"08336050": "KST-LOE"}, RateTable: "bayern"}
	payoutAt := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	batch := &domain.Payout{ID: domain.NewID(payoutAt), Tenant: tn.ID, Seq: 7, Status: domain.PayoutReady,
		ExecutionDate: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), CreatedBy: f.accountant.ID, CreatedAt: payoutAt,
		Claims: []domain.ID{domain.NewID(payoutAt), domain.NewID(payoutAt)}, TotalCents: 12660,
		Transfers: []domain.PayoutTransfer{{Volunteer: vols[0].ID, EndToEndID: "L7-" + vols[0].ID.Hex(), AmountCents: 12660,
			Claims: []domain.ID{domain.NewID(payoutAt)}}},
		Skipped: []domain.PayoutSkip{{Volunteer: vols[1].ID, Reason: domain.SkipNoBankDetails, AmountCents: 500},
			{Volunteer: vols[2].ID, Reason: domain.SkipNetNegative, AmountCents: -300}},
		Files: []domain.PayoutFile{{Name: domain.PayoutPain001, Filename: "Lotse_Auszahlung_000007_pain.001.xml", SHA256: "ab12", Size: 2048},
			{Name: domain.PayoutDATEV, Filename: "EXTF_Lotse_Auszahlung_000007.csv", SHA256: "cd34", Size: 4096},
			{Name: domain.PayoutCSV, Filename: "Lotse_Auszahlung_000007.csv", SHA256: "ef56", Size: 512}},
		Downloads: []domain.PayoutDownload{{File: domain.PayoutPain001, By: f.accountant.ID, At: payoutAt.Add(time.Hour)}}}
	cases = append(cases,
		pageCase{name: "saved", page: "payout_settings", path: "/admin/payout", titleKey: "payout.settings.title", user: f.admin,
			data:   payoutSettingsPage{Form: settingsForm(settings), Municipalities: tn.Municipalities, RateTables: domain.RateTables, Saved: true},
			want:   []string{"DE68 2105 0170 0012 3456 78", "KST-LOE", `name="kost_08336006"`, "29098"},
			wantIn: map[string][]string{"de": {"Die Einstellungen sind gespeichert.", "Bayern (BayRKG)"}, "en": {"The settings are saved."}}},
		pageCase{name: "invalid", page: "payout_settings", path: "/admin/payout", titleKey: "payout.settings.title", user: f.admin,
			data: payoutSettingsPage{Form: payoutSettingsForm{IBAN: "DE00 1234", Consultant: "12"}, Municipalities: tn.Municipalities, RateTables: domain.RateTables},
			errs: map[string]string{"iban": "field.payout.iban", "consultant": "field.payout.consultant", "debtor_name": "field.required",
				"rate_table": "field.choice.unknown"},
			wantIn: map[string][]string{"de": {"Diese IBAN ist ungültig."}, "en": {"This IBAN is not valid."}}},
		pageCase{name: "admin", page: "rates", path: "/admin/rates", titleKey: "rates.title", user: f.admin,
			data: ratesPage{Preset: "brkg", Base: toRateRow(accounting.BRKG(), "", "Kreistag 2026"), CanEdit: true, Saved: true,
				Tables: []rateRow{func() rateRow {
					t := accounting.Bayern()
					t.Name, t.ValidFrom = "Kreistag 2026", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
					r := toRateRow(t, "2026-11-01", "Kreistag 2026")
					r.Started, r.Deletable = true, true
					return r
				}()},
				Form: formOf(accounting.Hessen()), Presets: domain.RateTables, DTicketPrice: "63,00 €"},
			want:   []string{"BRKG § 5", "0,20 €/km", "130,00 €", "01.11.2026", `action="/admin/rates/2026-11-01/delete"`, `value="0,21"`, `value="0,35"`, "63,00 €"},
			wantIn: map[string][]string{"de": {"gilt heute", "Mit einer Vorlage beginnen"}, "en": {"in force today", "Start from a preset"}}},
		pageCase{name: "accountant reads", page: "rates", path: "/admin/rates", titleKey: "rates.title", user: f.accountant,
			data:   ratesPage{Preset: "bayern", Base: toRateRow(accounting.Bayern(), "", "BayRKG Art. 6"), Problem: "rates.used"},
			want:   []string{"BayRKG Art. 6", "0,40 €/km", "0,02 €/km"},
			wantIn: map[string][]string{"de": {"kann nicht mehr gelöscht werden"}, "en": {"can no longer be deleted"}}},
		pageCase{name: "invalid", page: "rates", path: "/admin/rates", titleKey: "rates.title", user: f.admin,
			data: ratesPage{Preset: "brkg", Base: toRateRow(accounting.BRKG(), "", "BRKG § 5"), CanEdit: true,
				Form: ratesForm{ValidFrom: "2020-01-01", Car: "viel", RaisedCar: "0,10"}, Presets: domain.RateTables},
			errs: map[string]string{"valid_from": "field.rates.too_early", "name": "field.required", "car": "field.rates.rate",
				"raised_car": "field.rates.raised_low"},
			want:   []string{`value="viel"`, `href="#f-car"`},
			wantIn: map[string][]string{"de": {"mehr als sechs Monate zurück"}, "en": {"more than six months ago"}}},
		pageCase{name: "accountant", page: "payout_list", path: "/payouts", titleKey: "payout.list.title", user: f.accountant,
			data: payoutListPage{Items: []payoutRow{toPayoutRow(batch)}, CanCreate: true, Date: "2026-03-16"},
			want: []string{`action="/payouts"`, "126,60 €", "16.03.2026", `href="/payouts/` + batch.ID.Hex() + `"`}},
		pageCase{name: "admin, empty", page: "payout_list", path: "/payouts", titleKey: "payout.list.title", user: f.admin,
			data:   payoutListPage{Problem: "payout.settings_missing"},
			wantIn: map[string][]string{"de": {"Es gibt noch keine Auszahlungen.", "unvollständig"}, "en": {"There are no payouts yet."}}},
		pageCase{name: "bad date", page: "payout_list", path: "/payouts", titleKey: "payout.list.title", user: f.accountant,
			data: payoutListPage{CanCreate: true, Date: "2026-01-01"}, errs: map[string]string{"execution_date": "field.payout.date_past"}},
		pageCase{name: "downloaded", page: "payout_show", path: "/payouts/" + batch.ID.Hex(), title: "Auszahlung Nr. 7", user: f.accountant,
			data: toPayoutShow(batch),
			want: []string{"ab12", "L7-" + vols[0].ID.Hex(), "/payouts/" + batch.ID.Hex() + "/datev.csv", "126,60 €", "-3,00 €"},
			wantIn: map[string][]string{"de": {"Bereits heruntergeladen am 14.03.2026 12:00", "Keine Bankverbindung hinterlegt"},
				"en": {"Already downloaded on 14.03.2026 12:00", "No bank details on file"}}},
	)

	// The volunteer's offer as pageOfferShow and pageOfferAnswer build it: open
	// with a date, open with weekly times, just accepted, declined before and
	// now refused, closed meanwhile. Nobody is signed in.
	link := service.OfferLink{Request: reqs[0].ID.Hex(), Volunteer: vols[0].ID.Hex(), Exp: "1775000000", Sig: "c2lnbmF0dXJl"}
	offer := func(r *domain.HelpRequest, st domain.MatchStatus) offerPage {
		return offerView(&service.Offer{Match: &domain.Match{Request: r.ID, Volunteer: vols[0].ID, Status: st},
			Request: r, Municipality: "Lörrach", Volunteer: vols[0].Name}, link)
	}
	accepted := offer(reqs[0], domain.MatchAccepted)
	accepted.Done = string(domain.MatchAccepted)
	answered := offer(reqs[0], domain.MatchDeclined)
	answered.Alert = service.ErrOfferAnswered.Key
	closed := offer(reqs[3], domain.MatchWithdrawn)
	closed.Alert = service.ErrOfferClosed.Key
	hidden := []string{`name="r" value="` + link.Request + `"`, `name="v" value="` + link.Volunteer + `"`,
		`name="exp" value="1775000000"`, `name="sig" value="c2lnbmF0dXJl"`, `name="csrf" value="csrf-token-for-the-render-test"`}
	cases = append(cases,
		pageCase{name: "open date", page: "offer", path: "/offers", titleKey: "offer.title", data: offer(reqs[0], domain.MatchApproved),
			want: append([]string{vols[0].Name, reqs[0].Title, "Lörrach", "2026-04-02", `action="/offers/accept"`,
				`action="/offers/decline"`, `maxlength="500"`}, hidden...),
			wantIn: map[string][]string{
				"de": {"Hallo Ayşe Yılmaz,", "Rechtsberatung", "um 09:30 Uhr", "Wartet auf Ihre Antwort", "Ja, ich helfe gern",
					"Nein, diesmal nicht", "Grund (freiwillig)", "Höchstens 500 Zeichen"},
				"en": {"Hello Ayşe Yılmaz,", "Legal help", "at 09:30", "Waiting for your answer", "Yes, I am glad to help",
					"No, not this time", "Reason (optional)", "At most 500 characters"},
			}},
		pageCase{name: "expired", page: "offer", path: "/offers", titleKey: "offer.title", data: offer(reqs[0], domain.MatchExpired),
			wantIn: map[string][]string{
				"de": {"Wir haben rechtzeitig keine Antwort bekommen"},
				"en": {"We did not hear from you in time"},
			}},
		pageCase{name: "open slots", page: "offer", path: "/offers", titleKey: "offer.title", data: offer(reqs[1], domain.MatchApproved),
			want: []string{reqs[1].Title, `action="/offers/accept"`},
			wantIn: map[string][]string{
				"de": {"Hausaufgabenhilfe", "Dienstag nachmittags (12–17 Uhr), Donnerstag nachmittags (12–17 Uhr)"},
				"en": {"Homework help", "Tuesday afternoons (12–5 pm), Thursday afternoons (12–5 pm)"},
			}},
		pageCase{name: "accepted", page: "offer", path: "/offers/accept", titleKey: "offer.title", data: accepted,
			want: []string{reqs[0].Title},
			wantIn: map[string][]string{
				"de": {"Zugesagt – vielen Dank!", "Sie haben zugesagt."},
				"en": {"Accepted – thank you!", "You accepted."},
			}},
		pageCase{name: "answered", page: "offer", path: "/offers/accept", titleKey: "offer.title", data: answered,
			wantIn: map[string][]string{
				"de": {"Sie haben auf dieses Angebot bereits geantwortet.", "Sie haben abgesagt."},
				"en": {"You have already answered this offer.", "You declined."},
			}},
		pageCase{name: "closed", page: "offer", path: "/offers/accept", titleKey: "offer.title", data: closed,
			want: []string{reqs[3].Title},
			wantIn: map[string][]string{
				"de": {"Diese Anfrage ist inzwischen geschlossen.", "Die Anfrage wurde inzwischen geschlossen."},
				"en": {"This request has been closed meanwhile.", "The request has been closed meanwhile."},
			}},
	)
	return append(cases, portalPageCases(f)...)
}

// signupView is Handler.signupView without the service: the municipalities
// sharing the postal code come from the caller.
func signupView(in domain.SignupInput, munis []domain.Municipality) signupPage {
	rows := make([]domain.LanguageSkill, languageRows)
	copy(rows, in.Languages)
	if len(in.Languages) == 0 {
		rows[0] = domain.LanguageSkill{Code: "de"}
	}
	return signupPage{Form: in, LanguageRows: rows, Municipalities: munis}
}

// requestShow is the page data of showRequest.
func requestShow(r *domain.HelpRequest, tn *domain.Tenant, chosen string) requestShowPage {
	v := requestShowPage{
		Request: r, MunicipalityName: municipalityNames(tn.Municipalities)[r.Municipality],
		Created: requestTime(r.CreatedAt), Updated: requestTime(r.UpdatedAt), Chosen: chosen,
	}
	for _, s := range requestStatuses {
		if r.Status.CanMove(s) {
			v.NextStatuses = append(v.NextStatuses, s)
		}
	}
	return v
}

// strictPages returns the parsed pages set to fail on a missing map key (the
// error and confirm pages get maps), which would otherwise render as nothing.
func strictPages(t *testing.T, ps *pageSet) *pageSet {
	t.Helper()
	out := &pageSet{t: ps.t, pages: map[string]*template.Template{}}
	for name, tpl := range ps.pages {
		c, err := tpl.Clone()
		if err != nil {
			t.Fatal(err)
		}
		out.pages[name] = c.Option("missingkey=error")
	}
	return out
}

// testEngine returns the engine test contexts are made from, in the mode
// Router uses, which also keeps gin's debug warnings out of the test output.
func testEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	return gin.New()
}

var (
	titleTag    = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	placeholder = regexp.MustCompile(`\{[a-z_]+\}`)
	markup      = regexp.MustCompile(`(?s)<[^>]*>`)
)

// TestRenderPages renders every page in every language the way render does in
// production and fails on template errors, untranslated keys, unfilled
// placeholders and an empty <title>.
func TestRenderPages(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parsePages(tr)
	if err != nil {
		t.Fatal(err)
	}
	strict := strictPages(t, ps)
	findKeys := tr.RawKeys
	engine := testEngine()
	cases := pageCases(t, newRenderFixture())

	for _, name := range ps.Names() {
		if !slices.ContainsFunc(cases, func(c pageCase) bool { return c.page == name }) {
			t.Errorf("page %s has no case in pageCases: add one with realistic data", name)
		}
	}
	for _, pc := range cases {
		for _, lang := range tr.Langs() {
			name := pc.page + "/" + lang
			if pc.name != "" {
				name = pc.page + "/" + pc.name + "/" + lang
			}
			t.Run(name, func(t *testing.T) {
				var logs bytes.Buffer
				h := &Handler{T: tr, Log: slog.New(slog.NewTextHandler(&logs, nil)), pages: strict}
				w := httptest.NewRecorder()
				c := gin.CreateTestContextOnly(w, engine)
				c.Request = httptest.NewRequest(http.MethodGet, pc.path, nil)
				c.Set(ctxRequestID, "0123456789abcdef")
				c.Set(ctxLang, lang)
				c.Set(ctxCSRF, "csrf-token-for-the-render-test")
				if pc.user != nil {
					c.Set(ctxUser, pc.user)
				}
				if pc.me != nil {
					c.Set(ctxVolunteer, pc.me)
				}
				title := pc.title
				if pc.titleKey != "" {
					title = tr.T(lang, pc.titleKey)
				}

				h.render(c, http.StatusOK, pc.page, title, pc.data, pc.errs)

				if w.Code != http.StatusOK || logs.Len() > 0 {
					t.Fatalf("status %d, log: %s", w.Code, logs.String())
				}
				body := w.Body.String()
				m := titleTag.FindStringSubmatch(body)
				switch {
				case m == nil:
					t.Error("no <title>")
				case strings.TrimSpace(html.UnescapeString(m[1])) == "":
					t.Error("empty <title>")
				case !strings.Contains(html.UnescapeString(m[1]), title):
					t.Errorf("<title>%s</title> lacks the page title %q", m[1], title)
				}
				if !strings.Contains(body, `<html lang="`+lang+`" dir="ltr">`) {
					t.Errorf(`page lacks <html lang="%s" dir="ltr">`, lang)
				}
				// Text and attribute values alike: a raw key in an aria-label
				// is as wrong as one in a heading.
				plain := html.UnescapeString(body)
				if keys := findKeys(plain); len(keys) > 0 {
					t.Errorf("page shows untranslated keys %q", slices.Compact(keys))
				}
				if p := placeholder.FindAllString(plain, -1); len(p) > 0 {
					t.Errorf("page has unfilled placeholders %q", p)
				}
				if strings.Contains(plain, "<no value>") {
					t.Error("page shows <no value>")
				}
				text := html.UnescapeString(markup.ReplaceAllString(body, " "))
				for _, want := range append(slices.Clip(pc.want), pc.wantIn[lang]...) {
					if !strings.Contains(plain, want) {
						t.Errorf("page lacks %q; its text:\n%s", want, strings.Join(strings.Fields(text), " "))
					}
				}
				for field, key := range pc.errs {
					if msg := tr.T(lang, key); !strings.Contains(plain, msg) {
						t.Errorf("error for %s (%s) not shown: %q", field, key, msg)
					}
				}
			})
		}
	}
}

// TestRenderPagesStrictness makes sure the strict templates catch what the
// production ones would render as nothing: a key missing from a page's map.
func TestRenderPagesStrictness(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parsePages(tr)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &Handler{T: tr, Log: slog.New(slog.NewTextHandler(&logs, nil)), pages: strictPages(t, ps)}
	w := httptest.NewRecorder()
	c := gin.CreateTestContextOnly(w, testEngine())
	c.Request = httptest.NewRequest(http.MethodGet, "/signup/confirm", nil)
	h.render(c, http.StatusOK, "confirm", "x", map[string]string{"Nmae": "typo"}, nil)
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "Name") {
		t.Errorf("confirm page without Name: status %d, log %q; want a render error", w.Code, logs.String())
	}
}

// Package demo loads a realistic, deterministic demo tenant: Landkreis Lörrach
// with the six municipalities of the GVV Vorderes Kandertal plus Lörrach and Weil
// am Rhein, about 200 volunteers, 60 requests and one user per role, so a
// newcomer can click through at once.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"lotse/domain"
	"lotse/service"
)

// Seed makes the demo the same on every machine.
const Seed = 20261123

// Sizes of the demo.
const (
	Volunteers = 200
	Requests   = 60
)

// Login is a demo user to print at start.
type Login struct {
	Role     domain.Role
	Email    string
	Password string
}

// municipality AGS codes of Landkreis Lörrach (Kreis 08336) and their postal codes.
var municipalities = []struct {
	domain.Municipality
	weight int // roughly the population in thousands, to place people plausibly
}{
	{domain.Municipality{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}}, 3},
	{domain.Municipality{AGS: "08336019", Name: "Eimeldingen", PLZ: []string{"79591"}}, 3},
	{domain.Municipality{AGS: "08336024", Name: "Fischingen", PLZ: []string{"79592"}}, 1},
	{domain.Municipality{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}}, 49},
	{domain.Municipality{AGS: "08336073", Name: "Rümmingen", PLZ: []string{"79595"}}, 2},
	{domain.Municipality{AGS: "08336078", Name: "Schallbach", PLZ: []string{"79597"}}, 1},
	{domain.Municipality{AGS: "08336091", Name: "Weil am Rhein", PLZ: []string{"79576"}}, 30},
	{domain.Municipality{AGS: "08336105", Name: "Wittlingen", PLZ: []string{"79599"}}, 1},
}

// kandertal are the GVV Vorderes Kandertal's municipalities: the demo
// coordinator's area.
var kandertal = []string{"08336006", "08336019", "08336024", "08336073", "08336078", "08336105"}

// The demo logins. They are printed at start and only ever used for the demo.
var logins = []struct {
	role  domain.Role
	email string
	munis []string
}{
	{domain.RoleAdmin, "admin@demo.lotse.example", nil},
	{domain.RoleCoordinator, "koordination@demo.lotse.example", kandertal},
	{domain.RoleAccountant, "kasse@demo.lotse.example", nil},
}

func demoPassword(r domain.Role) string { return "demo-" + string(r) + "-2026" }

// LoadIfEmpty loads the demo when the database has no tenant yet and returns the
// logins; on a database with tenants it does nothing and returns none.
func LoadIfEmpty(ctx context.Context, svc *service.Service) ([]Login, error) {
	ts, err := svc.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	if len(ts) > 0 {
		return nil, nil
	}
	return Load(ctx, svc)
}

// Load creates the demo tenant, its users, volunteers and requests.
func Load(ctx context.Context, svc *service.Service) ([]Login, error) {
	r := rand.New(rand.NewPCG(Seed, Seed))
	now := svc.Now().Truncate(time.Second)
	t := &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Contact: "ehrenamt@loerrach-landkreis.example · 07621 410-0"}
	for _, m := range municipalities {
		t.Municipalities = append(t.Municipalities, m.Municipality)
	}
	if err := svc.Store.CreateTenant(ctx, t); err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	var out []Login
	users := map[domain.Role]domain.ID{}
	for _, l := range logins {
		pw := demoPassword(l.role)
		u, err := svc.AddUser(ctx, t.Slug, domain.UserInput{Email: l.email, Role: l.role, Municipalities: l.munis, Password: pw})
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", l.role, err)
		}
		users[l.role] = u.ID
		out = append(out, Login{Role: l.role, Email: l.email, Password: pw})
	}
	// A paying account and DATEV numbers, so the demo's accountant can make a
	// payout batch at once (IBAN and numbers are examples).
	if err := svc.Store.SetPayoutSettings(ctx, t.ID, &domain.PayoutSettings{DebtorName: "Landkreis Lörrach",
		IBAN: "DE89370400440532013000", Consultant: 1001, Client: 1, AccountLength: 4, TravelAccount: "4660",
		AllowanceAccount: "4190", ContraAccount: "1800", RateTable: "brkg",
		CostCentres: map[string]string{"08336050": "31.50.01-LOE", "08336006": "31.50.02-GVV", "08336019": "31.50.02-GVV"}}); err != nil {
		return nil, fmt.Errorf("payout settings: %w", err)
	}
	// An own rate table from next January, so the rates page shows the
	// history: the preset until then, the Kreistag's decision after.
	next := time.Date(now.Year()+1, time.January, 1, 0, 0, 0, 0, time.UTC)
	if err := svc.Store.SetTravelRates(ctx, t.ID, nil, []domain.TravelRates{{ValidFrom: next.Format(time.DateOnly),
		Name: fmt.Sprintf("Kreistagsbeschluss %d", next.Year()), Car: 250, Motorbike: 200, Bicycle: 100, EBike: 100,
		Passenger: 20, PerTripCapCents: 13000, RaisedCar: 300, RaisedRule: "erhebliches dienstliches Interesse, vorab festgestellt",
		DTicket: true, Source: "Kreistag Lörrach (Beispiel)", CreatedBy: users[domain.RoleAdmin], CreatedAt: now}}); err != nil {
		return nil, fmt.Errorf("rates: %w", err)
	}
	vs := make([]*domain.Volunteer, 0, Volunteers)
	for i := 0; i < Volunteers; i++ {
		vs = append(vs, volunteer(r, svc, t, i, now))
	}
	if err := svc.Store.InsertVolunteers(ctx, vs); err != nil {
		return nil, fmt.Errorf("insert volunteers: %w", err)
	}
	admin := domain.Scope{Tenant: t.ID, Role: domain.RoleAdmin}
	var reqs []domain.ID
	for i := 0; i < Requests; i++ {
		req, err := svc.RegisterRequest(ctx, admin, request(r, i, now))
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i, err)
		}
		reqs = append(reqs, req.ID)
	}
	if err := claims(ctx, svc, t, vs, reqs, users, now); err != nil {
		return nil, err
	}
	return out, nil
}

// claims gives six confirmed volunteers bank details and a travel claim each:
// two to check, two checked by the coordinator for the accountant to release,
// two released and ready for a payout batch.
func claims(ctx context.Context, svc *service.Service, t *domain.Tenant, vs []*domain.Volunteer, reqs []domain.ID,
	users map[domain.Role]domain.ID, now time.Time) error {
	ibans := []string{"DE02120300000000202051", "DE02500105170137075030", "DE02100500000054540402",
		"DE02300209000106531065", "DE02200505501015871393", "DE02370502990000684712"}
	statuses := []domain.ClaimStatus{domain.ClaimSubmitted, domain.ClaimSubmitted, domain.ClaimChecked,
		domain.ClaimChecked, domain.ClaimReleased, domain.ClaimReleased}
	var list []*domain.Claim
	for _, v := range vs {
		if len(list) == len(statuses) || v.Status != domain.VolunteerActive {
			continue
		}
		i := len(list)
		if err := svc.Store.SetBankDetails(ctx, t.ID, v.ID, ibans[i], v.Name); err != nil {
			return fmt.Errorf("bank details: %w", err)
		}
		day := now.AddDate(0, 0, -3-i)
		km := int64(4000 + 2300*i)
		c := &domain.Claim{Tenant: t.ID, Volunteer: v.ID, Request: reqs[i%len(reqs)], Municipality: v.Municipality,
			Kind: domain.ClaimTravel, Status: statuses[i], SubmittedAt: day.Add(20 * time.Hour),
			Trips: []domain.ClaimTrip{{Date: day.Format(time.DateOnly), From: v.PLZ, To: "79539", Metres: km, Mode: "car",
				Purpose: "Begleitung zur Ausländerbehörde", Table: "BRKG", AmountCents: km / 50}}}
		c.AmountCents = c.Trips[0].AmountCents
		if statuses[i] != domain.ClaimSubmitted {
			c.CheckedBy, c.CheckedAt = users[domain.RoleCoordinator], day.Add(40*time.Hour)
		}
		if statuses[i] == domain.ClaimReleased {
			c.ReleasedBy, c.ReleasedAt = users[domain.RoleAccountant], day.Add(60*time.Hour)
		}
		list = append(list, c)
	}
	if err := svc.Store.InsertClaims(ctx, list); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	return nil
}

func pickMunicipality(r *rand.Rand) domain.Municipality {
	total := 0
	for _, m := range municipalities {
		total += m.weight
	}
	n := r.IntN(total)
	for _, m := range municipalities {
		if n -= m.weight; n < 0 {
			return m.Municipality
		}
	}
	return municipalities[0].Municipality
}

// Name pools by background; a person's languages follow their background.
var backgrounds = []struct {
	weight     int
	first      []string
	last       []string
	languages  []string // spoken besides German, first one natively
	germanLvls []string
}{
	{55, []string{"Anna", "Lukas", "Sabine", "Thomas", "Monika", "Jürgen", "Katrin", "Felix", "Ursula", "Matthias", "Lea", "Jonas", "Petra", "Wolfgang", "Heike", "Tobias"},
		[]string{"Müller", "Schmidt", "Meier", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Zimmermann", "Krüger"},
		[]string{"en", "fr", "es", "it"}, []string{"native"}},
	{10, []string{"Ahmad", "Fatima", "Omar", "Layla", "Yusuf", "Mariam", "Khaled", "Nour"},
		[]string{"Al-Hassan", "Haddad", "Khalil", "Mansour", "Nasser", "Saleh"},
		[]string{"ar", "ku", "en"}, []string{"B2", "C1", "C2"}},
	{9, []string{"Olena", "Andrii", "Iryna", "Oleksandr", "Natalia", "Dmytro"},
		[]string{"Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk"},
		[]string{"uk", "ru", "en"}, []string{"B1", "B2", "C1"}},
	{8, []string{"Ayşe", "Mehmet", "Emine", "Mustafa", "Elif", "Can"},
		[]string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik"},
		[]string{"tr", "ku", "en"}, []string{"C1", "C2", "native"}},
	{5, []string{"Ali", "Zahra", "Farid", "Soraya", "Hamid"},
		[]string{"Ahmadi", "Hosseini", "Rahimi", "Karimi"},
		[]string{"prs", "fa", "ps"}, []string{"B1", "B2", "C1"}},
	{4, []string{"Tesfay", "Senait", "Yonas", "Mulu"},
		[]string{"Gebremedhin", "Tesfamariam", "Haile", "Kidane"},
		[]string{"ti", "ar", "en"}, []string{"B1", "B2"}},
	{5, []string{"Svetlana", "Sergej", "Tatjana", "Viktor"},
		[]string{"Iwanow", "Petrow", "Smirnow", "Kusnezow"},
		[]string{"ru", "uk", "en"}, []string{"C1", "C2"}},
	{4, []string{"Ana", "Bogdan", "Agnieszka", "Piotr", "Arben", "Dritan"},
		[]string{"Popescu", "Nowak", "Kowalski", "Hoxha", "Krasniqi"},
		[]string{"ro", "pl", "sq", "bg"}, []string{"B2", "C1"}},
}

var levels = []string{"A2", "B1", "B2", "C1"}

func pickBackground(r *rand.Rand) int {
	total := 0
	for _, b := range backgrounds {
		total += b.weight
	}
	n := r.IntN(total)
	for i, b := range backgrounds {
		if n -= b.weight; n < 0 {
			return i
		}
	}
	return 0
}

// skillWeights make language café, accompaniment and housing common and legal
// help rare, as in practice.
var skillWeights = map[string]int{
	"housing_search": 8, "legal_help": 2, "job_speed_dating": 4, "authority_accompaniment": 10,
	"language_cafe": 10, "homework_help": 7, "interpreting": 5, "mentoring": 7, "training": 3,
	"event_help": 6, "driving": 5,
}

func pickSkill(r *rand.Rand) string {
	total := 0
	for _, s := range domain.Skills {
		total += skillWeights[s]
	}
	n := r.IntN(total)
	for _, s := range domain.Skills {
		if n -= skillWeights[s]; n < 0 {
			return s
		}
	}
	return domain.Skills[0]
}

func volunteer(r *rand.Rand, svc *service.Service, t *domain.Tenant, i int, now time.Time) *domain.Volunteer {
	b := backgrounds[pickBackground(r)]
	first, last := b.first[r.IntN(len(b.first))], b.last[r.IntN(len(b.last))]
	m := pickMunicipality(r)
	plz := m.PLZ[r.IntN(len(m.PLZ))]
	place, _ := svc.Geo.Lookup(plz)
	langs := []domain.LanguageSkill{{Code: "de", Level: b.germanLvls[r.IntN(len(b.germanLvls))]}}
	if b.germanLvls[0] == "native" && len(b.germanLvls) == 1 {
		// German-born volunteers: about half speak one foreign language.
		if r.IntN(2) == 0 {
			langs = append(langs, domain.LanguageSkill{Code: b.languages[r.IntN(len(b.languages))], Level: levels[r.IntN(len(levels))]})
		}
	} else {
		langs = append(langs, domain.LanguageSkill{Code: b.languages[0], Level: "native"})
		if r.IntN(3) == 0 {
			langs = append(langs, domain.LanguageSkill{Code: b.languages[1+r.IntN(len(b.languages)-1)], Level: levels[r.IntN(len(levels))]})
		}
	}
	var skills []string
	for n := 1 + r.IntN(3); len(skills) < n; {
		if s := pickSkill(r); !slices.Contains(skills, s) {
			skills = append(skills, s)
		}
	}
	var slots []string
	all := domain.Slots()
	for n := 2 + r.IntN(5); len(slots) < n; {
		if s := all[r.IntN(len(all))]; !slices.Contains(slots, s) {
			slots = append(slots, s)
		}
	}
	transport := []string{"public_transport"}
	if r.IntN(2) == 0 {
		transport = append(transport, "car")
	}
	if r.IntN(3) == 0 {
		transport = append(transport, "bicycle")
	}
	in, _ := domain.SignupInput{Transport: transport, Skills: skills, Availability: slots}.Clean()
	status := domain.VolunteerActive
	switch n := r.IntN(20); {
	case n < 2:
		status = domain.VolunteerPending
	case n < 3:
		status = domain.VolunteerInactive
	}
	created := now.Add(-time.Duration(1+r.IntN(400*24)) * time.Hour)
	if status == domain.VolunteerPending {
		// Unconfirmed sign-ups are erased after 30 days: keep the demo's fresh.
		created = now.Add(-time.Duration(1+r.IntN(14*24)) * time.Hour)
	}
	v := &domain.Volunteer{
		Tenant: t.ID, Municipality: m.AGS, Name: first + " " + last,
		Email: fmt.Sprintf("%s.%s.%03d@example.org", ascii(first), ascii(last), i),
		PLZ:   plz, Lat: place.Point.Lat, Lon: place.Point.Lon,
		RadiusKm: []int{5, 10, 10, 15, 20, 25, 30}[r.IntN(7)], Transport: in.Transport,
		Languages: langs, Skills: in.Skills, Availability: in.Availability,
		Capacity: 1 + r.IntN(3), MaxHoursPerMonth: []int{4, 8, 8, 12, 16, 20}[r.IntN(6)],
		Neighbouring: r.IntN(3) > 0, PrivacyVersion: t.PrivacyVersion, PrivacyConsentAt: created,
		Locale: "de", Status: status, CreatedAt: created,
	}
	if r.IntN(10) == 0 {
		v.Phone = fmt.Sprintf("07621 %06d", r.IntN(1000000))
	}
	if status != domain.VolunteerPending {
		v.ConfirmedAt = created.Add(time.Duration(1+r.IntN(48)) * time.Hour)
	}
	// Most who help children had their Führungszeugnis inspected at sign-up,
	// so homework help and mentoring find volunteers.
	if status != domain.VolunteerPending && r.IntN(4) > 0 &&
		(slices.Contains(v.Skills, "homework_help") || slices.Contains(v.Skills, "mentoring")) {
		issued := v.ConfirmedAt.AddDate(0, 0, -r.IntN(60))
		yes := true
		b, _ := domain.BackgroundCheckInput{CertificateDate: issued.Format(time.DateOnly),
			InspectedOn: v.ConfirmedAt.Format(time.DateOnly), Suitable: &yes}.Check(now.Format(time.DateOnly))
		v.BackgroundCheck = &b
	}
	return v
}

// ascii makes an email-safe local part from a name.
func ascii(s string) string {
	repl := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue",
		"ş", "s", "Ş", "S", "ç", "c", "Ç", "C", "ı", "i", "İ", "I", "ğ", "g", "-", "")
	s = repl.Replace(s)
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Request titles per category: short, and free of anything sensitive.
var titles = map[string][]string{
	"housing_search":          {"Wohnungssuche für Familie mit drei Kindern", "Begleitung zu Wohnungsbesichtigungen", "Hilfe bei Bewerbung um Sozialwohnung"},
	"legal_help":              {"Fragen zum Familiennachzug", "Hilfe beim Widerspruch gegen Bescheid", "Beratung zur Aufenthaltserlaubnis"},
	"job_speed_dating":        {"Job-Speed-Dating im Rathaus", "Begleitung zum Arbeitgebertag", "Vorbereitung auf Vorstellungsgespräche"},
	"authority_accompaniment": {"Begleitung zur Ausländerbehörde", "Termin beim Jobcenter", "Begleitung zum Bürgerbüro", "Termin bei der Familienkasse"},
	"language_cafe":           {"Sprachcafé dienstags im Gemeindehaus", "Gesprächsrunde Deutsch für Frauen", "Sprachcafé in der Stadtbibliothek"},
	"homework_help":           {"Hausaufgabenhilfe Mathe, 6. Klasse", "Lesepatenschaft Grundschule", "Hausaufgabenhilfe Deutsch, 4. Klasse"},
	"interpreting":            {"Dolmetschen beim Elterngespräch", "Übersetzung beim Arzttermin", "Dolmetschen bei der Schulanmeldung"},
	"mentoring":               {"Patenschaft für junge Familie", "Mentoring für Ausbildungssuchenden", "Alltagsbegleitung für Neuankommende"},
	"training":                {"Fahrradkurs für Erwachsene", "Computerkurs für Anfänger", "Bewerbungstraining"},
	"event_help":              {"Helfer für das Begegnungsfest", "Aufbau Kleiderbörse", "Interkulturelles Kochen"},
	"driving":                 {"Fahrt zum Facharzt nach Freiburg", "Transport Möbelspende", "Fahrdienst zum Sprachkurs"},
}

var requestLanguages = []string{"ar", "uk", "tr", "prs", "fa", "ti", "ru", "ku", "so", "ps"}

func request(r *rand.Rand, i int, now time.Time) domain.RequestInput {
	cat := pickSkill(r)
	m := pickMunicipality(r)
	in := domain.RequestInput{
		Category: cat, Title: titles[cat][r.IntN(len(titles[cat]))], Municipality: m.AGS,
		PLZ: m.PLZ[r.IntN(len(m.PLZ))], Needed: 1, Priority: []int{0, 0, 0, 1, 1, 2, 3}[r.IntN(7)],
		BeneficiaryRef: fmt.Sprintf("LÖ-2026-%04d", 100+i),
	}
	if cat == "language_cafe" || cat == "event_help" || cat == "job_speed_dating" {
		in.Needed = 2 + r.IntN(3)
	}
	if cat != "language_cafe" && cat != "event_help" && r.IntN(5) > 0 {
		in.LanguagesAny = []string{requestLanguages[r.IntN(len(requestLanguages))]}
		if r.IntN(3) == 0 {
			in.LanguagesAny = append(in.LanguagesAny, "en")
		}
	}
	all := domain.Slots()
	if r.IntN(2) == 0 {
		in.Date = now.AddDate(0, 0, 3+r.IntN(40)).Format(time.DateOnly)
		in.Time = fmt.Sprintf("%02d:%02d", 8+r.IntN(10), []int{0, 15, 30, 45}[r.IntN(4)])
	} else {
		for n := 1 + r.IntN(3); len(in.Slots) < n; {
			if s := all[r.IntN(len(all))]; !slices.Contains(in.Slots, s) {
				in.Slots = append(in.Slots, s)
			}
		}
	}
	if cat == "legal_help" {
		in.Lawyer = &domain.Lawyer{Name: "RAin Dr. Claudia Vogt", Contact: "Kanzlei Vogt, Lörrach, 07621 123456"}
	}
	return in
}

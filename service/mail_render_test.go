package service

import (
	"html"
	htmltemplate "html/template"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"lotse/domain"
	"lotse/templates"
)

// mailFixture is a realistic volunteer of a realistic tenant, as SignUp has them
// at hand when it queues a mail.
func mailFixture() (*domain.Volunteer, *domain.Tenant) {
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tenant := &domain.Tenant{
		ID: domain.NewID(now), Slug: "muellheim", Name: "Gemeindeverwaltungsverband Müllheim-Badenweiler",
		Kind: domain.KindVerband, PrivacyVersion: "2026-01", CreatedAt: now, Contact: "ehrenamt@muellheim.example, 07631 801-0",
		Municipalities: []domain.Municipality{
			{AGS: "08315074", Name: "Müllheim im Markgräflerland", PLZ: []string{"79379"}},
			{AGS: "08315008", Name: "Badenweiler", PLZ: []string{"79410"}},
		},
	}
	v := &domain.Volunteer{
		ID: domain.NewID(now), Tenant: tenant.ID, Municipality: "08315074",
		Name: "Ayşe Nur Yılmaz-O'Brien", Email: "ayse.yilmaz@example.org", Phone: "+49 7631 123456",
		PLZ: "79379", RadiusKm: 15, Transport: []string{"bicycle", "public_transport"},
		Languages:    []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: "tr", Level: "native"}, {Code: "en", Level: "B2"}},
		Skills:       []string{"interpreting", "authority_accompaniment"},
		Availability: []string{"mon_am", "wed_eve"}, Capacity: 2, MaxHoursPerMonth: 12,
		PrivacyVersion: tenant.PrivacyVersion, PrivacyConsentAt: now, Locale: "de",
		Status: domain.VolunteerPending, CreatedAt: now, UpdatedAt: now,
	}
	return v, tenant
}

// strictMails returns copies of m's templates set to fail on a missing map key, so a
// template field the data lacks is an error instead of "<no value>" in the text
// and nothing at all in the HTML.
func strictMails(t *testing.T, m *mailTemplates) *mailTemplates {
	t.Helper()
	out := &mailTemplates{t: m.t, text: map[string]*template.Template{}, html: map[string]*htmltemplate.Template{}}
	for name, tt := range m.text {
		c, err := tt.Clone()
		if err != nil {
			t.Fatal(err)
		}
		out.text[name] = c.Option("missingkey=error")
	}
	for name, ht := range m.html {
		c, err := ht.Clone()
		if err != nil {
			t.Fatal(err)
		}
		out.html[name] = c.Option("missingkey=error")
	}
	return out
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// TestRenderMails renders every mail in every language with the data SignUp
// gives it and checks the result is complete: no error, a subject, both bodies,
// no raw key or placeholder, and the volunteer's details where they belong.
func TestRenderMails(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(nil, nil, tr, slog.New(slog.DiscardHandler), "https://lotse.example.org", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	s.mails = strictMails(t, s.mails)
	// A fixed clock, so the link in the data and the one expected are the same.
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	findKeys := tr.RawKeys

	v, tenant := mailFixture()
	confirm := s.confirmData(v)
	offer := &Offer{Match: &domain.Match{AnswerReason: "Ich bin im Dezember verreist."}, Volunteer: v.Name, Municipality: "Müllheim im Markgräflerland", Request: &domain.HelpRequest{
		Category: "authority_accompaniment", Title: "Begleitung Ausländerbehörde", Slots: []string{"mon_am", "wed_eve"}}}
	// Each mail, its data exactly as the service builds it, and what must show.
	cases := map[string]struct {
		data func() map[string]any
		want []string
	}{
		"signup_confirm": {
			data: func() map[string]any { return s.confirmData(v) },
			want: []string{v.Name, confirm["Link"].(string), "72"},
		},
		"already_registered": {
			data: func() map[string]any { return alreadyRegisteredData(v, tenant) },
			want: []string{v.Name, tenant.Name},
		},
		"offer": {
			data: func() map[string]any {
				return offerData(offer, "https://lotse.example.org/offers?r=1", "https://lotse.example.org/me/login")
			},
			want: []string{v.Name, "Müllheim im Markgräflerland", "https://lotse.example.org/offers?r=1", "7",
				"https://lotse.example.org/me/login"},
		},
		"offer_declined": {
			data: func() map[string]any { return declinedData(offer, "https://lotse.example.org/proposals") },
			want: []string{"Begleitung Ausländerbehörde", "Müllheim im Markgräflerland", "Ich bin im Dezember verreist."},
		},
		"offer_reminder": {
			data: func() map[string]any {
				return reminderData(offer, "https://lotse.example.org/offers?r=1", "https://lotse.example.org/me/login", now.Add(48*time.Hour))
			},
			// 09:30 UTC two days later: 10:30 in Berlin (CET in March).
			want: []string{v.Name, "Müllheim im Markgräflerland", "https://lotse.example.org/offers?r=1", "16.03.2026 10:30"},
		},
		"offer_expired": {
			data: func() map[string]any { return expiredData(offer, "https://lotse.example.org/requests/1") },
			want: []string{"Begleitung Ausländerbehörde", "Müllheim im Markgräflerland", "96", "https://lotse.example.org/requests/1"},
		},
		"digest": {
			data: func() map[string]any {
				d := Digest{NewVolunteers: []string{"Anna Weber", v.Name, "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"},
					Waiting: 4, WaitingFor: 3, Urgent: []string{"Begleitung Ausländerbehörde"}, UrgentTotal: 1}
				return digestData(&d, tenant.Name, "2026-03-14", "https://lotse.example.org")
			},
			want: []string{tenant.Name, "2026-03-14", "Anna Weber", v.Name, "12", "2", "4", "3", "Begleitung Ausländerbehörde",
				"https://lotse.example.org/proposals", "https://lotse.example.org/volunteers"},
		},
		"background_check_due": {
			data: func() map[string]any { return backgroundCheckData(v, tenant.Name, "2027-01-31") },
			want: []string{v.Name, tenant.Name, "2027-01-31"},
		},
		"appointment_reminder": {
			data: func() map[string]any {
				return appointmentData(v.Name, &domain.HelpRequest{Title: "Begleitung Ausländerbehörde", Date: "2026-04-02", Time: "09:30"},
					"Müllheim im Markgräflerland", "https://lotse.example.org/me/login")
			},
			want: []string{v.Name, "Begleitung Ausländerbehörde", "Müllheim im Markgräflerland", "2026-04-02", "09:30", "https://lotse.example.org/me/login"},
		},
		"appointment_changed": {
			data: func() map[string]any {
				return appointmentData(v.Name, &domain.HelpRequest{Title: "Begleitung Ausländerbehörde", Date: "2026-04-03"},
					"Müllheim im Markgräflerland", "https://lotse.example.org/me/login")
			},
			want: []string{v.Name, "Begleitung Ausländerbehörde", "2026-04-03"},
		},
		"claims_month": {
			data: func() map[string]any {
				return claimsMonthData("2026-02", []summaryGroup{
					{CostCentre: "KST-4711", Lines: []summaryLine{{Municipality: "Müllheim im Markgräflerland", Kind: "travel", Status: "released", Count: 3, Total: "42,60 €"}},
						Subtotals: []summaryTotal{{Kind: "travel", Count: 3, Total: "42,60 €"}}},
					{Lines: []summaryLine{{Municipality: "Badenweiler", Kind: "allowance", Status: "paid", Count: 2, Total: "18,50 €"}},
						Subtotals: []summaryTotal{{Kind: "allowance", Count: 2, Total: "18,50 €"}}}},
					[]summaryTotal{{Kind: "travel", Count: 3, Total: "42,60 €"}, {Kind: "allowance", Count: 2, Total: "18,50 €"}},
					5, "https://lotse.example.org/claims?filter=all")
			},
			want: []string{"2026-02", "KST-4711", "Müllheim im Markgräflerland", "Badenweiler", "42,60 €", "18,50 €", "https://lotse.example.org/claims?filter=all"},
		},
		"claims_month_volunteer": {
			data: func() map[string]any {
				return volunteerMonthData(v.Name, "2026-02", []monthItem{{Date: "03.02.2026", Status: "freigegeben", Amount: "12,30 €"}},
					"https://lotse.example.org/me/login")
			},
			want: []string{v.Name, "2026-02", "03.02.2026", "12,30 €"},
		},
		"claim_reminder": {
			data: func() map[string]any {
				return claimReminderData(v.Name, "Begleitung Ausländerbehörde", time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), "https://lotse.example.org/me/login")
			},
			want: []string{v.Name, "Begleitung Ausländerbehörde", "30.04.2026"},
		},
		"allowance_statement": {
			data: func() map[string]any {
				return statementData(v.Name, 2025, []statementLine{{Basis: "Ehrenamtspauschale", Amount: "840,00 €"}}, tenant.Name)
			},
			want: []string{v.Name, "2025", "840,00 €", tenant.Name},
		},
		"portal_login": {
			data: func() map[string]any {
				return portalLoginData(v, s.portalURL(v, "bm9uY2U", now.Add(PortalLinkTTL)), now.Add(PortalLinkTTL))
			},
			// Valid 30 minutes from 09:30 UTC: until 11:00 in Berlin (CET in March).
			want: []string{v.Name, s.portalURL(v, "bm9uY2U", now.Add(PortalLinkTTL)), "30", "11:00"},
		},
		"assignment_withdrawn": {
			data: func() map[string]any {
				o := *offer
				r := *offer.Request
				r.Date = "2026-04-02"
				o.Request = &r
				return withdrawnData(&o, "https://lotse.example.org/requests/1")
			},
			want: []string{"Begleitung Ausländerbehörde", "Müllheim im Markgräflerland", "Ich bin im Dezember verreist.",
				"2026-04-02", "https://lotse.example.org/requests/1"},
		},
	}

	names := s.MailNames()
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("MailNames() is empty")
	}
	for _, name := range names {
		tc, ok := cases[name]
		if !ok {
			t.Errorf("mail %s has no case in TestRenderMails: add its data", name)
			continue
		}
		for _, lang := range tr.Langs() {
			t.Run(name+"/"+lang, func(t *testing.T) {
				// Every mail ends with why it came and whom to ask: the
				// tenant's contact, or without one its coordination by name.
				ft := *tenant
				if strings.HasPrefix(name, "offer") {
					ft.Contact = ""
				}
				subject, text, htm, err := s.RenderMail(name, lang, withFooter(tc.data(), &ft))
				if err != nil {
					t.Fatalf("RenderMail: %v", err)
				}
				switch {
				case strings.TrimSpace(subject) == "":
					t.Error("empty subject")
				case subject == "mail."+name+".subject":
					t.Errorf("subject is the untranslated key %q", subject)
				case strings.ContainsAny(subject, "\r\n"):
					t.Errorf("subject %q has a line break", subject)
				}
				if strings.TrimSpace(text) == "" || strings.TrimSpace(htm) == "" {
					t.Fatalf("empty body: text %d bytes, HTML %d bytes", len(text), len(htm))
				}
				plainHTML := html.UnescapeString(htm)
				for part, body := range map[string]string{"subject": subject, "text": text, "HTML": plainHTML} {
					if keys := findKeys(body); len(keys) > 0 {
						t.Errorf("%s shows untranslated keys %q", part, keys)
					}
					if p := placeholder.FindAllString(body, -1); len(p) > 0 {
						t.Errorf("%s has unfilled placeholders %q", part, p)
					}
					if strings.Contains(body, "<no value>") {
						t.Errorf("%s shows <no value>", part)
					}
				}
				footer := []string{tenant.Name, ft.Contact}
				if ft.Contact == "" {
					footer = []string{tenant.Name, s.T.T(lang, "mail.footer.contact_none", "tenant", tenant.Name)}
				}
				for _, w := range append(footer, s.T.T(lang, mailWhy[name], "tenant", tenant.Name)) {
					if !strings.Contains(text, w) || !strings.Contains(plainHTML, w) {
						t.Errorf("footer lacks %q:\n%s", w, text)
					}
				}
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						t.Errorf("text lacks %q:\n%s", w, text)
					}
					if !strings.Contains(plainHTML, w) {
						t.Errorf("HTML lacks %q:\n%s", w, htm)
					}
				}
				if want := `<html lang="` + lang + `" dir="ltr">`; !strings.Contains(htm, want) {
					t.Errorf("HTML lacks %s", want)
				}
			})
		}
	}
}

// TestRenderMailStrictness makes sure the strict templates above do catch a
// field the data lacks, which the production templates would render as
// "<no value>" or as nothing.
func TestRenderMailStrictness(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(nil, nil, tr, slog.New(slog.DiscardHandler), "https://lotse.example.org", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	s.mails = strictMails(t, s.mails)
	v, _ := mailFixture()
	data := s.confirmData(v)
	delete(data, "Link")
	if _, _, _, err := s.RenderMail("signup_confirm", "de", data); err == nil {
		t.Error("rendering signup_confirm without Link succeeded")
	}
}

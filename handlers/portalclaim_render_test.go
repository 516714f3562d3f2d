package handlers

import (
	"context"
	"strings"
	"time"

	"lotse/domain"
	"lotse/service"
)

// claimPage is the claim form as claimView builds it for the fixture's
// assignment (request 2, accepted), without bank details.
func claimPage(f renderFixture) meClaimPage {
	r := f.requests[2]
	p := meClaimPage{Item: &service.PortalItem{Match: &domain.Match{Request: r.ID, Volunteer: f.volunteers[0].ID,
		Status: domain.MatchAccepted}, Request: r, Municipality: "Lörrach"},
		Request: r.ID.Hex(), NoteMax: meClaimNoteMax, Modes: claimModes, MinDate: "2025-09-15", MaxDate: "2026-03-14",
		Rows: make([]tripRow, claimFormTrips)}
	for i := range p.Rows {
		p.Rows[i] = tripRow{N: i, Mode: "car", Open: i == 0}
	}
	return p
}

// portalClaimPageCases lists how the bank form, the claim form and the
// overview's claims are rendered.
func portalClaimPageCases(f renderFixture) []pageCase {
	v := f.volunteers[0]
	reqs := f.requests
	withBank := *v
	withBank.BankIBAN, withBank.BankHolder = "DE89370400440532013000", "Ayşe Yılmaz"

	// The bank form: first time, to change stored details (coming from a
	// claim form), and refused with the service's own errors.
	badBank := meBankPage{IBAN: "DE89 3704 0044 0532 0130 01", Holder: "Ольга", HolderMax: service.MaxBankHolderLen}
	bankErr := (&service.Service{}).SetBankDetails(context.Background(), v, badBank.IBAN, badBank.Holder)
	noIBAN := meBankPage{Holder: strings.Repeat("x", 71), HolderMax: service.MaxBankHolderLen}
	noIBANErr := (&service.Service{}).SetBankDetails(context.Background(), v, "", noIBAN.Holder)

	// The claim form: blank without bank details, with bank details after
	// saving them, and refused: rows 1 and 3 filled in (row 2 left empty, so
	// the service's trips[1] is the form's row 3), a passengers count that is
	// no number, a note too long.
	blank := claimPage(f)
	banked := claimPage(f)
	banked.Bank, banked.Done = "DE** **** **** **** **30 00", "me.done.bank"
	refused := claimPage(f)
	refused.Rows[0] = tripRow{N: 0, Date: "2025-01-10", From: "79539", To: "Weil am Rhein", Km: "zwölf", Mode: "car",
		Passengers: "zwei", Purpose: "", Open: true}
	refused.Rows[2] = tripRow{N: 2, Date: "2026-03-10", From: "Lörrach", To: "Freiburg", Mode: "public_transport",
		Purpose: "Termin Regierungspräsidium", Open: true}
	refused.Note = strings.Repeat("n", 501)
	refusedErrs := rowErrors(map[string]string{
		"trips[0].date": "field.claim.lapsed", "trips[0].km": "field.claim.km", "trips[0].purpose": "field.required",
		"trips[0].passengers": "field.number.max", "trips[1].ticket": "field.claim.ticket", "note": "field.too_long",
	}, []int{0, 2})
	refusedErrs["trips[0].passengers"] = "field.number.invalid"
	noTrips := claimPage(f)

	// The overview with claims in every status, a reversal and a rejection.
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	claim := func(st domain.ClaimStatus, cents int64) *domain.Claim {
		return &domain.Claim{ID: domain.NewID(at), Tenant: v.Tenant, Volunteer: v.ID, Request: reqs[2].ID,
			Kind: domain.ClaimTravel, Status: st, AmountCents: cents, SubmittedAt: at}
	}
	rejected := claim(domain.ClaimRejected, 480)
	rejected.RejectReason = "Privatfahrt"
	reversal := claim(domain.ClaimChecked, -123456)
	reversal.ReversalOf = domain.NewID(at)
	withClaims := portalPage(f, false)
	withClaims.Portal.Volunteer = &withBank
	withClaims.Bank, withClaims.Done = "DE** **** **** **** **30 00", "me.done.claim"
	withClaims.Claims = claimRowsOf([]service.PortalClaim{
		{Claim: claim(domain.ClaimSubmitted, 1260), Title: reqs[2].Title},
		{Claim: claim(domain.ClaimChecked, 246), Title: reqs[2].Title},
		{Claim: func() *domain.Claim {
			c := claim(domain.ClaimReleased, 5000)
			c.DTickets = []domain.ClaimDTicket{{Month: "2026-02", FaresCents: 6400, AmountCents: 6300}}
			return c
		}(), Title: reqs[2].Title},
		{Claim: rejected, Title: reqs[2].Title},
		{Claim: claim(domain.ClaimPaid, 123456), Title: reqs[2].Title},
		{Claim: reversal, Title: ""},
	}, "de")

	assignment := reqs[2].ID.Hex()
	return []pageCase{
		{name: "new", page: "me_bank", path: "/me/bank", titleKey: "me.bank.title", me: v,
			data: meBankPage{HolderMax: service.MaxBankHolderLen},
			want: []string{`action="/me/bank"`, `id="f-iban"`, `id="f-holder"`, `maxlength="70"`, `href="/me"`},
			wantIn: map[string][]string{
				"de": {"Bankverbindung", "Kontoinhaber:in, genau wie bei der Bank", "noch keine Bankverbindung"},
				"en": {"Bank details", "Account holder, exactly as at the bank", "not entered any bank details"},
			}},
		{name: "change", page: "me_bank", path: "/me/bank", titleKey: "me.bank.title", me: &withBank,
			data: meBankPage{Holder: withBank.BankHolder, Current: "DE** **** **** **** **30 00", Request: assignment,
				HolderMax: service.MaxBankHolderLen},
			want: []string{"DE** **** **** **** **30 00", `value="Ayşe Yılmaz"`, `name="request" value="` + assignment + `"`,
				`href="/me/claims/new?request=` + assignment + `"`},
			wantIn: map[string][]string{"de": {"Gespeichert ist das Konto", "Zurück zur Abrechnung"},
				"en": {"The account on record is", "Back to the claim"}}},
		{name: "invalid", page: "me_bank", path: "/me/bank", titleKey: "me.bank.title", me: v,
			data: badBank, errs: domain.FieldsOf(bankErr), want: []string{`value="DE89 3704 0044 0532 0130 01"`, `value="Ольга"`,
				`href="#f-iban"`, `href="#f-holder"`}},
		{name: "missing", page: "me_bank", path: "/me/bank", titleKey: "me.bank.title", me: v,
			data: noIBAN, errs: domain.FieldsOf(noIBANErr)},

		{name: "new without bank", page: "me_claim", path: "/me/claims/new", titleKey: "me.claim.title", me: v, data: blank,
			want: []string{reqs[2].Title, "Lörrach", `action="/me/claims"`, `name="request" value="` + assignment + `"`,
				`href="/me/bank?request=` + assignment + `"`, `id="f-trips-0-date" name="trips[0].date" type="date"`,
				`min="2025-09-15" max="2026-03-14"`, `id="f-trips-4-raised_reason"`, `<option value="public_transport">`,
				`<option value="car" selected>`, `inputmode="decimal"`, `<details class="trip">`},
			wantIn: map[string][]string{
				"de": {"Fahrtkosten abrechnen", "Fahrt 1", "Weitere Fahrt eintragen (Fahrt 5)", "Auto", "Bus und Bahn", "zu Fuß",
					"E-Bike", "Mitfahrende", "Ausschlussfrist", "brauchen wir noch Ihre Bankverbindung",
					"Sie können die Abrechnung schon jetzt einreichen", "Bankverbindung eintragen"},
				"en": {"Claim travel costs", "Trip 1", "Add another trip (trip 5)", "Car", "Bus and train", "On foot",
					"E-bike", "Passengers", "exclusion period", "we still need your bank details", "You can submit the claim now"},
			}},
		{name: "with bank", page: "me_claim", path: "/me/claims/new", titleKey: "me.claim.title", me: &withBank, data: banked,
			want: []string{"DE** **** **** **** **30 00", `id="me-done"`},
			wantIn: map[string][]string{"de": {"Wir überweisen auf Ihr Konto", "ändern", "Ihre Bankverbindung ist gespeichert."},
				"en": {"We will pay into your account", "change", "Your bank details are saved."}}},
		{name: "invalid", page: "me_claim", path: "/me/claims", titleKey: "me.claim.title", me: v, data: refused, errs: refusedErrs,
			want: []string{`value="Weil am Rhein"`, `value="zwölf"`, `value="zwei"`, `value="Termin Regierungspräsidium"`,
				`href="#f-trips-0-date"`, `href="#f-trips-2-ticket"`, `href="#f-note"`, `id="f-trips-2-ticket-error"`,
				`<details class="trip" open>`, `<option value="public_transport" selected>`}},
		{name: "no trips", page: "me_claim", path: "/me/claims", titleKey: "me.claim.title", me: v, data: noTrips,
			errs: map[string]string{"trips": "field.claim.no_trips"}, want: []string{`href="#f-trips-0-date"`}},

		{name: "claims", page: "me", path: "/me", titleKey: "me.title", me: &withBank, data: withClaims,
			want: []string{"02.03.2026", "12,60 €", "2,46 €", "50,00 €", "4,80 €", "1.234,56 €", "-1.234,56 €",
				"DE** **** **** **** **30 00", `href="/me/bank"`, `href="/me/claims/new?request=` + assignment + `"`},
			wantIn: map[string][]string{
				"de": {"Fahrtkosten", "Eingereicht am", "eingereicht", "sachlich geprüft", "freigegeben", "abgelehnt – Grund: „Privatfahrt“",
					"ausgezahlt", "Storno", "Auszahlung auf Ihr Konto", "Ihre Abrechnung ist eingereicht.", "darin Deutschlandticket 02/2026: 63,00 €"},
				"en": {"Travel costs", "Submitted on", "submitted", "checked", "approved for payment", "rejected – Reason: “Privatfahrt”",
					"paid", "Reversal", "Payment into your account", "Your claim is submitted.", "including Deutschlandticket 02/2026: 63,00 €"},
			}},
		{name: "no claims", page: "me", path: "/me", titleKey: "me.title", me: v, data: portalPage(f, false),
			wantIn: map[string][]string{
				"de": {"Sie haben noch keine Fahrtkosten abgerechnet.", "brauchen wir noch Ihre Bankverbindung", "Bankverbindung eintragen"},
				"en": {"You have not claimed any travel costs yet.", "we still need your bank details", "Enter bank details"},
			}},
	}
}

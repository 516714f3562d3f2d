package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lotse/accounting"
	"lotse/domain"
	"lotse/store"
)

// Limits of a payout batch.
const (
	// MaxPayoutClaims bounds the claims of one batch (oldest first; the rest
	// waits for the next): it keeps the DATEV file far below DATEV's 99,999
	// bookings and every stored file below MongoDB's 16 MB.
	MaxPayoutClaims = 20_000
	// MaxPayoutDaysAhead is how far ahead an execution date may lie.
	MaxPayoutDaysAhead = 60
	maxDebtorName      = 70
	maxCostCentre      = 36
)

// PayoutSettings returns the tenant's payout settings (admins only); a
// tenant that saved none gets empty settings with its rate-table preset.
func (s *Service) PayoutSettings(ctx context.Context, sc domain.Scope) (*domain.PayoutSettings, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	p := domain.PayoutSettings{CostCentres: map[string]string{}}
	if t.Payout != nil {
		p = *t.Payout
		p.CostCentres = maps0(p.CostCentres)
	}
	p.RateTable = t.RateTable
	if p.RateTable == "" {
		p.RateTable = "brkg"
	}
	return &p, nil
}

func maps0(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// SetPayoutSettings checks and saves the tenant's payout settings (admins
// only) and returns them as stored. Field errors (EInvalid) name the JSON
// fields; cost centres are keyed "cost_centres.<AGS>".
func (s *Service) SetPayoutSettings(ctx context.Context, sc domain.Scope, in domain.PayoutSettings) (*domain.PayoutSettings, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	p, err := checkPayoutSettings(t, in)
	if err != nil {
		return nil, err
	}
	old, err := s.PayoutSettings(ctx, sc)
	if err != nil {
		return nil, err
	}
	if err := s.Store.SetPayoutSettings(ctx, sc.Tenant, p); err != nil {
		return nil, err
	}
	s.tenants.forget(sc.Tenant)
	if changed := payoutChanges(old, p); len(changed) > 0 {
		s.audit(ctx, sc, "tenant.payout", "tenant", sc.Tenant, changed)
	}
	return s.PayoutSettings(ctx, sc)
}

// forget drops a tenant from the cache, so a change is seen at once here.
func (c *tenantCache) forget(id domain.ID) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// checkPayoutSettings normalises in and checks it against the tenant.
func checkPayoutSettings(t *domain.Tenant, in domain.PayoutSettings) (*domain.PayoutSettings, error) {
	fe := domain.FieldErrors{}
	p := domain.PayoutSettings{
		DebtorName: domain.CleanText(in.DebtorName), Consultant: in.Consultant, Client: in.Client,
		AccountLength: in.AccountLength, TravelAccount: strings.TrimSpace(in.TravelAccount),
		AllowanceAccount: strings.TrimSpace(in.AllowanceAccount), ContraAccount: strings.TrimSpace(in.ContraAccount),
		CostCentres: map[string]string{}, RateTable: strings.TrimSpace(in.RateTable),
	}
	switch {
	case p.DebtorName == "":
		fe.Add("debtor_name", "field.required")
	case utf8.RuneCountInString(p.DebtorName) > maxDebtorName:
		fe.Add("debtor_name", "field.too_long")
	case !sepaReadable(p.DebtorName):
		fe.Add("debtor_name", "field.payout.sepa_name")
	}
	var err error
	if strings.TrimSpace(in.IBAN) == "" {
		fe.Add("iban", "field.required")
	} else if p.IBAN, err = accounting.ValidateIBAN(in.IBAN); err != nil {
		fe.Add("iban", "field.payout.iban")
	}
	if p.BIC, err = accounting.ValidateBIC(in.BIC); err != nil {
		fe.Add("bic", "field.payout.bic")
	}
	if p.Consultant < 1001 || p.Consultant > 9_999_999 {
		fe.Add("consultant", "field.payout.consultant")
	}
	if p.Client < 1 || p.Client > 99_999 {
		fe.Add("client", "field.payout.client")
	}
	lengthOK := p.AccountLength >= 4 && p.AccountLength <= 8
	if !lengthOK {
		fe.Add("account_length", "field.payout.account_length")
	}
	for _, acc := range []struct {
		field, v string
		extra    int // a collective creditor account may be one digit longer
	}{{"travel_account", p.TravelAccount, 0}, {"allowance_account", p.AllowanceAccount, 0}, {"contra_account", p.ContraAccount, 1}} {
		switch {
		case acc.v == "":
			fe.Add(acc.field, "field.required")
		case !digits(acc.v) || len(acc.v) > 9:
			fe.Add(acc.field, "field.payout.account")
		case lengthOK && len(acc.v) > p.AccountLength+acc.extra:
			fe.Add(acc.field, "field.payout.account_too_long")
		}
	}
	for ags, kost := range in.CostCentres {
		kost = strings.TrimSpace(kost)
		field := "cost_centres." + ags
		if _, ok := t.Municipality(ags); !ok {
			fe.Add(field, "field.payout.municipality")
			continue
		}
		switch {
		case kost == "":
			// no cost centre for this municipality
		case utf8.RuneCountInString(kost) > maxCostCentre:
			fe.Add(field, "field.too_long")
		case strings.ContainsFunc(kost, func(r rune) bool { return r < ' ' || r == 0x7f }):
			fe.Add(field, "field.payout.cost_centre")
		default:
			p.CostCentres[ags] = kost
		}
	}
	if !slices.Contains(domain.RateTables, p.RateTable) {
		fe.Add("rate_table", "field.choice.unknown")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return &p, nil
}

// payoutChanges names the fields that differ, for the audit log (never
// the values: an IBAN is not logged).
func payoutChanges(a, b *domain.PayoutSettings) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("debtor_name", a.DebtorName != b.DebtorName)
	add("iban", a.IBAN != b.IBAN)
	add("bic", a.BIC != b.BIC)
	add("consultant", a.Consultant != b.Consultant)
	add("client", a.Client != b.Client)
	add("account_length", a.AccountLength != b.AccountLength)
	add("travel_account", a.TravelAccount != b.TravelAccount)
	add("allowance_account", a.AllowanceAccount != b.AllowanceAccount)
	add("contra_account", a.ContraAccount != b.ContraAccount)
	add("cost_centres", !equalMaps(a.CostCentres, b.CostCentres))
	add("rate_table", a.RateTable != b.RateTable)
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sepaReadable reports whether a name keeps a letter or digit in the SEPA
// character set (a name of Chinese characters alone would not).
func sepaReadable(name string) bool {
	return strings.ContainsFunc(accounting.SEPAText(name, 70), func(r rune) bool {
		return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	})
}

// Payouts lists the tenant's payout batches, newest first, without their
// claim lists: for accountants and (reading) admins.
func (s *Service) Payouts(ctx context.Context, sc domain.Scope) ([]*domain.Payout, error) {
	if err := mayReadPayouts(sc); err != nil {
		return nil, err
	}
	return s.Store.Payouts(ctx, sc.Tenant)
}

// Payout returns one batch of the tenant, or ErrNotFound.
func (s *Service) Payout(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Payout, error) {
	if err := mayReadPayouts(sc); err != nil {
		return nil, err
	}
	return s.Store.Payout(ctx, sc.Tenant, id)
}

func mayReadPayouts(sc domain.Scope) error {
	if sc.Role != domain.RoleAccountant && sc.Role != domain.RoleAdmin {
		return domain.ErrForbidden
	}
	return nil
}

// PayoutDownload returns a batch's stored file and records the download
// (audit "payout.download"; the batch lists it, so a second upload of the
// same pain.001 to the bank is noticed). ErrNotFound for a file the batch
// does not have.
func (s *Service) PayoutDownload(ctx context.Context, sc domain.Scope, id domain.ID, name string) (domain.PayoutFile, []byte, error) {
	p, err := s.Payout(ctx, sc, id)
	if err != nil {
		return domain.PayoutFile{}, nil, err
	}
	f, ok := p.File(name)
	if !ok {
		return domain.PayoutFile{}, nil, domain.ErrNotFound
	}
	body, err := s.Store.PayoutContent(ctx, sc.Tenant, id, name)
	if err != nil {
		return domain.PayoutFile{}, nil, err
	}
	if err := s.Store.RecordPayoutDownload(ctx, sc.Tenant, id, domain.PayoutDownload{File: name, By: sc.User, At: s.Now()}); err != nil {
		return domain.PayoutFile{}, nil, err
	}
	s.audit(ctx, sc, "payout.download", "payout", id, []string{name})
	return f, body, nil
}

// payoutGroup is one volunteer's claims in a batch being made.
type payoutGroup struct {
	volunteer domain.ID
	claims    []*domain.Claim
	net       int64
}

func (g *payoutGroup) ids() []domain.ID {
	out := make([]domain.ID, len(g.claims))
	for i, c := range g.claims {
		out[i] = c.ID
	}
	return out
}

// CreatePayout makes a payout batch of the tenant's released claims that
// are in no batch yet (accountants only), to be executed on exec (a calendar
// day, today in Berlin when zero; today up to MaxPayoutDaysAhead).
//
// Per volunteer the claims are netted: a reversal entry (negative) offsets
// the claims it corrects. A positive net becomes one transfer; a net of zero
// pays nothing, but its claims are marked paid and booked (the claim and its
// reversal cancel out on both accounts); a negative net (the volunteer owes)
// leaves the volunteer's claims released for a later batch to offset, listed
// as skipped with SkipNetNegative, so the Kämmerei can ask for the money.
// Volunteers without bank details are skipped likewise (SkipNoBankDetails).
//
// Every claim is marked paid by a guarded update from released-and-in-no-
// batch, so two batches made at once split the claims and never share one;
// a volunteer whose claims were split is given back whole (SkipConcurrent).
// EConflict "payout.settings_missing" without complete settings,
// "payout.empty" when nothing is left to pay, "payout.interrupted" when the
// run took longer than PayoutRecoverAfter and the recovery voided its batch
// meanwhile (its claims are released again; try again).
//
// It first recovers the tenant's interrupted batches (see RecoverPayouts).
func (s *Service) CreatePayout(ctx context.Context, sc domain.Scope, exec time.Time) (*domain.Payout, error) {
	if sc.Role != domain.RoleAccountant {
		return nil, domain.ErrForbidden
	}
	now := s.Now()
	today := civilDay(now.In(berlin()))
	if exec.IsZero() {
		exec = today
	} else {
		exec = civilDay(exec)
	}
	switch {
	case exec.Before(today):
		return nil, domain.FieldErrors{"execution_date": "field.payout.date_past"}.Err()
	case exec.After(today.AddDate(0, 0, MaxPayoutDaysAhead)):
		return nil, domain.FieldErrors{"execution_date": "field.payout.date_far"}.Err()
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	if !t.Payout.Complete() {
		return nil, domain.Conflict("payout.settings_missing")
	}
	// Claims an interrupted batch still holds come back first, so this
	// batch can pay them (one read of the tenant's few batch documents).
	if _, err := s.recoverPayouts(ctx, sc, now); err != nil {
		return nil, err
	}
	all, err := s.Store.Claims(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	var open []*domain.Claim
	for _, c := range all {
		if c.Status == domain.ClaimReleased && c.Batch.IsZero() {
			open = append(open, c)
		}
	}
	if len(open) > MaxPayoutClaims {
		open = open[:MaxPayoutClaims] // Store.Claims is oldest first
	}
	groups := groupClaims(open)
	vids := make([]domain.ID, len(groups))
	for i, g := range groups {
		vids[i] = g.volunteer
	}
	payees, err := s.Store.Payees(ctx, sc.Tenant, vids)
	if err != nil {
		return nil, err
	}
	p := &domain.Payout{ID: domain.NewID(now), Tenant: sc.Tenant, Status: domain.PayoutPreparing, ExecutionDate: exec,
		CreatedBy: sc.User, CreatedAt: now}
	var planned []*payoutGroup
	var plannedIDs []domain.ID
	for _, g := range groups {
		pe := payees[g.volunteer]
		reason := ""
		switch {
		case pe.IBAN == "" || pe.Holder == "":
			reason = domain.SkipNoBankDetails
		case g.net > 0 && !sepaReadable(pe.Holder):
			reason = domain.SkipBadBankName
		case g.net < 0:
			reason = domain.SkipNetNegative
		}
		if reason != "" {
			p.Skipped = append(p.Skipped, domain.PayoutSkip{Volunteer: g.volunteer, Reason: reason, AmountCents: g.net, Claims: g.ids()})
			continue
		}
		planned = append(planned, g)
		plannedIDs = append(plannedIDs, g.ids()...)
	}
	if len(planned) == 0 {
		return nil, domain.Conflict("payout.empty")
	}

	if p.Seq, err = s.Store.NextPayoutSeq(ctx, sc.Tenant); err != nil {
		return nil, err
	}
	if err := s.Store.CreatePayout(ctx, p); err != nil {
		return nil, err
	}
	won, err := s.Store.PayClaims(ctx, sc.Tenant, plannedIDs, p.ID)
	if err != nil {
		return nil, err
	}
	if s.payoutPause != nil {
		s.payoutPause()
	}
	mine := make(map[domain.ID]bool, len(won))
	for _, id := range won {
		mine[id] = true
	}
	var paid []*payoutGroup
	var giveBack []domain.ID
	for _, g := range planned {
		n := 0
		for _, c := range g.claims {
			if mine[c.ID] {
				n++
			}
		}
		switch n {
		case len(g.claims):
			paid = append(paid, g)
		case 0:
			// all taken by another batch: not ours to mention
		default:
			// Split with another batch: paying part would break the netting.
			var back []domain.ID
			for _, c := range g.claims {
				if mine[c.ID] {
					back = append(back, c.ID)
				}
			}
			giveBack = append(giveBack, back...)
			p.Skipped = append(p.Skipped, domain.PayoutSkip{Volunteer: g.volunteer, Reason: domain.SkipConcurrent, AmountCents: g.net, Claims: back})
		}
	}
	if len(giveBack) > 0 {
		if err := s.Store.UnpayClaims(ctx, sc.Tenant, giveBack, p.ID); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{}
	if len(paid) == 0 {
		p.Status = domain.PayoutVoid
	} else {
		p.Status = domain.PayoutReady
		var ferr error
		staff, uerr := s.staffNames(ctx, t.ID)
		if uerr != nil {
			return nil, uerr
		}
		files, ferr = s.payoutFiles(t, p, paid, payees, staff)
		if ferr != nil {
			// Nothing is half-paid: the claims go back, the batch is void.
			var ids []domain.ID
			for _, g := range paid {
				ids = append(ids, g.ids()...)
			}
			p.Status, p.Transfers, p.Claims, p.TotalCents, p.Files = domain.PayoutVoid, nil, nil, 0, nil
			files = nil
			if err := errors.Join(s.Store.UnpayClaims(ctx, sc.Tenant, ids, p.ID), s.Store.FinishPayout(ctx, p, nil)); err != nil {
				return nil, errors.Join(ferr, err)
			}
			return nil, fmt.Errorf("service: payout %d: %w", p.Seq, ferr)
		}
	}
	if err := s.Store.FinishPayout(ctx, p, files); err != nil {
		if !errors.Is(err, domain.ErrConflict) {
			return nil, err
		}
		// This run outlived PayoutRecoverAfter and the recovery voided the
		// batch: its files were never handed out. The recovery released the
		// claims it found; those this run marked after that go back now.
		released, rerr := s.Store.ReleaseBatchClaims(ctx, sc.Tenant, p.ID)
		s.Log.Warn("payout voided by recovery while being made", "tenant", sc.Tenant.Hex(), "payout", p.ID.Hex(),
			"seq", p.Seq, "claims_released", released)
		if rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, domain.Conflict("payout.interrupted")
	}
	s.audit(ctx, sc, "payout.create", "payout", p.ID, []string{"claims", "status"})
	if p.Status == domain.PayoutVoid {
		return nil, domain.Conflict("payout.empty")
	}
	return p, nil
}

// groupClaims groups claims by volunteer, in order of each volunteer's
// first claim, and nets their amounts.
func groupClaims(cs []*domain.Claim) []*payoutGroup {
	index := map[domain.ID]*payoutGroup{}
	var out []*payoutGroup
	for _, c := range cs {
		g, ok := index[c.Volunteer]
		if !ok {
			g = &payoutGroup{volunteer: c.Volunteer}
			index[c.Volunteer] = g
			out = append(out, g)
		}
		g.claims = append(g.claims, c)
		g.net += c.AmountCents
	}
	return out
}

// civilDay is t's calendar date as UTC midnight.
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// payoutFiles fills p's transfers, claims and total from the paid groups and
// writes the three exports, each with its SHA-256 in p.Files.
func (s *Service) payoutFiles(t *domain.Tenant, p *domain.Payout, paid []*payoutGroup, payees map[domain.ID]store.Payee, staff map[domain.ID]string) (map[string][]byte, error) {
	set := t.Payout
	batch := accounting.Batch{
		MessageID: fmt.Sprintf("LOTSE-%s-%d", t.ID.Hex()[16:], p.Seq), CreatedAt: p.CreatedAt,
		Debtor:        accounting.Party{Name: set.DebtorName, IBAN: set.IBAN, BIC: set.BIC},
		ExecutionDate: p.ExecutionDate, BatchBooking: true,
	}
	from := time.Date(p.ExecutionDate.Year(), p.ExecutionDate.Month(), 1, 0, 0, 0, 0, time.UTC)
	header := accounting.DATEVHeader{
		CreatedAt: p.CreatedAt, ExportedBy: "Lotse", Consultant: set.Consultant, Client: set.Client,
		FiscalYearStart: time.Date(p.ExecutionDate.Year(), 1, 1, 0, 0, 0, 0, time.UTC), AccountLength: set.AccountLength,
		From: from, To: from.AddDate(0, 1, -1), Description: fmt.Sprintf("Lotse Auszahlung %d", p.Seq),
	}
	var bookings []accounting.Booking
	var csvBuf strings.Builder
	cw := accounting.NewCSVWriter(&csvBuf)
	_ = cw.WriteText("Auszahlung", "Ausführungstag", "Beleg", "Helfer-ID", "Name", "Kontoinhaber", "IBAN", "Art",
		"Zeitraum", "Betrag", "Überweisung", "Sachkonto", "Gegenkonto", "Kostenstelle", "Gemeinde (AGS)")
	p.Claims, p.Transfers, p.TotalCents = nil, nil, 0
	for _, g := range paid {
		pe := payees[g.volunteer]
		e2e := ""
		if g.net > 0 {
			e2e = fmt.Sprintf("L%d-%s", p.Seq, g.volunteer.Hex())
			batch.Transfers = append(batch.Transfers, accounting.Transfer{EndToEndID: e2e, Amount: accounting.Money(g.net),
				Creditor: accounting.Party{Name: pe.Holder, IBAN: pe.IBAN, Address: s.payeeAddress(pe)}, Remittance: remittance(p.Seq, g.claims)})
			p.Transfers = append(p.Transfers, domain.PayoutTransfer{Volunteer: g.volunteer, EndToEndID: e2e, AmountCents: g.net, Claims: g.ids()})
			p.TotalCents += g.net
		}
		for _, c := range g.claims {
			p.Claims = append(p.Claims, c.ID)
			account := set.TravelAccount
			if c.Kind == domain.ClaimAllowance {
				account = set.AllowanceAccount
			}
			b := accounting.Booking{Amount: accounting.Money(abs(c.AmountCents)), Side: accounting.Debit, Account: account,
				ContraAccount: set.ContraAccount, Date: p.ExecutionDate, DocumentNo: c.ID.Hex(),
				Text: bookingText(c, pe.Name), CostCentre1: set.CostCentres[c.Municipality], ServiceDate: serviceDate(c)}
			if c.AmountCents < 0 {
				b.Side = accounting.Credit // a reversal credits the expense account back
			}
			if c.AmountCents != 0 {
				bookings = append(bookings, b)
			}
			_ = cw.Write(accounting.CSVInt(int64(p.Seq)), accounting.CSVDate(p.ExecutionDate), accounting.CSVText(c.ID.Hex()),
				accounting.CSVText(c.Volunteer.Hex()), accounting.CSVText(pe.Name), accounting.CSVText(pe.Holder),
				accounting.CSVText(pe.IBAN), accounting.CSVText(kindLabel(c)), accounting.CSVText(claimPeriod(c)),
				accounting.CSVAmount(accounting.Money(c.AmountCents)), accounting.CSVText(e2e), accounting.CSVText(account),
				accounting.CSVText(set.ContraAccount), accounting.CSVText(set.CostCentres[c.Municipality]), accounting.CSVText(c.Municipality))
		}
	}
	if err := cw.Flush(); err != nil {
		return nil, err
	}
	files := map[string][]byte{domain.PayoutCSV: []byte(csvBuf.String())}
	if len(batch.Transfers) > 0 {
		var b strings.Builder
		if err := accounting.WritePain001(&b, batch); err != nil {
			return nil, err
		}
		files[domain.PayoutPain001] = []byte(b.String())
	}
	if len(bookings) > 0 {
		var b strings.Builder
		if _, err := accounting.WriteDATEV(&b, header, bookings); err != nil {
			return nil, err
		}
		files[domain.PayoutDATEV] = []byte(b.String())
	}
	var order strings.Builder
	if err := accounting.WritePayoutOrder(&order, payoutOrder(t, p, paid, payees, staff)); err != nil {
		return nil, err
	}
	files[domain.PayoutOrder] = []byte(order.String())
	var notes strings.Builder
	if err := accounting.WriteStatements(&notes, fmt.Sprintf("Auszahlungsmitteilungen Nr. %d", p.Seq),
		payoutStatements(t, p, paid, payees)); err != nil {
		return nil, err
	}
	files[domain.PayoutStatements] = []byte(notes.String())
	p.Files = nil
	for _, name := range domain.PayoutFileNames {
		body, ok := files[name]
		if !ok {
			continue
		}
		sum := sha256.Sum256(body)
		p.Files = append(p.Files, domain.PayoutFile{Name: name, ContentType: payoutContentTypes[name],
			Filename: payoutFilename(name, p.Seq), SHA256: hex.EncodeToString(sum[:]), Size: len(body)})
	}
	return files, nil
}

var payoutContentTypes = map[string]string{
	domain.PayoutPain001: "application/xml; charset=utf-8",
	domain.PayoutDATEV:   "text/csv; charset=windows-1252",
	domain.PayoutCSV:     "text/csv; charset=utf-8",
	domain.PayoutOrder:   "application/pdf",
	// PayoutStatements is a PDF too.
	domain.PayoutStatements: "application/pdf",
}

func payoutFilename(name string, seq int) string {
	switch name {
	case domain.PayoutPain001:
		return fmt.Sprintf("Lotse_Auszahlung_%06d_pain.001.xml", seq)
	case domain.PayoutDATEV:
		return fmt.Sprintf("EXTF_Lotse_Auszahlung_%06d.csv", seq) // DATEV expects the EXTF_ prefix
	case domain.PayoutOrder:
		return fmt.Sprintf("Auszahlungsanordnung_%06d.pdf", seq)
	case domain.PayoutStatements:
		return fmt.Sprintf("Auszahlungsmitteilungen_%06d.pdf", seq)
	}
	return fmt.Sprintf("Lotse_Auszahlung_%06d.csv", seq)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// claimPeriod is the month of a travel claim's first trip (the submission's
// month without trips), or an allowance's year.
func claimPeriod(c *domain.Claim) string {
	if c.Kind == domain.ClaimAllowance && c.AllowanceYear > 0 {
		return fmt.Sprint(c.AllowanceYear)
	}
	if len(c.Trips) > 0 && len(c.Trips[0].Date) >= 7 {
		return c.Trips[0].Date[:7]
	}
	return c.SubmittedAt.In(berlin()).Format("2006-01")
}

func kindLabel(c *domain.Claim) string {
	label := "Fahrtkosten"
	if c.Kind == domain.ClaimAllowance {
		label = "Aufwandsentschädigung " + c.AllowanceBasis
	}
	if c.AmountCents < 0 {
		label = "Storno " + label
	}
	return label
}

func bookingText(c *domain.Claim, name string) string {
	return kindLabel(c) + " " + claimPeriod(c) + " " + name
}

// serviceDate is the last trip's day (Leistungsdatum), zero without trips.
func serviceDate(c *domain.Claim) time.Time {
	var last time.Time
	for _, tr := range c.Trips {
		if d, err := time.Parse(time.DateOnly, tr.Date); err == nil && d.After(last) {
			last = d
		}
	}
	return last
}

// remittance is the purpose on the volunteer's statement: the batch, the
// periods and the claims' short numbers (their IDs' last 8 characters).
func remittance(seq int, cs []*domain.Claim) string {
	var periods, nums []string
	for _, c := range cs {
		if p := claimPeriod(c); !slices.Contains(periods, p) {
			periods = append(periods, p)
		}
		nums = append(nums, c.ID.Hex()[16:])
	}
	return fmt.Sprintf("Lotse Erstattung Auszahlung %d %s Belege %s", seq, strings.Join(periods, " "), strings.Join(nums, " "))
}

// PayoutMunicipalities lists the tenant's municipalities, for the cost
// centres of the settings form (admins only).
func (s *Service) PayoutMunicipalities(ctx context.Context, sc domain.Scope) ([]domain.Municipality, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	t, err := s.cachedTenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	return t.Municipalities, nil
}

// staffNames maps the tenant's staff users to how documents name them (their
// login address: users have no other name).
func (s *Service) staffNames(ctx context.Context, tenant domain.ID) (map[domain.ID]string, error) {
	users, err := s.Store.Users(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make(map[domain.ID]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Email
	}
	return out, nil
}

// payoutOrder is the Auszahlungsanordnung of a batch: each transfer with its
// claims and who signed each off when.
func payoutOrder(t *domain.Tenant, p *domain.Payout, paid []*payoutGroup, payees map[domain.ID]store.Payee, staff map[domain.ID]string) accounting.PayoutOrder {
	o := accounting.PayoutOrder{Tenant: t.Name, Batch: p.Seq, Created: p.CreatedAt, Execution: p.ExecutionDate,
		Debtor: t.Payout.DebtorName + ", " + accounting.MaskIBAN(t.Payout.IBAN), CreatedBy: staff[p.CreatedBy]}
	for _, g := range paid {
		pe := payees[g.volunteer]
		it := accounting.PayoutItem{Name: pe.Holder, IBAN: accounting.MaskIBAN(pe.IBAN), Amount: accounting.Money(max(g.net, 0))}
		for _, c := range g.claims {
			it.Claims = append(it.Claims, accounting.SignedClaim{Ref: c.ID.Hex()[16:], Text: kindLabel(c) + " " + claimPeriod(c),
				Amount: accounting.Money(c.AmountCents), CheckedBy: staff[c.CheckedBy], CheckedAt: c.CheckedAt.In(berlin()),
				ReleasedBy: staff[c.ReleasedBy], ReleasedAt: c.ReleasedAt.In(berlin())})
		}
		o.Items = append(o.Items, it)
	}
	return o
}

// payoutStatements is each paid volunteer's statement of the batch (the
// Auszahlungsmitteilung): their claims in it, reversals netted, the account
// the money goes to, for letters to volunteers who read no mail.
func payoutStatements(t *domain.Tenant, p *domain.Payout, paid []*payoutGroup, payees map[domain.ID]store.Payee) []accounting.Statement {
	period := fmt.Sprintf("Auszahlung Nr. %d vom %s", p.Seq, p.ExecutionDate.Format("02.01.2006"))
	out := make([]accounting.Statement, 0, len(paid))
	for _, g := range paid {
		pe := payees[g.volunteer]
		st := accounting.Statement{Tenant: t.Name, Volunteer: pe.Name, Period: period, IBAN: accounting.MaskIBAN(pe.IBAN)}
		for _, c := range g.claims {
			st.Lines = append(st.Lines, accounting.StatementLine{Date: c.SubmittedAt.In(berlin()).Format("02.01.2006"),
				Text: kindLabel(c) + " " + claimPeriod(c), Amount: accounting.Money(c.AmountCents)})
		}
		out = append(out, st)
	}
	return out
}

// payeeAddress is the creditor's structured address as far as Lotse knows
// it: post code and town from the gazetteer, country DE. Lotse keeps no
// street (data minimisation); SEPA's structured address needs only town and
// country. Unknown post codes give no address, which the EEA allows.
func (s *Service) payeeAddress(pe store.Payee) accounting.Address {
	place, ok := s.Geo.Lookup(pe.PLZ)
	if !ok || len(place.Names) == 0 {
		return accounting.Address{}
	}
	return accounting.Address{PostCode: place.PLZ, Town: place.Names[0], Country: "DE"}
}

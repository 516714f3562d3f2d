package service

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"lotse/accounting"
	"lotse/domain"
	"lotse/mail"
)

// ClaimReminderLead is how long before the exclusion period ends a finished
// assignment without a travel claim gets its reminder: with the usual six
// months, in the fifth month. The period is the one of the tenant's rate
// table on the day the assignment ended.
const ClaimReminderLead = 60 * 24 * time.Hour

// previousMonth returns the Berlin calendar month before the one now is in, as its
// first instant and the first instant of the next.
func previousMonth(now time.Time) (from, to time.Time) {
	local := now.In(berlin())
	to = time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, berlin())
	return to.AddDate(0, -1, 0), to
}

// MonthlyClaimSummaries is the job of the first of each month. Accountants
// get the previous month's claims, counted and summed per cost centre,
// municipality, kind and status, with subtotals per cost centre and totals
// per kind (travel and allowances apart), with a CSV for Excel and the same
// overview as PDF attached; each volunteer with claims submitted
// in that month gets their list. Keys name the month, so the job mails once.
// It returns the number of mails queued.
func (s *Service) MonthlyClaimSummaries(ctx context.Context, now time.Time) (int, error) {
	from, to := previousMonth(now)
	month := from.Format("2006-01")
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		n := 0
		all, err := s.Store.Claims(ctx, t.ID)
		if err != nil {
			return n, err
		}
		var inMonth []*domain.Claim
		for _, c := range all {
			if !c.SubmittedAt.Before(from) && c.SubmittedAt.Before(to) {
				inMonth = append(inMonth, c)
			}
		}
		if len(inMonth) == 0 {
			return 0, nil
		}
		q, err := s.accountantSummaries(ctx, t, inMonth, month)
		n += q
		if err != nil {
			return n, err
		}
		q, err = s.volunteerSummaries(ctx, t, inMonth, month)
		n += q
		if err != nil {
			return n, err
		}
		return n, nil
	})
}

// summaryLine is one municipality, kind and status of a month's summary.
type summaryLine struct {
	Municipality, Kind, Status string
	Count                      int
	Total                      string
	cents                      int64
}

// summaryTotal is the count and sum of one kind of claims: a cost centre's
// subtotal or the month's total. Travel refunds and allowances are never
// added together: they are different payments on different accounts.
type summaryTotal struct {
	Kind  string
	Count int
	Total string
	cents int64
}

// summaryGroup is one cost centre (empty: the municipalities without one)
// with its lines and subtotals per kind.
type summaryGroup struct {
	CostCentre string
	Lines      []summaryLine
	Subtotals  []summaryTotal
}

// claimKinds is the order of kinds in summaries.
var claimKinds = []domain.ClaimKind{domain.ClaimTravel, domain.ClaimAllowance}

// monthSummary groups claims by cost centre (the tenant's payout settings map
// AGS to Kostenstelle), municipality, kind and status: groups with a cost
// centre first, by name, then the one without; lines by municipality, kind
// and status (in the order of domain.ClaimStatuses). It returns the groups
// and the grand total per kind.
func monthSummary(t *domain.Tenant, claims []*domain.Claim) ([]summaryGroup, []summaryTotal) {
	type lineKey struct {
		kost, muni string
		kind       domain.ClaimKind
		status     domain.ClaimStatus
	}
	lines := map[lineKey]*summaryLine{}
	for _, c := range claims {
		k := lineKey{costCentre(t, c.Municipality), municipalityName(t, c.Municipality), c.Kind, c.Status}
		l := lines[k]
		if l == nil {
			l = &summaryLine{Municipality: k.muni, Kind: string(c.Kind), Status: string(c.Status)}
			lines[k] = l
		}
		l.Count++
		l.cents += c.AmountCents
	}
	keys := slices.SortedFunc(maps.Keys(lines), func(a, b lineKey) int {
		return cmp.Or(
			cmp.Compare(boolInt(a.kost == ""), boolInt(b.kost == "")), strings.Compare(a.kost, b.kost),
			strings.Compare(a.muni, b.muni),
			cmp.Compare(slices.Index(claimKinds, a.kind), slices.Index(claimKinds, b.kind)),
			cmp.Compare(slices.Index(domain.ClaimStatuses, a.status), slices.Index(domain.ClaimStatuses, b.status)),
			strings.Compare(string(a.kind), string(b.kind)), strings.Compare(string(a.status), string(b.status)))
	})
	var groups []summaryGroup
	grand := map[string]*summaryTotal{}
	for i, k := range keys {
		if i == 0 || k.kost != keys[i-1].kost {
			groups = append(groups, summaryGroup{CostCentre: k.kost})
		}
		g := &groups[len(groups)-1]
		l := lines[k]
		l.Total = accounting.Money(l.cents).String()
		g.Lines = append(g.Lines, *l)
	}
	for gi := range groups {
		g := &groups[gi]
		sub := map[string]*summaryTotal{}
		for _, l := range g.Lines {
			for _, m := range []map[string]*summaryTotal{sub, grand} {
				if m[l.Kind] == nil {
					m[l.Kind] = &summaryTotal{Kind: l.Kind}
				}
				m[l.Kind].Count += l.Count
				m[l.Kind].cents += l.cents
			}
		}
		g.Subtotals = sortedTotals(sub)
	}
	return groups, sortedTotals(grand)
}

// sortedTotals returns the totals in the order of claimKinds (unknown kinds
// last, by name), each with its Total formatted.
func sortedTotals(m map[string]*summaryTotal) []summaryTotal {
	var out []summaryTotal
	for _, t := range m {
		t.Total = accounting.Money(t.cents).String()
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b summaryTotal) int {
		ia, ib := slices.Index(claimKinds, domain.ClaimKind(a.Kind)), slices.Index(claimKinds, domain.ClaimKind(b.Kind))
		if ia < 0 {
			ia = len(claimKinds)
		}
		if ib < 0 {
			ib = len(claimKinds)
		}
		return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a.Kind, b.Kind))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// costCentre is the Kostenstelle of the tenant's municipality ags, or "".
func costCentre(t *domain.Tenant, ags string) string {
	if t.Payout == nil {
		return ""
	}
	return t.Payout.CostCentres[ags]
}

// municipalityName is the name of the tenant's municipality ags, or the AGS.
func municipalityName(t *domain.Tenant, ags string) string {
	if m, ok := t.Municipality(ags); ok {
		return m.Name
	}
	return ags
}

// summaryPDF is the month's summary as the accounting PDF wants it, with
// German labels (the PDFs are German, like the other accounting files).
func (s *Service) summaryPDF(t *domain.Tenant, month string, groups []summaryGroup, totals []summaryTotal) ([]byte, error) {
	kind := func(k string) string { return s.T.T("de", "claims.kind."+k) }
	conv := func(ts []summaryTotal) []accounting.SummaryTotal {
		out := make([]accounting.SummaryTotal, len(ts))
		for i, st := range ts {
			out[i] = accounting.SummaryTotal{Kind: kind(st.Kind), Count: st.Count, Amount: accounting.Money(st.cents)}
		}
		return out
	}
	sum := accounting.MonthSummary{Tenant: t.Name, Month: month, Totals: conv(totals)}
	for _, g := range groups {
		ag := accounting.SummaryGroup{CostCentre: g.CostCentre, Subtotals: conv(g.Subtotals)}
		for _, l := range g.Lines {
			ag.Lines = append(ag.Lines, accounting.SummaryLine{Municipality: l.Municipality, Kind: kind(l.Kind),
				Status: s.T.T("de", "claims.status."+l.Status), Count: l.Count, Amount: accounting.Money(l.cents)})
		}
		sum.Groups = append(sum.Groups, ag)
	}
	var b bytes.Buffer
	if err := accounting.WriteMonthSummary(&b, sum); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *Service) accountantSummaries(ctx context.Context, t *domain.Tenant, claims []*domain.Claim, month string) (int, error) {
	groups, totals := monthSummary(t, claims)
	csvFile, err := claimsCSV(t, claims)
	if err != nil {
		return 0, err
	}
	users, err := s.Store.Users(ctx, t.ID)
	if err != nil {
		return 0, err
	}
	var pdfFile []byte // made once, for the first accountant that gets mail
	n := 0
	for _, u := range users {
		if u.Role != domain.RoleAccountant {
			continue
		}
		if pdfFile == nil {
			if pdfFile, err = s.summaryPDF(t, month, groups, totals); err != nil {
				return n, err
			}
		}
		data := claimsMonthData(month, groups, totals, len(claims), s.BaseURL+"/claims?filter=all")
		queued, err := s.queueMailOnceWith(ctx, t.ID, "claims_month:"+u.ID.Hex()+":"+month, u.Email, "de", "claims_month", data,
			[]mail.Attachment{
				{Name: "abrechnungen-" + month + ".csv", ContentType: "text/csv; charset=utf-8", Data: csvFile},
				{Name: "abrechnungen-" + month + ".pdf", ContentType: "application/pdf", Data: pdfFile},
			})
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}

// claimsCSV lists claims for Excel, one row each with the municipality's
// cost centre, formula-safe.
func claimsCSV(t *domain.Tenant, claims []*domain.Claim) ([]byte, error) {
	var b bytes.Buffer
	w := accounting.NewCSVWriter(&b)
	if err := w.WriteText("Antrag", "Eingereicht", "Gemeinde", "Kostenstelle", "Art", "Stand", "Betrag (EUR)", "Fahrten", "Storno von"); err != nil {
		return nil, err
	}
	for _, c := range claims {
		rev := ""
		if !c.ReversalOf.IsZero() {
			rev = c.ReversalOf.Hex()
		}
		if err := w.Write(accounting.CSVText(c.ID.Hex()), accounting.CSVDate(c.SubmittedAt.In(berlin())),
			accounting.CSVText(municipalityName(t, c.Municipality)), accounting.CSVText(costCentre(t, c.Municipality)),
			accounting.CSVText(string(c.Kind)), accounting.CSVText(string(c.Status)),
			accounting.CSVAmount(accounting.Money(c.AmountCents)), accounting.CSVInt(int64(len(c.Trips))), accounting.CSVText(rev)); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *Service) volunteerSummaries(ctx context.Context, t *domain.Tenant, claims []*domain.Claim, month string) (int, error) {
	byVol := map[domain.ID][]*domain.Claim{}
	for _, c := range claims {
		byVol[c.Volunteer] = append(byVol[c.Volunteer], c)
	}
	n := 0
	for vid, cs := range byVol {
		v, err := s.Store.VolunteerForLink(ctx, vid)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		var items []monthItem
		for _, c := range cs {
			items = append(items, monthItem{Date: c.SubmittedAt.In(berlin()).Format("02.01.2006"),
				Status: s.T.T(v.Locale, "claims.status."+string(c.Status)), Amount: accounting.Money(c.AmountCents).String()})
		}
		data := volunteerMonthData(v.Name, month, items, s.BaseURL+"/me/login")
		queued, err := s.queueMailOnce(ctx, t.ID, "claims_month_volunteer:"+v.ID.Hex()+":"+month, v.Email, v.Locale, "claims_month_volunteer", data)
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}

// RemindUnclaimedTrips is the daily job for finished assignments nobody
// claimed travel costs for: in the fifth month after the assignment ended
// (accepted with a date that passed, or completed) the volunteer hears that
// claims lapse after six months. One reminder per assignment.
func (s *Service) RemindUnclaimedTrips(ctx context.Context, now time.Time) (int, error) {
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		n := 0
		ms, err := s.Store.Matches(ctx, domain.System(t.ID))
		if err != nil {
			return n, err
		}
		claims, err := s.Store.Claims(ctx, t.ID)
		if err != nil {
			return n, err
		}
		claimed := map[string]bool{}
		for _, c := range claims {
			claimed[domain.MatchID(c.Request, c.Volunteer)] = true
		}
		for _, m := range ms {
			if m.Status != domain.MatchCompleted || claimed[m.ID] || m.AnsweredAt.IsZero() {
				continue
			}
			ended := m.AnsweredAt
			months := exclusionOn(t, ended.In(berlin()))
			deadline := accounting.ClaimDeadline(ended.In(berlin()), months)
			if now.Before(deadline.Add(-ClaimReminderLead)) || accounting.Lapsed(ended.In(berlin()), now.In(berlin()), months) {
				continue
			}
			v, err := s.Store.VolunteerForLink(ctx, m.Volunteer)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return n, err
			}
			r, err := s.Store.Request(ctx, domain.System(t.ID), m.Request)
			if err != nil {
				continue
			}
			data := claimReminderData(v.Name, r.Title, deadline, s.BaseURL+"/me/login")
			queued, err := s.queueMailOnce(ctx, t.ID, "claim_reminder:"+m.ID, v.Email, v.Locale, "claim_reminder", data)
			if err != nil {
				return n, err
			}
			if queued {
				n++
			}
		}
		return n, nil
	})
}

// AllowanceStatements is the job of January: every volunteer paid flat
// allowances last year gets the sums per tax basis, for their tax return.
func (s *Service) AllowanceStatements(ctx context.Context, now time.Time) (int, error) {
	year := now.In(berlin()).Year() - 1
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		n := 0
		claims, err := s.Store.Claims(ctx, t.ID)
		if err != nil {
			return n, err
		}
		sums := map[domain.ID]map[string]int64{}
		for _, c := range claims {
			if c.Kind != domain.ClaimAllowance || c.AllowanceYear != year || !c.Status.Locked() {
				continue
			}
			if sums[c.Volunteer] == nil {
				sums[c.Volunteer] = map[string]int64{}
			}
			sums[c.Volunteer][c.AllowanceBasis] += c.AmountCents
		}
		for vid, bases := range sums {
			v, err := s.Store.VolunteerForLink(ctx, vid)
			if err != nil {
				continue
			}
			var lines []statementLine
			for _, b := range []accounting.AllowanceBasis{accounting.Nr26, accounting.Nr26a, accounting.Nr12} {
				if cents := bases[string(b)]; cents > 0 {
					lines = append(lines, statementLine{Basis: s.T.T(v.Locale, "allowance.basis."+string(b)), Amount: accounting.Money(cents).String()})
				}
			}
			if len(lines) == 0 {
				continue
			}
			data := statementData(v.Name, year, lines, t.Name)
			queued, err := s.queueMailOnce(ctx, t.ID, "allowance_statement:"+v.ID.Hex()+":"+fmt.Sprint(year), v.Email, v.Locale, "allowance_statement", data)
			if err != nil {
				return n, err
			}
			if queued {
				n++
			}
		}
		return n, nil
	})
}

// monthItem is one claim in a volunteer's monthly overview.
type monthItem struct{ Date, Status, Amount string }

// statementLine is one tax basis of a yearly allowance statement.
type statementLine struct{ Basis, Amount string }

// The data of the accounting mails; TestRenderMails uses them too.
func claimsMonthData(month string, groups []summaryGroup, totals []summaryTotal, count int, link string) map[string]any {
	return map[string]any{"Month": month, "Groups": groups, "Totals": totals, "Count": count, "Link": link}
}

func volunteerMonthData(name, month string, items []monthItem, portal string) map[string]any {
	return map[string]any{"Name": name, "Month": month, "Items": items, "Portal": portal}
}

func claimReminderData(name, title string, deadline time.Time, portal string) map[string]any {
	return map[string]any{"Name": name, "Title": title, "Deadline": deadline.Format("02.01.2006"), "Portal": portal}
}

func statementData(name string, year int, lines []statementLine, tenant string) map[string]any {
	return map[string]any{"Name": name, "Year": fmt.Sprint(year), "Lines": lines, "Tenant": tenant}
}

package service

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lotse/accounting"
	"lotse/domain"
	"lotse/mail"
)

// ClaimReminderAfter is when a finished assignment without a travel claim gets
// its reminder: in the fifth month, before the six-month exclusion period
// ends.
const ClaimReminderAfter = 4 * 30 * 24 * time.Hour

// previousMonth returns the Berlin calendar month before the one now is in, as its
// first instant and the first instant of the next.
func previousMonth(now time.Time) (from, to time.Time) {
	local := now.In(berlin())
	to = time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, berlin())
	return to.AddDate(0, -1, 0), to
}

// MonthlyClaimSummaries is the job of the first of each month. Accountants
// get the previous month's claims, counted and summed per municipality and
// status, with a CSV for Excel attached; each volunteer with claims submitted
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

// summaryLine is one municipality and status of a month's summary.
type summaryLine struct {
	Municipality, Status string
	Count                int
	Total                string
	cents                int64
}

func (s *Service) accountantSummaries(ctx context.Context, t *domain.Tenant, claims []*domain.Claim, month string) (int, error) {
	lines := map[[2]string]*summaryLine{}
	var total int64
	for _, c := range claims {
		name := c.Municipality
		if m, ok := t.Municipality(c.Municipality); ok {
			name = m.Name
		}
		k := [2]string{name, string(c.Status)}
		l := lines[k]
		if l == nil {
			l = &summaryLine{Municipality: name, Status: string(c.Status)}
			lines[k] = l
		}
		l.Count++
		l.cents += c.AmountCents
		total += c.AmountCents
	}
	var rows []summaryLine
	for _, l := range lines {
		l.Total = accounting.Money(l.cents).String()
		rows = append(rows, *l)
	}
	slices.SortFunc(rows, func(a, b summaryLine) int {
		return cmp.Or(strings.Compare(a.Municipality, b.Municipality), strings.Compare(a.Status, b.Status))
	})
	csvFile, err := claimsCSV(t, claims)
	if err != nil {
		return 0, err
	}
	users, err := s.Store.Users(ctx, t.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		if u.Role != domain.RoleAccountant {
			continue
		}
		data := claimsMonthData(month, rows, len(claims), accounting.Money(total), s.BaseURL+"/claims?filter=all")
		queued, err := s.queueMailOnceWith(ctx, t.ID, "claims_month:"+u.ID.Hex()+":"+month, u.Email, "de", "claims_month", data,
			[]mail.Attachment{{Name: "abrechnungen-" + month + ".csv", ContentType: "text/csv; charset=utf-8", Data: csvFile}})
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}

// claimsCSV lists claims for Excel, one row each, formula-safe.
func claimsCSV(t *domain.Tenant, claims []*domain.Claim) ([]byte, error) {
	var b bytes.Buffer
	w := accounting.NewCSVWriter(&b)
	if err := w.WriteText("Antrag", "Eingereicht", "Gemeinde", "Art", "Stand", "Betrag (EUR)", "Fahrten", "Storno von"); err != nil {
		return nil, err
	}
	for _, c := range claims {
		name := c.Municipality
		if m, ok := t.Municipality(c.Municipality); ok {
			name = m.Name
		}
		rev := ""
		if !c.ReversalOf.IsZero() {
			rev = c.ReversalOf.Hex()
		}
		if err := w.Write(accounting.CSVText(c.ID.Hex()), accounting.CSVDate(c.SubmittedAt.In(berlin())),
			accounting.CSVText(name), accounting.CSVText(string(c.Kind)), accounting.CSVText(string(c.Status)),
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
			if age := now.Sub(ended); age < ClaimReminderAfter || accounting.Lapsed(ended, now, accounting.DefaultExclusionMonths) {
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
			deadline := accounting.ClaimDeadline(ended.In(berlin()), accounting.DefaultExclusionMonths)
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
func claimsMonthData(month string, lines []summaryLine, count int, total accounting.Money, link string) map[string]any {
	return map[string]any{"Month": month, "Lines": lines, "Count": count, "Total": total.String(), "Link": link}
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

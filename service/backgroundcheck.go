package service

import (
	"context"
	"strconv"
	"time"

	"lotse/domain"
)

// ErrNoBackgroundCheck: the request needs a Führungszeugnis inspection the
// volunteer does not have (any more) for the request's day.
var ErrNoBackgroundCheck = &domain.Error{Code: domain.EConflict, Key: "match.no_background_check"}

// RecordBackgroundCheck stores what a coordinator saw when inspecting a
// volunteer's extended Führungszeugnis: the date it was issued, the day of
// the inspection and whether it rules the person out. Nothing else is kept
// (§ 72a Abs. 5 SGB VIII). The audit log says that, not what, was recorded.
func (s *Service) RecordBackgroundCheck(ctx context.Context, sc domain.Scope, id domain.ID, in domain.BackgroundCheckInput) (*domain.Volunteer, error) {
	if _, err := s.Volunteer(ctx, sc, id); err != nil {
		return nil, err
	}
	b, fe := in.Check(s.Now().In(berlin()).Format(time.DateOnly))
	if err := fe.Err(); err != nil {
		return nil, err
	}
	b.InspectedBy = sc.User
	if err := s.Store.SetBackgroundCheck(ctx, sc.Tenant, id, &b); err != nil {
		return nil, err
	}
	s.audit(ctx, sc, "volunteer.background_check", "volunteer", id, []string{"background_check"})
	return s.Store.Volunteer(ctx, sc, id)
}

// DeleteBackgroundCheck removes a volunteer's inspection record, as the law
// asks when the person does not take up the activity or has left it.
func (s *Service) DeleteBackgroundCheck(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
	v, err := s.Volunteer(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if v.BackgroundCheck == nil {
		return v, nil
	}
	if err := s.Store.SetBackgroundCheck(ctx, sc.Tenant, id, nil); err != nil {
		return nil, err
	}
	s.audit(ctx, sc, "volunteer.background_check.delete", "volunteer", id, []string{"background_check"})
	return s.Store.Volunteer(ctx, sc, id)
}

// Reminders before a Führungszeugnis needs renewing, in days.
var backgroundCheckReminders = []int{90, 30}

// RemindBackgroundChecks mails active volunteers whose inspected certificate
// needs renewing in 90 and again in 30 days, so they can apply in time (the
// Bundesamt takes weeks). Each reminder has a key per volunteer, due date and
// step: a renewed certificate (new due date) starts afresh, a re-run sends
// nothing twice. It returns the number queued.
func (s *Service) RemindBackgroundChecks(ctx context.Context, now time.Time) (int, error) {
	today := now.In(berlin()).Format(time.DateOnly)
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		n := 0
		vols, err := s.Store.ActiveVolunteers(ctx, t.ID)
		if err != nil {
			return n, err
		}
		for _, v := range vols {
			b := v.BackgroundCheck
			if b == nil || !b.Suitable {
				continue
			}
			left := daysBetween(today, b.RecheckDue)
			if left <= 0 {
				continue // due already: the engine no longer proposes them for such requests
			}
			step := 0
			for _, d := range backgroundCheckReminders {
				if left <= d {
					step = d
				}
			}
			if step == 0 {
				continue
			}
			queued, err := s.queueMailOnce(ctx, t.ID, "background_check_due:"+v.ID.Hex()+":"+b.RecheckDue+":"+strconv.Itoa(step),
				v.Email, v.Locale, "background_check_due", backgroundCheckData(v, t.Name, b.RecheckDue))
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

// backgroundCheckData is what the renewal reminder shows.
func backgroundCheckData(v *domain.Volunteer, tenant, due string) map[string]any {
	return map[string]any{"Name": v.Name, "Tenant": tenant, "Due": due}
}

// daysBetween counts the days from a to b (YYYY-MM-DD each); a bad date
// counts as far away.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 1 << 30
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// checkBackgroundCheck refuses a volunteer whose inspection record does not
// cover the request's day (today when it has none).
func (s *Service) checkBackgroundCheck(ctx context.Context, sc domain.Scope, r *domain.HelpRequest, volunteer domain.ID) error {
	v, err := s.Store.Volunteer(ctx, domain.System(sc.Tenant), volunteer)
	if err != nil {
		return err
	}
	day := r.Date
	if today := s.Now().In(berlin()).Format(time.DateOnly); day == "" || day < today {
		day = today
	}
	if v.BackgroundCheck.ValidUntil() < day {
		return ErrNoBackgroundCheck
	}
	return nil
}

package service

import (
	"cmp"
	"context"
	"slices"
	"time"

	"lotse/domain"
)

// Thresholds of the load dashboard: who carries too much, who was forgotten.
const (
	HighLoad  = 0.8
	IdleAfter = 90 * 24 * time.Hour
)

// LoadReport is the scope's load dashboard.
type LoadReport struct {
	Active int       // active volunteers of the scope
	High   []LoadRow // load at HighLoad or more, the most loaded first
	Idle   []LoadRow // no assignment for IdleAfter, the longest first
}

// LoadRow is one volunteer on the dashboard.
type LoadRow struct {
	Volunteer    *domain.Volunteer
	Load         float64
	LastAssigned time.Time // the last accepted assignment's start or end; zero: never
	IdleDays     int       // days since LastAssigned, or since confirming when never
}

// VolunteerLoad lists the scope's active volunteers who carry HighLoad or more
// of their capacity or monthly hours, and those without an assignment for
// IdleAfter, so a coordinator can spread the work before people burn out or
// drift away. A volunteer's assignments count in every municipality, not only
// the scope's; paused volunteers are not idle. It reads the active volunteers and the tenant's matches once.
func (s *Service) VolunteerLoad(ctx context.Context, sc domain.Scope) (LoadReport, error) {
	if err := staffOnly(sc); err != nil {
		return LoadReport{}, err
	}
	vols, err := s.Store.ActiveVolunteers(ctx, sc.Tenant)
	if err != nil {
		return LoadReport{}, err
	}
	matches, err := s.Store.Matches(ctx, domain.System(sc.Tenant))
	if err != nil {
		return LoadReport{}, err
	}
	now := s.Now()
	last := map[domain.ID]time.Time{}
	for _, m := range matches {
		var at time.Time
		switch m.Status {
		case domain.MatchAccepted:
			at = now // carrying it today
		case domain.MatchCompleted:
			at = m.AnsweredAt
		default:
			continue // never took the assignment up
		}
		if at.After(last[m.Volunteer]) {
			last[m.Volunteer] = at
		}
	}
	var rep LoadReport
	for _, v := range vols {
		if !sc.SeesMunicipality(v.Municipality) {
			continue
		}
		rep.Active++
		row := LoadRow{Volunteer: v, Load: v.Load(), LastAssigned: last[v.ID]}
		since := row.LastAssigned
		if since.IsZero() {
			since = v.ConfirmedAt
		}
		row.IdleDays = int(now.Sub(since) / (24 * time.Hour))
		if row.Load >= HighLoad {
			rep.High = append(rep.High, row)
		}
		// Who paused themselves said why they have no assignment.
		if v.ActiveAssignments == 0 && !v.Paused(now) && now.Sub(since) >= IdleAfter {
			rep.Idle = append(rep.Idle, row)
		}
	}
	slices.SortFunc(rep.High, func(a, b LoadRow) int {
		return cmp.Or(cmp.Compare(b.Load, a.Load), cmp.Compare(a.Volunteer.Name, b.Volunteer.Name))
	})
	slices.SortFunc(rep.Idle, func(a, b LoadRow) int {
		return cmp.Or(cmp.Compare(b.IdleDays, a.IdleDays), cmp.Compare(a.Volunteer.Name, b.Volunteer.Name))
	})
	return rep, nil
}

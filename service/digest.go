package service

import (
	"context"
	"slices"
	"time"

	"lotse/domain"
)

// digestList bounds the names a digest lists; the rest is a count.
const digestList = 10

// Digest is what one coordinator's daily mail says.
type Digest struct {
	NewVolunteers []string // names of those who confirmed in the last day
	Waiting       int      // proposed volunteers nobody has decided on
	WaitingFor    int      // requests with such proposals
	Urgent        []string // titles of urgent requests still open
	UrgentTotal   int
}

// empty reports whether the digest has nothing to say.
func (d *Digest) empty() bool {
	return len(d.NewVolunteers) == 0 && d.Waiting == 0 && d.UrgentTotal == 0
}

// SendDigests queues the daily digest for every admin and coordinator who has
// something in it: new volunteers of the last day, proposals waiting for a
// decision, urgent requests still open, each within the user's scope.
// The key names the user and the Berlin day, so a second run the same day
// sends nothing. It returns the number of digests queued.
func (s *Service) SendDigests(ctx context.Context, now time.Time) (int, error) {
	day := now.In(berlin()).Format(time.DateOnly)
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		n := 0
		users, err := s.Store.Users(ctx, t.ID)
		if err != nil {
			return n, err
		}
		staff := slices.DeleteFunc(users, func(u *domain.User) bool {
			return u.Role != domain.RoleAdmin && u.Role != domain.RoleCoordinator
		})
		if len(staff) == 0 {
			return 0, nil
		}
		vols, err := s.Store.ActiveVolunteers(ctx, t.ID)
		if err != nil {
			return n, err
		}
		rv, err := s.ProposalReview(ctx, domain.System(t.ID))
		if err != nil {
			return n, err
		}
		open, err := s.Store.OpenRequests(ctx, domain.System(t.ID))
		if err != nil {
			return n, err
		}
		for _, u := range staff {
			d := digestFor(u.Scope(), vols, rv, open, now)
			if d.empty() {
				continue
			}
			queued, err := s.queueMailOnce(ctx, t.ID, "digest:"+u.ID.Hex()+":"+day, u.Email, "de", "digest",
				digestData(&d, t.Name, day, s.BaseURL))
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

// digestFor picks one user's part of the tenant's state.
func digestFor(sc domain.Scope, vols []*domain.Volunteer, rv Review, open []*domain.HelpRequest, now time.Time) Digest {
	var d Digest
	for _, v := range vols {
		if sc.SeesMunicipality(v.Municipality) && now.Sub(v.ConfirmedAt) <= 24*time.Hour && !v.ConfirmedAt.After(now) {
			d.NewVolunteers = append(d.NewVolunteers, v.Name)
		}
	}
	slices.Sort(d.NewVolunteers)
	for _, it := range rv.Items {
		r := it.Request
		if !sc.SeesMunicipality(r.Municipality) {
			continue
		}
		waiting := 0
		for _, c := range it.Proposal.Proposed {
			if rv.Decisions[domain.MatchID(r.ID, c.Volunteer)] == nil {
				waiting++
			}
		}
		if waiting > 0 {
			d.Waiting += waiting
			d.WaitingFor++
		}
	}
	for _, r := range open {
		if r.Priority == domain.MaxPriority && sc.SeesMunicipality(r.Municipality) {
			d.UrgentTotal++
			if len(d.Urgent) < digestList {
				d.Urgent = append(d.Urgent, r.Title)
			}
		}
	}
	return d
}

// digestData is what the digest mail shows.
func digestData(d *Digest, tenant, day, base string) map[string]any {
	names := d.NewVolunteers
	more := 0
	if len(names) > digestList {
		names, more = names[:digestList], len(names)-digestList
	}
	return map[string]any{"Tenant": tenant, "Day": day, "New": names, "NewMore": more, "NewTotal": len(d.NewVolunteers),
		"Waiting": d.Waiting, "WaitingFor": d.WaitingFor, "Urgent": d.Urgent, "UrgentMore": d.UrgentTotal - len(d.Urgent),
		"UrgentTotal": d.UrgentTotal, "Review": base + "/proposals", "Volunteers": base + "/volunteers"}
}

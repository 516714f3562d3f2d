package service

import (
	"context"
	"errors"
	"time"

	"lotse/domain"
)

// An unanswered offer is recalled after OfferRemindAfter and given up after
// OfferExpireAfter, so a place is never blocked for the offer's whole TTL.
const (
	OfferRemindAfter = 48 * time.Hour
	OfferExpireAfter = 96 * time.Hour
)

// FollowUpOffers is the hourly job for offers nobody answered: after
// OfferRemindAfter the volunteer gets one reminder; after OfferExpireAfter the
// match expires, the request's place and the volunteer's capacity go back, the
// request's creator is told and the municipality gets fresh proposals. It
// works from the matches' state, not from "what happened since the last run",
// so a missed or repeated run does each step once: each mail has a key per
// match, and the expiry is a guarded change from approved. It returns the
// number of reminders and expiries.
func (s *Service) FollowUpOffers(ctx context.Context, now time.Time) (int, error) {
	return s.eachMatch(ctx, domain.MatchApproved, func(_ *domain.Tenant, m *domain.Match) (bool, error) {
		switch age := now.Sub(m.DecidedAt); {
		case age >= OfferExpireAfter:
			return s.expireOffer(ctx, m)
		case age >= OfferRemindAfter:
			return s.remindOffer(ctx, m)
		}
		return false, nil
	})
}

// eachMatch runs fn for every match in status st of every tenant and counts
// the calls that did something: the jobs that follow matches up.
func (s *Service) eachMatch(ctx context.Context, st domain.MatchStatus, fn func(*domain.Tenant, *domain.Match) (bool, error)) (int, error) {
	return s.eachTenant(ctx, func(t *domain.Tenant) (int, error) {
		ms, err := s.Store.Matches(ctx, domain.System(t.ID))
		if err != nil {
			return 0, err
		}
		n := 0
		for _, m := range ms {
			if m.Status != st {
				continue
			}
			did, err := fn(t, m)
			if did {
				n++
			}
			if err != nil {
				return n, err
			}
		}
		return n, nil
	})
}

// remindOffer queues the volunteer's reminder once per match.
func (s *Service) remindOffer(ctx context.Context, m *domain.Match) (bool, error) {
	o, err := s.offerOf(ctx, m)
	if err != nil {
		return false, err
	}
	v, err := s.Store.VolunteerForLink(ctx, m.Volunteer)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil // erased meanwhile
	}
	if err != nil {
		return false, err
	}
	data := reminderData(o, s.offerURL(m, m.DecidedAt.Add(OfferTTL), v.Locale), s.BaseURL+"/me/login", m.DecidedAt.Add(OfferExpireAfter))
	return s.queueMailOnce(ctx, m.Tenant, "offer_reminder:"+m.ID, v.Email, v.Locale, "offer_reminder", data)
}

// reminderData is the offer's data with the time the offer lapses.
func reminderData(o *Offer, link, portal string, until time.Time) map[string]any {
	data := offerData(o, link, portal)
	data["Until"] = berlinTime(until)
	return data
}

// expireOffer ends an unanswered offer. A volunteer answering at the same
// moment wins: the guarded change from approved then fails and nothing ends.
func (s *Service) expireOffer(ctx context.Context, m *domain.Match) (bool, error) {
	sys := domain.System(m.Tenant)
	err := s.endMatchAs(ctx, sys, m, domain.MatchApproved, domain.MatchExpired, "", "match.expired")
	if errors.Is(err, domain.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	o, err := s.offerOf(ctx, m)
	if err != nil {
		s.Log.Error("load expired offer", "match", m.ID, "err", err)
		return true, nil // the expiry itself stands
	}
	s.afterRelease(ctx, o, "offer_expired", expiredData(o, s.BaseURL+"/requests/"+o.Request.ID.Hex()))
	return true, nil
}

// expiredData is what the creator's notice of an unanswered offer shows.
func expiredData(o *Offer, link string) map[string]any {
	return map[string]any{"Title": o.Request.Title, "Municipality": o.Municipality, "Link": link,
		"Hours": int(OfferExpireAfter.Hours())}
}

// berlinTime formats t for mails: German local time, as on the pages.
func berlinTime(t time.Time) string { return t.In(berlin()).Format("02.01.2006 15:04") }

package service

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"lotse/domain"
	"lotse/store"
)

// The volunteer portal: volunteers have no password. They ask for a login
// link by email; the link names the volunteer and a random nonce, is signed,
// valid for PortalLinkTTL and works once (the volunteer document holds the
// nonce's hash until it is used or replaced by a newer link). Opening the
// link shows a page with a button; only the button's POST signs in, so mail
// scanners that open links consume nothing. Signing in starts a portal
// session, kept in the sessions collection like a staff session but naming
// the volunteer instead of a user.

// Portal rules.
const (
	PortalLinkTTL      = 30 * time.Minute // a login link's validity
	PortalIdle         = 30 * time.Minute // a portal session ends after this long without a request
	PortalMaxAge       = 12 * time.Hour   // … and this long after signing in, active or not
	portalTouchEvery   = 5 * time.Minute  // how stale last_seen may get before a write
	PortalLoginWindow  = time.Hour        // window of the login-link rate limits
	PortalLoginIPLimit = 20               // link requests per client address and window
	// PortalLoginEmailLimit bounds the link requests per address and window,
	// so nobody can flood a volunteer's mailbox from many addresses.
	PortalLoginEmailLimit = 5
	// PortalHistory is how many ended matches the portal lists.
	PortalHistory = 10
)

// PurposePortal signs portal login links.
const PurposePortal = "portal"

// Portal errors with message keys.
var (
	ErrAlreadyWithdrawn = &domain.Error{Code: domain.EConflict, Key: "me.withdraw.already"}
	ErrNotAssigned      = &domain.Error{Code: domain.EConflict, Key: "me.withdraw.not_assigned"}
)

// PortalLink is what a login link carries back: the raw query values.
type PortalLink struct {
	ID, Nonce, Exp, Sig string
}

var berlin = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
})

// portalMayEnter reports whether a volunteer in status st may use the portal:
// confirmed ones, active or paused by a coordinator.
func portalMayEnter(st domain.VolunteerStatus) bool {
	return st == domain.VolunteerActive || st == domain.VolunteerInactive
}

// RequestPortalLink mails a login link to every confirmed volunteer with this
// address (one per tenant they are registered with). The answer is the same
// whether or not anybody has the address, so the form tells nobody who is
// registered; only a malformed address (EInvalid, field "email") and too many
// requests (ErrRateLimited, per client address and per address asked for)
// are reported. A second request for the same volunteer within the same
// minute sends no second mail and keeps the first link valid. client is the
// caller's IP address; it is only hashed.
func (s *Service) RequestPortalLink(ctx context.Context, email, client string) error {
	ok, err := s.Store.Hit(ctx, "portal_login", s.keyedHash("ip", client), PortalLoginWindow, PortalLoginIPLimit)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRateLimited
	}
	email = strings.ToLower(strings.TrimSpace(email))
	fe := domain.FieldErrors{}
	domain.ValidateEmail(fe, "email", email)
	if err := fe.Err(); err != nil {
		return err
	}
	ok, err = s.Store.Hit(ctx, "portal_login_email", s.keyedHash("email", email), PortalLoginWindow, PortalLoginEmailLimit)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRateLimited
	}
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return err
	}
	// Every address costs the same lookups: one primary-key read per tenant.
	for _, t := range tenants {
		id, err := s.Store.VolunteerIDByEmail(ctx, t.ID, email)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := s.Store.Volunteer(ctx, domain.System(t.ID), id)
		if err != nil {
			return err
		}
		if !portalMayEnter(v.Status) {
			continue // pending or former: no link, the same answer
		}
		if err := s.sendPortalLink(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// sendPortalLink queues a login mail for v with a fresh nonce. The mail goes
// into the outbox first, keyed by volunteer and minute; only when it was new
// does its nonce become the valid one, so a double submit neither sends twice
// nor invalidates the link of the mail that did go out.
func (s *Service) sendPortalLink(ctx context.Context, v *domain.Volunteer) error {
	nonce, err := newToken()
	if err != nil {
		return err
	}
	now := s.Now()
	exp := now.Add(PortalLinkTTL)
	key := "portal_login:" + v.ID.Hex() + ":" + strconv.FormatInt(now.Truncate(time.Minute).Unix(), 10)
	subject, text, html, err := s.mails.render("portal_login", v.Locale, portalLoginData(v, s.portalURL(v, nonce, exp), exp))
	if err != nil {
		return err
	}
	queued, err := s.Store.Enqueue(ctx, v.Tenant, store.OutboxMessage{Key: key, To: v.Email, Subject: subject,
		Text: text, HTML: html, Lang: v.Locale})
	if err != nil || !queued {
		return err
	}
	if err := s.Store.SetLoginNonce(ctx, v.Tenant, v.ID, TokenHash(nonce), exp); err != nil {
		return err
	}
	// Only now: the link in the mail works once its nonce is stored.
	s.notifyMail()
	s.Log.Info("portal link sent", "tenant", v.Tenant.Hex(), "volunteer", v.ID.Hex())
	return nil
}

func (s *Service) portalURL(v *domain.Volunteer, nonce string, exp time.Time) string {
	q := url.Values{}
	q.Set("lang", v.Locale) // the page opens in the volunteer's language; not signed, harmless
	q.Set("id", v.ID.Hex())
	q.Set("n", nonce)
	q.Set("exp", strconv.FormatInt(exp.Unix(), 10))
	q.Set("sig", s.signLink(PurposePortal+"\x00"+nonce, v.ID, exp))
	return s.BaseURL + "/me/enter?" + q.Encode()
}

// portalLoginData is what the portal_login mail shows; the mail render test
// uses it too.
func portalLoginData(v *domain.Volunteer, link string, exp time.Time) map[string]any {
	return map[string]any{"Name": v.Name, "Link": link, "Minutes": int(PortalLinkTTL.Minutes()),
		"Until": exp.In(berlin()).Format("15:04")}
}

// verifyPortalLink checks a login link's signature and expiry and that its
// nonce is still the volunteer's valid one. It returns ErrLinkInvalid for a
// link Lotse did not issue (or whose volunteer may not enter any more),
// ErrLinkExpired, and ErrLinkUsed for a link used or replaced by a newer one.
func (s *Service) verifyPortalLink(ctx context.Context, l PortalLink) (*domain.Volunteer, string, error) {
	if l.Nonce == "" || len(l.Nonce) > 64 {
		return nil, "", ErrLinkInvalid
	}
	id, err := s.verifyLink(PurposePortal+"\x00"+l.Nonce, SignedLink{ID: l.ID, Exp: l.Exp, Sig: l.Sig})
	if err != nil {
		return nil, "", err
	}
	v, err := s.Store.VolunteerForLink(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, "", ErrLinkInvalid
	}
	if err != nil {
		return nil, "", err
	}
	if !portalMayEnter(v.Status) {
		return nil, "", ErrLinkInvalid
	}
	hash := TokenHash(l.Nonce)
	stored, exp, err := s.Store.LoginNonce(ctx, v.Tenant, v.ID)
	if err != nil {
		return nil, "", err
	}
	switch {
	case stored != hash:
		return v, "", ErrLinkUsed
	case !s.Now().Before(exp):
		return v, "", ErrLinkExpired
	}
	return v, hash, nil
}

// PortalLinkVolunteer returns the volunteer a login link names, for the page
// that asks them to sign in. It consumes nothing.
func (s *Service) PortalLinkVolunteer(ctx context.Context, l PortalLink) (*domain.Volunteer, error) {
	v, _, err := s.verifyPortalLink(ctx, l)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// EnterPortal signs a volunteer in with a login link, which it uses up, and
// returns the session token for the cookie and the volunteer. A second use
// of the link is ErrLinkUsed; see verifyPortalLink for the rest.
func (s *Service) EnterPortal(ctx context.Context, l PortalLink) (string, *domain.Volunteer, error) {
	v, hash, err := s.verifyPortalLink(ctx, l)
	if err != nil {
		return "", v, err
	}
	if err := s.Store.ConsumeLoginNonce(ctx, v.Tenant, v.ID, hash); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return "", v, ErrLinkUsed // the other of two simultaneous clicks
		}
		return "", nil, err
	}
	token, err := newToken()
	if err != nil {
		return "", nil, err
	}
	now := s.Now()
	sess := &domain.Session{ID: TokenHash(token), Volunteer: v.ID, Tenant: v.Tenant,
		CreatedAt: now, ExpiresAt: now.Add(PortalIdle), LastSeenAt: now}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	s.Log.Info("portal login", "tenant", v.Tenant.Hex(), "volunteer", v.ID.Hex())
	return token, v, nil
}

// PortalVolunteer returns the volunteer of a portal session token and keeps
// the session alive: it ends PortalIdle after the last request and
// PortalMaxAge after signing in. It returns ErrUnauthorized for an unknown,
// expired or staff session and for a volunteer who may no longer enter.
func (s *Service) PortalVolunteer(ctx context.Context, token string) (*domain.Volunteer, error) {
	if token == "" || len(token) > 128 {
		return nil, domain.ErrUnauthorized
	}
	hash := TokenHash(token)
	sess, err := s.Store.SessionByTokenHash(ctx, hash)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if sess.Volunteer.IsZero() || !sess.User.IsZero() {
		return nil, domain.ErrUnauthorized // a staff session grants nothing here
	}
	now := s.Now()
	end := sess.CreatedAt.Add(PortalMaxAge)
	if !now.Before(sess.ExpiresAt) || !now.Before(end) {
		if err := s.Store.DeleteSession(ctx, hash); err != nil {
			s.Log.Warn("delete expired portal session", "err", err)
		}
		return nil, domain.ErrUnauthorized
	}
	v, err := s.Store.Volunteer(ctx, domain.System(sess.Tenant), sess.Volunteer)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !portalMayEnter(v.Status) {
		return nil, domain.ErrUnauthorized
	}
	if now.Sub(sess.LastSeenAt) >= portalTouchEvery {
		exp := now.Add(PortalIdle)
		if exp.After(end) {
			exp = end
		}
		if err := s.Store.TouchSession(ctx, hash, now, exp); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return nil, domain.ErrUnauthorized // signed out meanwhile
			}
			s.Log.Warn("touch portal session", "volunteer", v.ID.Hex(), "err", err)
		}
	}
	return v, nil
}

// PortalItem is one of the volunteer's matches as the portal shows it: of
// the request only what the offer mail shows too (no description, no
// beneficiary).
type PortalItem struct {
	Match        *domain.Match
	Request      *domain.HelpRequest
	Municipality string // the municipality's name
}

// Portal is the volunteer's overview.
type Portal struct {
	Volunteer *domain.Volunteer
	Offers    []PortalItem // approved: waiting for the volunteer's answer
	Current   []PortalItem // accepted
	History   []PortalItem // declined, withdrawn, completed; newest first, at most PortalHistory
}

// PortalOf returns the overview of volunteer v: only v's own matches in v's
// tenant. Matches a coordinator rejected never reached the volunteer and are
// not shown.
func (s *Service) PortalOf(ctx context.Context, v *domain.Volunteer) (*Portal, error) {
	ms, err := s.Store.MatchesOfVolunteer(ctx, v.Tenant, v.ID)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.Tenant(ctx, v.Tenant)
	if err != nil {
		return nil, err
	}
	p := &Portal{Volunteer: v}
	// Newest decision or answer first.
	when := func(m *domain.Match) time.Time {
		if m.AnsweredAt.After(m.DecidedAt) {
			return m.AnsweredAt
		}
		return m.DecidedAt
	}
	slices.SortFunc(ms, func(a, b *domain.Match) int { return when(b).Compare(when(a)) })
	for _, m := range ms {
		var list *[]PortalItem
		switch m.Status {
		case domain.MatchApproved:
			list = &p.Offers
		case domain.MatchAccepted:
			list = &p.Current
		case domain.MatchDeclined, domain.MatchWithdrawn, domain.MatchCompleted, domain.MatchExpired:
			if len(p.History) >= PortalHistory {
				continue
			}
			list = &p.History
		default:
			continue
		}
		r, err := s.Store.Request(ctx, domain.System(v.Tenant), m.Request)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		it := PortalItem{Match: m, Request: r, Municipality: r.Municipality}
		if mu, ok := t.Municipality(r.Municipality); ok {
			it.Municipality = mu.Name
		}
		*list = append(*list, it)
	}
	return p, nil
}

// ownMatch returns volunteer v's match on request, or ErrNotFound when v has
// none there (another volunteer's match, or another tenant's, looks the same).
func (s *Service) ownMatch(ctx context.Context, v *domain.Volunteer, request domain.ID) (*domain.Match, error) {
	m, err := s.Store.MatchForLink(ctx, request, v.ID)
	if err != nil {
		return nil, err
	}
	if m.Tenant != v.Tenant || m.Status == domain.MatchRejected {
		return nil, domain.ErrNotFound
	}
	return m, nil
}

// RespondAsVolunteer answers volunteer v's offer on request from the portal,
// with the same rules and effects as RespondToOffer. It returns ErrNotFound
// when v has no offer on request.
func (s *Service) RespondAsVolunteer(ctx context.Context, v *domain.Volunteer, request domain.ID, accept bool, reason string) (*Offer, error) {
	m, err := s.ownMatch(ctx, v, request)
	if err != nil {
		return nil, err
	}
	return s.respondToOffer(ctx, m, accept, reason)
}

// maxWithdrawReason bounds a volunteer's reason for withdrawing.
const maxWithdrawReason = 500

// WithdrawAssignment ends volunteer v's accepted assignment on request: the
// request's place and v's capacity come back, the request's coordinator is
// told by mail, and the municipality is proposed for again. A second
// withdrawal returns ErrAlreadyWithdrawn, a match that is not an assignment
// ErrNotAssigned, another volunteer's or tenant's ErrNotFound; a reason
// longer than 500 characters is EInvalid (field "reason").
func (s *Service) WithdrawAssignment(ctx context.Context, v *domain.Volunteer, request domain.ID, reason string) error {
	reason = domain.CleanText(reason)
	if utf8.RuneCountInString(reason) > maxWithdrawReason {
		return domain.FieldErrors{"reason": "field.too_long"}.Err()
	}
	m, err := s.ownMatch(ctx, v, request)
	if err != nil {
		return err
	}
	switch m.Status {
	case domain.MatchAccepted:
	case domain.MatchWithdrawn:
		return ErrAlreadyWithdrawn
	default:
		return ErrNotAssigned
	}
	sc := domain.System(v.Tenant)
	sc.User = v.ID
	if err := s.endMatchAs(ctx, sc, m, domain.MatchAccepted, domain.MatchWithdrawn, reason, "match.withdraw"); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			// The other of two clicks, or the request was closed meanwhile.
			if now, rerr := s.Store.MatchForLink(ctx, request, v.ID); rerr == nil && now.Status == domain.MatchWithdrawn {
				return ErrAlreadyWithdrawn
			}
			return ErrNotAssigned
		}
		return err
	}
	m.AnswerReason = reason
	o, err := s.offerOf(ctx, m)
	if err != nil {
		s.Log.Error("load withdrawn assignment", "request", request.Hex(), "err", err)
		return nil // the withdrawal itself stands
	}
	s.afterWithdraw(ctx, o)
	return nil
}

// afterWithdraw tells the request's coordinator and proposes again for the
// municipality. Failures are logged: the withdrawal itself is recorded.
func (s *Service) afterWithdraw(ctx context.Context, o *Offer) {
	s.afterRelease(ctx, o, "assignment_withdrawn", withdrawnData(o, s.BaseURL+"/requests/"+o.Request.ID.Hex()))
}

// withdrawnData is what the coordinator's withdrawal notice shows.
func withdrawnData(o *Offer, link string) map[string]any {
	d := declinedData(o, link)
	d["Date"] = o.Request.Date
	return d
}

// UpdatePortalProfile changes what volunteer v may change about themselves:
// availability, radius, transport, capacity (not below the assignments they
// hold), hours per month, consent to neighbouring municipalities, and the
// language of Lotse's mails. It returns EInvalid with field errors and then
// writes nothing; the audit log records the names of the changed fields.
func (s *Service) UpdatePortalProfile(ctx context.Context, v *domain.Volunteer, in domain.ProfileInput) error {
	sc := domain.System(v.Tenant)
	cur, err := s.Store.Volunteer(ctx, sc, v.ID)
	if err != nil {
		return err
	}
	clean, fe := in.Clean(cur.ActiveAssignments, cur.HoursCommitted)
	if err := fe.Err(); err != nil {
		return err
	}
	sc.User = v.ID
	changed, err := s.Store.UpdateVolunteer(ctx, sc, v.ID, store.VolunteerPatch{
		RadiusKm: &clean.RadiusKm, Transport: &clean.Transport, Availability: &clean.Availability,
		Capacity: &clean.Capacity, MaxHoursPerMonth: &clean.MaxHoursPerMonth, Neighbouring: &clean.Neighbouring,
		Locale: &clean.Locale,
	})
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		s.audit(ctx, sc, "volunteer.update", "volunteer", v.ID, changed)
	}
	return nil
}

// PauseVolunteer pauses volunteer v until the start of day (YYYY-MM-DD,
// Europe/Berlin), which must lie after today and at most MaxPauseDays ahead:
// until then the engine proposes v for nothing. Offers and assignments v
// holds stay. Errors are EInvalid with field "until".
func (s *Service) PauseVolunteer(ctx context.Context, v *domain.Volunteer, day string) (time.Time, error) {
	loc := berlin()
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(day), loc)
	if err != nil {
		return time.Time{}, domain.FieldErrors{"until": "field.date.invalid"}.Err()
	}
	now := s.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch {
	case !d.After(today):
		return time.Time{}, domain.FieldErrors{"until": "field.pause.past"}.Err()
	case d.After(today.AddDate(0, 0, domain.MaxPauseDays)):
		return time.Time{}, domain.FieldErrors{"until": "field.pause.too_far"}.Err()
	}
	until := d.UTC()
	if err := s.Store.SetPausedUntil(ctx, v.Tenant, v.ID, until); err != nil {
		return time.Time{}, err
	}
	sc := domain.System(v.Tenant)
	sc.User = v.ID
	s.audit(ctx, sc, "volunteer.pause", "volunteer", v.ID, []string{"paused_until"})
	return until, nil
}

// ResumeVolunteer ends volunteer v's pause; without one it does nothing.
func (s *Service) ResumeVolunteer(ctx context.Context, v *domain.Volunteer) error {
	if v.PausedUntil.IsZero() {
		return nil
	}
	if err := s.Store.SetPausedUntil(ctx, v.Tenant, v.ID, time.Time{}); err != nil {
		return err
	}
	sc := domain.System(v.Tenant)
	sc.User = v.ID
	s.audit(ctx, sc, "volunteer.resume", "volunteer", v.ID, []string{"paused_until"})
	return nil
}

// PortalLogout ends a portal session; an unknown one is not an error. A
// staff session's token does nothing here.
func (s *Service) PortalLogout(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	hash := TokenHash(token)
	sess, err := s.Store.SessionByTokenHash(ctx, hash)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sess.Volunteer.IsZero() {
		return nil
	}
	return s.Store.DeleteSession(ctx, hash)
}

package service

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"lotse/domain"
)

// An approved match is offered to the volunteer by mail. The offer's links
// carry the pair and a signature; opening one shows the offer, and only the
// volunteer's click on accept or decline (a POST) answers it, so mail scanners
// that open links answer nothing.

// maxAnswerReason bounds a volunteer's reason for declining.
const maxAnswerReason = 500

// OfferTTL is how long an offer's links stay valid.
const OfferTTL = 7 * 24 * time.Hour

// PurposeOffer signs offer links.
const PurposeOffer = "offer"

// Offer errors with message keys.
var (
	ErrOfferClosed   = &domain.Error{Code: domain.EConflict, Key: "offer.closed"}
	ErrOfferAnswered = &domain.Error{Code: domain.EConflict, Key: "offer.answered"}
)

// OfferLink is what an offer link carries back.
type OfferLink struct {
	Request, Volunteer, Exp, Sig string
}

// Offer is what the volunteer sees: the match, and of the request only what
// they need to decide (no description, no beneficiary).
type Offer struct {
	Match        *domain.Match
	Request      *domain.HelpRequest
	Municipality string
	Volunteer    string // the volunteer's name, for the greeting
}

func (s *Service) offerURL(m *domain.Match, exp time.Time, lang string) string {
	q := url.Values{}
	q.Set("lang", lang) // the page opens in the volunteer's language; not signed, harmless
	q.Set("r", m.Request.Hex())
	q.Set("v", m.Volunteer.Hex())
	q.Set("exp", strconv.FormatInt(exp.Unix(), 10))
	q.Set("sig", s.signLink(PurposeOffer+"\x00"+m.Volunteer.Hex(), m.Request, exp))
	return s.BaseURL + "/offers?" + q.Encode()
}

// verifyOffer checks an offer link and returns its match.
func (s *Service) verifyOffer(ctx context.Context, l OfferLink) (*domain.Match, error) {
	vol, err := domain.ParseID(l.Volunteer)
	if err != nil {
		return nil, ErrLinkInvalid
	}
	req, err := s.verifyLink(PurposeOffer+"\x00"+vol.Hex(), SignedLink{ID: l.Request, Exp: l.Exp, Sig: l.Sig})
	if err != nil {
		return nil, err
	}
	m, err := s.Store.MatchForLink(ctx, req, vol)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	return m, err
}

// sendOffer mails the volunteer an approved match (once per match: the
// outbox key is the pair).
func (s *Service) sendOffer(ctx context.Context, m *domain.Match) error {
	o, err := s.offerOf(ctx, m)
	if err != nil {
		return err
	}
	v, err := s.Store.VolunteerForLink(ctx, m.Volunteer)
	if err != nil {
		return err
	}
	return s.queueMail(ctx, m.Tenant, "offer:"+m.ID, v.Email, v.Locale, "offer",
		offerData(o, s.offerURL(m, s.Now().Add(OfferTTL), v.Locale), s.BaseURL+"/me/login"))
}

// offerData is what the offer mail shows; the mail render test uses it too.
// portal is the address of the volunteer portal's login page.
func offerData(o *Offer, link, portal string) map[string]any {
	return map[string]any{"Name": o.Volunteer, "Category": o.Request.Category, "Title": o.Request.Title,
		"Municipality": o.Municipality, "Date": o.Request.Date, "Time": o.Request.Time,
		"Slots": o.Request.Slots, "Link": link, "Days": int(OfferTTL.Hours() / 24), "Portal": portal}
}

func (s *Service) offerOf(ctx context.Context, m *domain.Match) (*Offer, error) {
	sys := domain.System(m.Tenant)
	r, err := s.Store.Request(ctx, sys, m.Request)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.Tenant(ctx, m.Tenant)
	if err != nil {
		return nil, err
	}
	o := &Offer{Match: m, Request: r, Municipality: r.Municipality}
	if mu, ok := t.Municipality(r.Municipality); ok {
		o.Municipality = mu.Name
	}
	if v, err := s.Store.VolunteerForLink(ctx, m.Volunteer); err == nil {
		o.Volunteer = v.Name
	}
	return o, nil
}

// OfferFor returns the offer a link names.
func (s *Service) OfferFor(ctx context.Context, l OfferLink) (*Offer, error) {
	m, err := s.verifyOffer(ctx, l)
	if err != nil {
		return nil, err
	}
	return s.offerOf(ctx, m)
}

// RespondToOffer records the volunteer's answer. Accepting turns the match
// into an active assignment; declining gives the request's place and the
// capacity back, tells the request's coordinator, and proposes again for the
// request's municipality so the next candidate comes up. Answering twice the
// same way returns the same offer; changing one's answer by the old link is
// refused (ErrOfferAnswered). An offer for a request that was closed meanwhile
// cannot be accepted (ErrOfferClosed).
func (s *Service) RespondToOffer(ctx context.Context, l OfferLink, accept bool, reason string) (*Offer, error) {
	m, err := s.verifyOffer(ctx, l)
	if err != nil {
		return nil, err
	}
	return s.respondToOffer(ctx, m, accept, reason)
}

// respondToOffer answers the match m for its volunteer, whoever proved to be
// them: the signed offer link or a portal session.
func (s *Service) respondToOffer(ctx context.Context, m *domain.Match, accept bool, reason string) (*Offer, error) {
	o, err := s.offerOf(ctx, m)
	if err != nil {
		return nil, err
	}
	want := domain.MatchDeclined
	if accept {
		want = domain.MatchAccepted
	}
	switch m.Status {
	case want:
		return o, nil
	case domain.MatchApproved:
	default:
		return o, ErrOfferAnswered
	}
	sys := domain.System(m.Tenant)
	sys.User = m.Volunteer
	closed := o.Request.Status == domain.RequestCancelled || o.Request.Status == domain.RequestDone
	if accept && closed {
		if err := s.endMatch(ctx, sys, m, domain.MatchWithdrawn, "request closed"); err != nil {
			return nil, err
		}
		return o, ErrOfferClosed
	}
	if accept {
		if err := s.Store.SetMatchStatus(ctx, m, domain.MatchApproved, domain.MatchAccepted, ""); err != nil {
			return s.answeredMeanwhile(ctx, o, want, err)
		}
		m.Status = domain.MatchAccepted
		s.audit(ctx, sys, "match.accept", "match", m.Request, []string{"status"})
		return o, nil
	}
	if err := s.endMatch(ctx, sys, m, domain.MatchDeclined, domain.CleanText(reason)); err != nil {
		return s.answeredMeanwhile(ctx, o, want, err)
	}
	m.AnswerReason = domain.CleanText(reason)
	s.afterDecline(ctx, o)
	return o, nil
}

// endMatch ends an approved match and gives its place and capacity back.
func (s *Service) endMatch(ctx context.Context, sc domain.Scope, m *domain.Match, to domain.MatchStatus, reason string) error {
	return s.endMatchFrom(ctx, sc, m, domain.MatchApproved, to, reason)
}

// closeMatches ends the matches that hold a place on a request that was just
// cancelled or done: accepted ones are completed (done) or withdrawn
// (cancelled), unanswered offers withdrawn; each gives its capacity back.
func (s *Service) closeMatches(ctx context.Context, sc domain.Scope, request domain.ID, to domain.RequestStatus) error {
	ms, err := s.Store.Matches(ctx, sc)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Request != request || (m.Status != domain.MatchApproved && m.Status != domain.MatchAccepted) {
			continue
		}
		end := domain.MatchWithdrawn
		if to == domain.RequestDone && m.Status == domain.MatchAccepted {
			end = domain.MatchCompleted
		}
		err := s.endMatchFrom(ctx, sc, m, m.Status, end, "")
		if err != nil && !errors.Is(err, domain.ErrConflict) { // a conflict: the volunteer answered meanwhile
			return err
		}
	}
	return nil
}

func (s *Service) endMatchFrom(ctx context.Context, sc domain.Scope, m *domain.Match, from, to domain.MatchStatus, reason string) error {
	return s.endMatchAs(ctx, sc, m, from, to, reason, "match."+string(to))
}

// endMatchAs is endMatchFrom with the audit action named by the caller, so a
// volunteer's own withdrawal reads differently from one by a closed request.
func (s *Service) endMatchAs(ctx context.Context, sc domain.Scope, m *domain.Match, from, to domain.MatchStatus, reason, action string) error {
	if len([]rune(reason)) > maxAnswerReason {
		reason = string([]rune(reason)[:maxAnswerReason])
	}
	if err := s.Store.SetMatchStatus(ctx, m, from, to, reason); err != nil {
		return err
	}
	m.Status = to
	if err := s.Store.ReleaseRequestPlace(ctx, domain.System(m.Tenant), m.Request, m.Volunteer); err != nil {
		return err
	}
	if err := s.Store.ReleaseVolunteer(ctx, m.Tenant, m.Volunteer, m.Hours); err != nil {
		return err
	}
	s.audit(ctx, sc, action, "match", m.Request, []string{"status"})
	return nil
}

// answeredMeanwhile handles a lost race between two clicks: the same answer
// is fine, another one is refused.
func (s *Service) answeredMeanwhile(ctx context.Context, o *Offer, want domain.MatchStatus, err error) (*Offer, error) {
	if !errors.Is(err, domain.ErrConflict) {
		return nil, err
	}
	m, rerr := s.Store.MatchForLink(ctx, o.Match.Request, o.Match.Volunteer)
	if rerr != nil {
		return nil, rerr
	}
	o.Match = m
	if m.Status == want {
		return o, nil
	}
	return o, ErrOfferAnswered
}

// afterDecline tells the request's coordinator and proposes again.
func (s *Service) afterDecline(ctx context.Context, o *Offer) {
	s.afterRelease(ctx, o, "offer_declined", declinedData(o, s.BaseURL+"/proposals#req-"+o.Request.ID.Hex()))
}

// afterRelease follows a volunteer letting a place go: the request's creator
// gets the notice tmpl (once per match, by its outbox key) and the
// municipality fresh proposals. Failures are logged: the answer itself is
// recorded. Staff users have no language setting yet: the notice is German.
func (s *Service) afterRelease(ctx context.Context, o *Offer, tmpl string, data map[string]any) {
	r := o.Request
	if u, err := s.Store.User(ctx, r.Tenant, r.CreatedBy); err == nil {
		if err := s.queueMail(ctx, r.Tenant, tmpl+":"+o.Match.ID, u.Email, "de", tmpl, data); err != nil {
			s.Log.Error("queue notice", "template", tmpl, "request", r.ID.Hex(), "err", err)
		}
	}
	s.Repropose(r.Tenant, r.Municipality)
}

// declinedData is what the coordinator's notice shows.
func declinedData(o *Offer, link string) map[string]any {
	reason := ""
	if o.Match != nil {
		reason = o.Match.AnswerReason
	}
	return map[string]any{"Title": o.Request.Title, "Municipality": o.Municipality, "Link": link, "Reason": reason}
}

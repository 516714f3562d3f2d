package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// The volunteer portal ("Mein Bereich"): volunteers sign in with a mailed
// link and see and answer their offers, withdraw from assignments, change
// their times and limits and take a break. A portal session lives in its own
// cookie; it grants no staff route, and a staff session grants no /me route.

// cookiePortal holds a volunteer's portal session token.
const cookiePortal = "lotse_me"

// ctxVolunteer is the gin context key of the signed-in volunteer.
const ctxVolunteer = "volunteer"

// portalRoutes registers the portal on the HTML group (after the session
// and CSRF middleware). Asking for a link and opening it are public; the
// rest needs a portal session.
func (h *Handler) portalRoutes(pages *gin.RouterGroup) {
	pages.GET("/me/login", h.pageMeLoginNew)
	pages.POST("/me/login", h.pageMeLoginCreate)
	pages.GET("/me/enter", h.pageMeEnterShow)
	pages.POST("/me/enter", h.pageMeEnterCreate)
	pages.POST("/me/logout", h.pageMeLogout)

	me := pages.Group("/me", h.requireVolunteer)
	me.GET("", h.pageMeShow)
	me.POST("/profile", h.pageMeProfileUpdate)
	me.POST("/pause", h.pageMePause)
	me.POST("/resume", h.pageMeResume)
	me.POST("/offers/:request/accept", h.pageMeOfferAccept)
	me.POST("/offers/:request/decline", h.pageMeOfferDecline)
	me.POST("/assignments/:request/withdraw", h.pageMeWithdraw)
	h.portalClaimRoutes(me)
	me.GET("/statement.pdf", h.pageMeStatement)
}

// pageMeStatement sends the volunteer's statement of a year (?year=, this
// year by default) as PDF.
func (h *Handler) pageMeStatement(c *gin.Context) {
	year := h.Svc.Now().In(berlin()).Year()
	if y, err := strconv.Atoi(c.Query("year")); err == nil && y >= 2000 && y <= year {
		year = y
	}
	v := portalVolunteer(c)
	pdf, err := h.Svc.Statement(c.Request.Context(), v, year)
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="Lotse_Abrechnung_%d.pdf"`, year))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// portalSession loads the volunteer of the portal cookie, if any, into the
// context; an unknown or expired session is removed from the browser.
func (h *Handler) portalSession(c *gin.Context) {
	token, err := c.Cookie(cookiePortal)
	if err != nil || token == "" {
		c.Next()
		return
	}
	v, err := h.Svc.PortalVolunteer(c.Request.Context(), token)
	switch {
	case errors.Is(err, domain.ErrUnauthorized):
		h.clearCookie(c, cookiePortal)
	case err != nil:
		h.fail(c, err)
		return
	default:
		c.Set(ctxVolunteer, v)
	}
	c.Next()
}

// portalVolunteer returns the signed-in volunteer, or nil.
func portalVolunteer(c *gin.Context) *domain.Volunteer {
	if v, ok := c.Get(ctxVolunteer); ok {
		return v.(*domain.Volunteer)
	}
	return nil
}

// requireVolunteer lets only a portal session through; everybody else, staff
// included, is sent to the portal's login page.
func (h *Handler) requireVolunteer(c *gin.Context) {
	if portalVolunteer(c) == nil {
		c.Redirect(http.StatusSeeOther, "/me/login")
		c.Abort()
		return
	}
	c.Next()
}

// meLoginPage is the form asking for a login link, and after it the answer
// that is the same for every address.
type meLoginPage struct {
	Email   string
	Sent    bool
	Minutes int
}

func (h *Handler) pageMeLoginNew(c *gin.Context) {
	if portalVolunteer(c) != nil {
		c.Redirect(http.StatusSeeOther, "/me")
		return
	}
	h.render(c, http.StatusOK, "me_login", h.T.T(langOf(c), "me.login.title"), meLoginPage{}, nil)
}

func (h *Handler) pageMeLoginCreate(c *gin.Context) {
	page := meLoginPage{Email: strings.TrimSpace(c.PostForm("email")), Minutes: int(service.PortalLinkTTL.Minutes())}
	title := h.T.T(langOf(c), "me.login.title")
	err := h.Svc.RequestPortalLink(c.Request.Context(), page.Email, c.ClientIP())
	switch domain.ErrorCode(err) {
	case "":
		page.Sent = true
		h.render(c, http.StatusOK, "me_login", title, page, nil)
	case domain.EInvalid:
		h.render(c, http.StatusUnprocessableEntity, "me_login", title, page, domain.FieldsOf(err))
	case domain.ETooMany:
		c.Header("Retry-After", strconv.Itoa(int(service.PortalLoginWindow.Seconds())))
		h.pageError(c, err)
	default:
		h.pageError(c, err)
	}
}

// meEnterPage asks the volunteer who opened a login link to sign in with a
// click, so that opening the link alone uses up nothing.
type meEnterPage struct {
	Name string
	Link service.PortalLink
}

func (h *Handler) pageMeEnterShow(c *gin.Context) {
	l := service.PortalLink{ID: c.Query("id"), Nonce: c.Query("n"), Exp: c.Query("exp"), Sig: c.Query("sig")}
	v, err := h.Svc.PortalLinkVolunteer(c.Request.Context(), l)
	if err != nil {
		if me := portalVolunteer(c); me != nil && v != nil && me.ID == v.ID && errors.Is(err, service.ErrLinkUsed) {
			c.Redirect(http.StatusSeeOther, "/me") // signed in with this link already
			return
		}
		h.portalLinkError(c, err)
		return
	}
	h.render(c, http.StatusOK, "me_enter", h.T.T(langOf(c), "me.enter.title"), meEnterPage{Name: v.Name, Link: l}, nil)
}

func (h *Handler) pageMeEnterCreate(c *gin.Context) {
	l := service.PortalLink{ID: c.PostForm("id"), Nonce: c.PostForm("n"), Exp: c.PostForm("exp"), Sig: c.PostForm("sig")}
	token, v, err := h.Svc.EnterPortal(c.Request.Context(), l)
	if err != nil {
		if me := portalVolunteer(c); me != nil && v != nil && me.ID == v.ID && errors.Is(err, service.ErrLinkUsed) {
			c.Redirect(http.StatusSeeOther, "/me") // the second click of a double click
			return
		}
		h.portalLinkError(c, err)
		return
	}
	// A fresh token on every sign-in (no fixation), a fresh CSRF token for
	// the signed-in pages; no Max-Age: the server ends the session.
	h.setCookie(c, cookiePortal, token, 0, true)
	h.clearCookie(c, cookieCSRF)
	c.Redirect(http.StatusSeeOther, "/me?done=login")
}

// portalLinkError shows why a login link does not work, in the portal's own
// words for a used or expired link (the generic ones speak of sign-up).
func (h *Handler) portalLinkError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, service.ErrLinkUsed):
		err = &domain.Error{Code: domain.EConflict, Key: "me.link.used"}
	case errors.Is(err, service.ErrLinkExpired):
		err = &domain.Error{Code: domain.EConflict, Key: "me.link.expired"}
	}
	h.pageError(c, err)
}

func (h *Handler) pageMeLogout(c *gin.Context) {
	if token, err := c.Cookie(cookiePortal); err == nil && token != "" {
		if err := h.Svc.PortalLogout(c.Request.Context(), token); err != nil {
			h.pageError(c, err)
			return
		}
	}
	h.clearCookie(c, cookiePortal)
	c.Redirect(http.StatusSeeOther, "/")
}

// meDone maps the ?done= of a redirect after a portal form to its message;
// anything else shows nothing.
var meDone = map[string]string{
	"login": "me.done.login", "profile": "me.done.profile", "pause": "me.done.pause", "resume": "me.done.resume",
	"accepted": "me.done.accepted", "declined": "me.done.declined", "withdrawn": "me.done.withdrawn",
	"bank": "me.done.bank", "claim": "me.done.claim",
}

// meReasonMax is the longest reason the decline and withdraw forms take.
const meReasonMax = 500

// mePage is the volunteer's overview with its forms.
type mePage struct {
	Portal    *service.Portal
	Form      domain.ProfileInput // the profile form's values
	Until     string              // the pause form's value, YYYY-MM-DD
	MinDate   string              // the first and last day a pause may end
	MaxDate   string
	Paused    string // the day the break ends, formatted for the page's language; "" when not paused
	Done      string // message key of what just happened, or ""
	Alert     string // message key of a refused action, or ""
	ReasonMax int
	Bank      string       // the stored IBAN, masked; "" when none
	Claims    []meClaimRow // the volunteer's travel claims, newest first
}

// meView builds the overview of volunteer v with the profile form showing
// v's current values.
func (h *Handler) meView(c *gin.Context, v *domain.Volunteer) (mePage, error) {
	p, err := h.Svc.PortalOf(c.Request.Context(), v)
	if err != nil {
		return mePage{}, err
	}
	claims, err := h.Svc.ClaimsOf(c.Request.Context(), v)
	if err != nil {
		return mePage{}, err
	}
	now := h.Svc.Now().In(berlin())
	page := mePage{
		Claims: claimRowsOf(claims, langOf(c)),
		Portal: p, ReasonMax: meReasonMax, Done: meDone[c.Query("done")],
		Form: domain.ProfileInput{RadiusKm: v.RadiusKm, Transport: v.Transport, Availability: v.Availability,
			Capacity: v.Capacity, MaxHoursPerMonth: v.MaxHoursPerMonth, Neighbouring: v.Neighbouring, Locale: v.Locale},
		MinDate: now.AddDate(0, 0, 1).Format("2006-01-02"),
		MaxDate: now.AddDate(0, 0, domain.MaxPauseDays).Format("2006-01-02"),
	}
	if page.Form.Locale == "" {
		page.Form.Locale = "de"
	}
	if v.BankIBAN != "" {
		page.Bank = accounting.MaskIBAN(v.BankIBAN)
	}
	if v.Paused(h.Svc.Now()) {
		page.Until = v.PausedUntil.In(berlin()).Format("2006-01-02")
		page.Paused = meDate(v.PausedUntil, langOf(c))
	}
	return page, nil
}

// meDate formats a day for the page: 24.12.2026 in German, 2026-12-24 otherwise.
func meDate(t time.Time, lang string) string {
	if lang == "de" {
		return t.In(berlin()).Format("02.01.2006")
	}
	return t.In(berlin()).Format("2006-01-02")
}

// renderMe shows the overview; adjust, when not nil, changes the page data
// (the refused form's input, an alert) before rendering.
func (h *Handler) renderMe(c *gin.Context, status int, errs map[string]string, adjust func(*mePage)) {
	page, err := h.meView(c, portalVolunteer(c))
	if err != nil {
		h.pageError(c, err)
		return
	}
	if adjust != nil {
		adjust(&page)
	}
	h.render(c, status, "me", h.T.T(langOf(c), "me.title"), page, errs)
}

func (h *Handler) pageMeShow(c *gin.Context) { h.renderMe(c, http.StatusOK, nil, nil) }

// bindProfileForm reads the profile form; numbers that do not parse stay 0
// and fail validation with a field message, like the sign-up's.
func bindProfileForm(c *gin.Context) domain.ProfileInput {
	atoi := func(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
	return domain.ProfileInput{
		RadiusKm: atoi(c.PostForm("radius_km")), Transport: c.PostFormArray("transport"),
		Availability: c.PostFormArray("availability"), Capacity: atoi(c.PostForm("capacity")),
		MaxHoursPerMonth: atoi(c.PostForm("max_hours_per_month")),
		Neighbouring:     c.PostForm("neighbouring_municipalities") == "true", Locale: c.PostForm("locale"),
	}
}

func (h *Handler) pageMeProfileUpdate(c *gin.Context) {
	in := bindProfileForm(c)
	err := h.Svc.UpdatePortalProfile(c.Request.Context(), portalVolunteer(c), in)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/me?done=profile")
	case domain.EInvalid:
		h.renderMe(c, http.StatusUnprocessableEntity, domain.FieldsOf(err), func(p *mePage) { p.Form = in })
	default:
		h.pageError(c, err)
	}
}

func (h *Handler) pageMePause(c *gin.Context) {
	until := strings.TrimSpace(c.PostForm("until"))
	_, err := h.Svc.PauseVolunteer(c.Request.Context(), portalVolunteer(c), until)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/me?done=pause")
	case domain.EInvalid:
		h.renderMe(c, http.StatusUnprocessableEntity, domain.FieldsOf(err), func(p *mePage) { p.Until = until })
	default:
		h.pageError(c, err)
	}
}

func (h *Handler) pageMeResume(c *gin.Context) {
	if err := h.Svc.ResumeVolunteer(c.Request.Context(), portalVolunteer(c)); err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/me?done=resume")
}

// pageMeOfferAccept says yes to an offer from the overview.
func (h *Handler) pageMeOfferAccept(c *gin.Context) { h.pageMeOfferAnswer(c, true) }

// pageMeOfferDecline says no, with an optional reason.
func (h *Handler) pageMeOfferDecline(c *gin.Context) { h.pageMeOfferAnswer(c, false) }

// pageMeOfferAnswer answers the volunteer's offer on :request with the same
// rules as the mailed offer link; a refused answer (answered otherwise
// before, request closed) shows the overview with the reason (409).
func (h *Handler) pageMeOfferAnswer(c *gin.Context, accept bool) {
	id, err := domain.ParseID(c.Param("request"))
	if err != nil {
		h.pageError(c, errNotFound)
		return
	}
	_, err = h.Svc.RespondAsVolunteer(c.Request.Context(), portalVolunteer(c), id, accept, c.PostForm("reason"))
	var de *domain.Error
	switch {
	case err == nil && accept:
		c.Redirect(http.StatusSeeOther, "/me?done=accepted")
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/me?done=declined")
	case domain.ErrorCode(err) == domain.EConflict && errors.As(err, &de):
		h.renderMe(c, http.StatusConflict, nil, func(p *mePage) { p.Alert = de.Key })
	default:
		h.pageError(c, err)
	}
}

// pageMeWithdraw withdraws the volunteer from their assignment on :request.
// Sent twice, the second answer is the overview saying it is done already.
func (h *Handler) pageMeWithdraw(c *gin.Context) {
	id, err := domain.ParseID(c.Param("request"))
	if err != nil {
		h.pageError(c, errNotFound)
		return
	}
	err = h.Svc.WithdrawAssignment(c.Request.Context(), portalVolunteer(c), id, c.PostForm("reason"))
	var de *domain.Error
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/me?done=withdrawn")
	case errors.Is(err, service.ErrAlreadyWithdrawn):
		h.renderMe(c, http.StatusOK, nil, func(p *mePage) { p.Done = service.ErrAlreadyWithdrawn.Key })
	case domain.ErrorCode(err) == domain.EInvalid:
		h.renderMe(c, http.StatusUnprocessableEntity, domain.FieldsOf(err), nil)
	case domain.ErrorCode(err) == domain.EConflict && errors.As(err, &de):
		h.renderMe(c, http.StatusConflict, nil, func(p *mePage) { p.Alert = de.Key })
	default:
		h.pageError(c, err)
	}
}

package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// offerRoutes registers the volunteer's side of an offer. The routes are
// public: the signed link in the query (GET) or in the form (POST) is the only
// credential, and a session grants nothing here. Opening the link only shows
// the offer; answering takes a click on a form, so mail scanners that open
// links answer nothing.
func (h *Handler) offerRoutes(pages *gin.RouterGroup) {
	pages.GET("/offers", h.pageOfferShow)
	pages.POST("/offers/accept", h.pageOfferAccept)
	pages.POST("/offers/decline", h.pageOfferDecline)
}

// offerReasonMax is the longest decline reason the form takes; the service
// cuts longer ones.
const offerReasonMax = 500

// offerPage is what the offer page shows: the offer, the link to answer it
// with, and after an answer what happened.
type offerPage struct {
	Offer  *service.Offer
	Link   service.OfferLink
	Status string // the match's status now: approved (open), accepted, declined, withdrawn …
	Done   string // "accepted" or "declined" right after the volunteer answered, else ""
	Alert  string // message key of a refused answer (offer.answered, offer.closed), or ""
	Max    int    // offerReasonMax, for the textarea
}

// Open reports whether the offer still waits for an answer, so the page
// shows the forms.
func (p offerPage) Open() bool { return p.Status == string(domain.MatchApproved) }

func offerView(o *service.Offer, l service.OfferLink) offerPage {
	return offerPage{Offer: o, Link: l, Status: string(o.Match.Status), Max: offerReasonMax}
}

func (h *Handler) pageOfferShow(c *gin.Context) {
	l := service.OfferLink{Request: c.Query("r"), Volunteer: c.Query("v"), Exp: c.Query("exp"), Sig: c.Query("sig")}
	o, err := h.Svc.OfferFor(c.Request.Context(), l)
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "offer", h.T.T(langOf(c), "offer.title"), offerView(o, l), nil)
}

// pageOfferAccept records the volunteer's yes.
func (h *Handler) pageOfferAccept(c *gin.Context) { h.pageOfferAnswer(c, true) }

// pageOfferDecline records the volunteer's no, with an optional reason.
func (h *Handler) pageOfferDecline(c *gin.Context) { h.pageOfferAnswer(c, false) }

// pageOfferAnswer answers the offer the form's link names and shows the offer
// again with the outcome: thanks (also for the same answer sent twice), or the
// recorded answer and why this one was refused (409).
func (h *Handler) pageOfferAnswer(c *gin.Context, accept bool) {
	l := service.OfferLink{Request: c.PostForm("r"), Volunteer: c.PostForm("v"), Exp: c.PostForm("exp"), Sig: c.PostForm("sig")}
	o, err := h.Svc.RespondToOffer(c.Request.Context(), l, accept, c.PostForm("reason"))
	var de *domain.Error
	switch {
	case err == nil:
		v := offerView(o, l)
		v.Done = v.Status
		h.render(c, http.StatusOK, "offer", h.T.T(langOf(c), "offer.title"), v, nil)
	case o != nil && domain.ErrorCode(err) == domain.EConflict && errors.As(err, &de):
		// Answered otherwise before, or the request closed meanwhile: the
		// offer as it stands, with the reason on top.
		v := offerView(o, l)
		v.Alert = de.Key
		h.render(c, http.StatusConflict, "offer", h.T.T(langOf(c), "offer.title"), v, nil)
	default:
		h.pageError(c, err)
	}
}

package handlers

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/domain"
)

// bulkApproveJSON is the body of POST /api/v1/proposals/approve-above.
type bulkApproveJSON struct {
	MinScore float64 `json:"min_score"`
	Note     string  `json:"note"`
}

// bulkResultJSON says what a bulk approval did.
type bulkResultJSON struct {
	Approved []matchJSON      `json:"approved"`
	Failed   []bulkFailedJSON `json:"failed"`
}

// bulkFailedJSON is a pair at or above the threshold that stays undecided.
type bulkFailedJSON struct {
	Request   string `json:"request"`
	Volunteer string `json:"volunteer"`
	Reason    string `json:"reason"`  // message key, e.g. match.volunteer_full
	Message   string `json:"message"` // the key's text in the caller's language
}

func (h *Handler) apiProposalApproveAbove(c *gin.Context) {
	var in bulkApproveJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	res, err := h.Svc.ApproveAbove(c.Request.Context(), sessionUser(c).Scope(), in.MinScore, in.Note)
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := bulkResultJSON{Approved: make([]matchJSON, 0, len(res.Approved)), Failed: make([]bulkFailedJSON, 0, len(res.Failed))}
	for _, m := range res.Approved {
		out.Approved = append(out.Approved, toMatchJSON(m))
	}
	for _, f := range res.Failed {
		out.Failed = append(out.Failed, bulkFailedJSON{Request: f.Request.Hex(), Volunteer: f.Volunteer.Hex(),
			Reason: f.Key, Message: h.T.T(langOf(c), f.Key)})
	}
	c.JSON(http.StatusOK, out)
}

// pageProposalApproveAbove approves from the review page's bulk form, whose
// threshold is a percentage, and goes back to the queue with the counts.
func (h *Handler) pageProposalApproveAbove(c *gin.Context) {
	pct := strings.TrimSpace(c.PostForm("min_score"))
	n, err := strconv.ParseFloat(pct, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		h.showProposals(c, http.StatusUnprocessableEntity, "", map[string]string{"min_score": "field.number.invalid"}, "")
		return
	}
	res, err := h.Svc.ApproveAbove(c.Request.Context(), sessionUser(c).Scope(), n/100, c.PostForm("note"))
	if domain.ErrorCode(err) == domain.EInvalid {
		h.showProposals(c, http.StatusUnprocessableEntity, "", domain.FieldsOf(err), "")
		return
	}
	if err != nil {
		h.pageError(c, err)
		return
	}
	q := url.Values{"approved": {strconv.Itoa(len(res.Approved))}, "failed": {strconv.Itoa(len(res.Failed))}}
	c.Redirect(http.StatusSeeOther, "/proposals?"+q.Encode())
}

package handlers

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// proposalRoutes registers the review queue's page and API endpoints. The
// caller mounts both groups behind authentication and the admin/coordinator
// role check. A decision names the request in the path and the volunteer in
// the body.
func (h *Handler) proposalRoutes(pages, api *gin.RouterGroup) {
	pages.GET("/proposals", h.pageProposalList)
	pages.POST("/proposals/run", h.pageProposalRun)
	pages.POST("/proposals/approve-above", h.pageProposalApproveAbove)
	pages.POST("/proposals/:request/approve", h.pageProposalApprove)
	pages.POST("/proposals/:request/reject", h.pageProposalReject)

	api.GET("/proposals", h.apiProposalList)
	api.POST("/proposals/run", h.apiProposalRun)
	api.POST("/proposals/approve-above", h.apiProposalApproveAbove)
	api.POST("/proposals/:request/approve", h.apiProposalApprove)
	api.POST("/proposals/:request/reject", h.apiProposalReject)
}

// proposalRunJSON is a matching run in the API; durations are milliseconds.
type proposalRunJSON struct {
	Run        string `json:"run"`
	Volunteers int    `json:"volunteers"`
	Requests   int    `json:"requests"`
	Proposed   int    `json:"proposed"`
	Unfilled   int    `json:"unfilled"`
	BuildMs    int64  `json:"build_ms"`
	EngineMs   int64  `json:"engine_ms"`
	WriteMs    int64  `json:"write_ms"`
}

// factorsJSON are a candidate's score parts, each 0..1.
type factorsJSON struct {
	Distance     float64 `json:"distance"`
	Language     float64 `json:"language"`
	Availability float64 `json:"availability"`
	Priority     float64 `json:"priority"`
	Load         float64 `json:"load"`
	Continuity   float64 `json:"continuity"`
	Skill        float64 `json:"skill"`
}

// candidateJSON is one volunteer proposed for a request, or an alternative.
type candidateJSON struct {
	Volunteer  string      `json:"volunteer"`
	Score      float64     `json:"score"`
	DistanceKm float64     `json:"distance_km"`
	Factors    factorsJSON `json:"factors"`
}

// proposalJSON is the engine's current proposal for one open request.
type proposalJSON struct {
	Request      string          `json:"request"`
	Municipality string          `json:"municipality"`
	Run          string          `json:"run"`
	At           time.Time       `json:"at"`
	Proposed     []candidateJSON `json:"proposed"`
	Alternatives []candidateJSON `json:"alternatives"`
	Missing      int             `json:"missing"`
	Reason       string          `json:"reason"`
	ReasonCode   string          `json:"reason_code"`
}

// proposalListJSON is the answer of GET /api/v1/proposals.
type proposalListJSON struct {
	Items []proposalJSON `json:"items"`
}

func toCandidatesJSON(cs []domain.Candidate) []candidateJSON {
	out := make([]candidateJSON, 0, len(cs))
	for _, c := range cs {
		f := c.Factors
		out = append(out, candidateJSON{Volunteer: c.Volunteer.Hex(), Score: c.Score, DistanceKm: c.DistanceKm,
			Factors: factorsJSON{Distance: f.Distance, Language: f.Language, Availability: f.Availability,
				Priority: f.Priority, Load: f.Load, Continuity: f.Continuity, Skill: f.Skill}})
	}
	return out
}

func toProposalJSON(p *domain.Proposal) proposalJSON {
	return proposalJSON{
		Request: p.Request.Hex(), Municipality: p.Municipality, Run: p.Run.Hex(), At: p.At,
		Proposed: toCandidatesJSON(p.Proposed), Alternatives: toCandidatesJSON(p.Alternatives),
		Missing: p.Missing, Reason: p.Reason, ReasonCode: p.ReasonCode,
	}
}

// approveJSON is the body of POST /api/v1/proposals/{request}/approve.
type approveJSON struct {
	Volunteer string `json:"volunteer"`
	Note      string `json:"note"`
}

// rejectJSON is the body of POST /api/v1/proposals/{request}/reject.
type rejectJSON struct {
	Volunteer string `json:"volunteer"`
	Reason    string `json:"reason"`
	Note      string `json:"note"`
}

// matchJSON is a coordinator's decision on one proposed pair.
type matchJSON struct {
	ID         string      `json:"id"`
	Request    string      `json:"request"`
	Volunteer  string      `json:"volunteer"`
	Status     string      `json:"status"`
	Score      float64     `json:"score"`
	DistanceKm float64     `json:"distance_km"`
	Factors    factorsJSON `json:"factors"`
	Override   bool        `json:"override"`
	Reason     string      `json:"reason"`
	Note       string      `json:"note"`
	DecidedAt  time.Time   `json:"decided_at"`
}

func toMatchJSON(m *domain.Match) matchJSON {
	f := m.Factors
	return matchJSON{ID: m.ID, Request: m.Request.Hex(), Volunteer: m.Volunteer.Hex(), Status: string(m.Status),
		Score: m.Score, DistanceKm: m.DistanceKm,
		Factors: factorsJSON{Distance: f.Distance, Language: f.Language, Availability: f.Availability,
			Priority: f.Priority, Load: f.Load, Continuity: f.Continuity, Skill: f.Skill},
		Override: m.Override, Reason: m.Reason, Note: m.Note, DecidedAt: m.DecidedAt}
}

// decide is ApproveMatch or RejectMatch.
type decide func(*Handler, *gin.Context, domain.ID, domain.ID, service.Decision) (*domain.Match, error)

func approve(h *Handler, c *gin.Context, request, volunteer domain.ID, d service.Decision) (*domain.Match, error) {
	return h.Svc.ApproveMatch(c.Request.Context(), sessionUser(c).Scope(), request, volunteer, d)
}

func reject(h *Handler, c *gin.Context, request, volunteer domain.ID, d service.Decision) (*domain.Match, error) {
	return h.Svc.RejectMatch(c.Request.Context(), sessionUser(c).Scope(), request, volunteer, d)
}

// decisionIDs reads the request from the path and the volunteer from the
// body. An unknown request is not found; a volunteer that is no ID stays the
// nil ID, which no proposal names, so the service answers ErrNotProposed after
// it has checked the request is the caller's.
func decisionIDs(c *gin.Context, volunteer string) (request, vol domain.ID, err error) {
	request, err = domain.ParseID(c.Param("request"))
	if err != nil {
		return request, vol, err
	}
	vol, _ = domain.ParseID(volunteer)
	return request, vol, nil
}

func (h *Handler) apiProposalApprove(c *gin.Context) {
	var in approveJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	h.apiDecide(c, approve, in.Volunteer, service.Decision{Note: in.Note})
}

func (h *Handler) apiProposalReject(c *gin.Context) {
	var in rejectJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	h.apiDecide(c, reject, in.Volunteer, service.Decision{Reason: in.Reason, Note: in.Note})
}

func (h *Handler) apiDecide(c *gin.Context, fn decide, volunteer string, d service.Decision) {
	request, vol, err := decisionIDs(c, volunteer)
	if err != nil {
		h.apiError(c, err)
		return
	}
	m, err := fn(h, c, request, vol, d)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toMatchJSON(m))
}

func (h *Handler) apiProposalRun(c *gin.Context) {
	run, err := h.Svc.ProposeMatches(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, proposalRunJSON{
		Run: run.Run.Hex(), Volunteers: run.Volunteers, Requests: run.Requests, Proposed: run.Proposed,
		Unfilled: run.Unfilled, BuildMs: run.Build.Milliseconds(), EngineMs: run.Engine.Milliseconds(),
		WriteMs: run.Write.Milliseconds(),
	})
}

func (h *Handler) apiProposalList(c *gin.Context) {
	ps, err := h.Svc.Proposals(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := proposalListJSON{Items: make([]proposalJSON, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, toProposalJSON(p))
	}
	c.JSON(http.StatusOK, out)
}

// proposalListPage is the review queue: one row per open request.
type proposalListPage struct {
	Rows  []proposalRow
	Ran   bool   // the page follows a run started from its form
	Alert string // message key of a refused decision (a conflict), or ""
	// Failed is the pair (a domain.MatchID) of a refused decision, or "".
	Failed string
	// Bulk is what a bulk approval from the page's form did, or nil.
	Bulk *bulkOutcome
	// MinScore is the bulk form's threshold in percent, as typed.
	MinScore string
}

// bulkOutcome counts a bulk approval's pairs for the page.
type bulkOutcome struct{ Approved, Failed int }

// fieldTarget sends the summary's reason and note errors to the controls of
// the pair whose decision was refused; they are not unique on the page.
func (p proposalListPage) fieldTarget(field, id string) string {
	if (field == "reason" || field == "note") && p.Failed != "" {
		req, vol, _ := strings.Cut(p.Failed, ":")
		return "f-" + field + "-" + req + "-" + vol
	}
	return id
}

// proposalRow is one open request with its proposal, ready to show.
type proposalRow struct {
	Request          *domain.HelpRequest
	MunicipalityName string
	Proposed         []candidateRow
	Alternatives     []candidateRow
	Missing          int
	Reason           string // the engine's explanation, in English
	ReasonKey        string // the translated heading for the reason's code
}

// candidateRow is one volunteer of a proposal, with scores as percentages.
type candidateRow struct {
	ID          string
	Pair        string // domain.MatchID of the request and the volunteer
	Name        string // "" when the volunteer is no longer active
	Percent     int
	DistanceKm  float64
	Factors     []factorRow
	Alternative bool   // approving overrides the engine's proposal
	Decided     string // "approved" (also once accepted), "rejected", or "" while open
	Reason      string // the rejection's reason, one of domain.RejectReasons
	Failed      bool   // the decision just refused concerned this volunteer
}

// factorRow is one part of a candidate's score; Key completes proposal.factor.
type factorRow struct {
	Key     string
	Percent int
}

func percent(x float64) int { return int(math.Round(x * 100)) }

func candidateRows(request domain.ID, cs []domain.Candidate, alt bool, rv service.Review) []candidateRow {
	out := make([]candidateRow, 0, len(cs))
	for _, c := range cs {
		f := c.Factors
		row := candidateRow{ID: c.Volunteer.Hex(), Pair: domain.MatchID(request, c.Volunteer), Percent: percent(c.Score), DistanceKm: c.DistanceKm, Alternative: alt,
			Factors: []factorRow{
				{"distance", percent(f.Distance)}, {"language", percent(f.Language)},
				{"availability", percent(f.Availability)}, {"skill", percent(f.Skill)},
				{"priority", percent(f.Priority)}, {"load", percent(f.Load)},
				{"continuity", percent(f.Continuity)},
			}}
		row.Name = c.Name
		// A declined or withdrawn match may be decided again; it shows the forms.
		if m := rv.Decisions[domain.MatchID(request, c.Volunteer)]; m != nil {
			switch m.Status {
			case domain.MatchApproved, domain.MatchAccepted:
				row.Decided = string(domain.MatchApproved)
			case domain.MatchRejected:
				row.Decided, row.Reason = string(domain.MatchRejected), m.Reason
			}
		}
		out = append(out, row)
	}
	return out
}

// proposalRows turns the review queue into the page's rows.
func proposalRows(rv service.Review, munis []domain.Municipality) []proposalRow {
	names := municipalityNames(munis)
	out := make([]proposalRow, 0, len(rv.Items))
	for _, it := range rv.Items {
		p := it.Proposal
		row := proposalRow{
			Request: it.Request, MunicipalityName: names[it.Request.Municipality],
			Proposed:     candidateRows(p.Request, p.Proposed, false, rv),
			Alternatives: candidateRows(p.Request, p.Alternatives, true, rv),
			Missing:      p.Missing, Reason: p.Reason,
		}
		if p.Missing > 0 {
			row.ReasonKey = "proposal.reason.other"
			// An unknown code (a newer engine) gets proposal.reason.other.
			if slices.Contains(domain.UnfilledReasons, p.ReasonCode) {
				row.ReasonKey = "proposal.reason." + p.ReasonCode
			}
		}
		out = append(out, row)
	}
	return out
}

func (h *Handler) pageProposalList(c *gin.Context) {
	h.showProposals(c, http.StatusOK, "", nil, "")
}

// showProposals renders the review queue. After a refused decision it shows
// the conflict's message (alert) or the field errors (errs) and marks the
// volunteer the decision named (failed, a domain.MatchID).
func (h *Handler) showProposals(c *gin.Context, status int, alert string, errs map[string]string, failed string) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	rv, err := h.Svc.ProposalReview(ctx, sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	view := proposalListPage{Rows: proposalRows(rv, munis), Ran: c.Query("run") == "ok", Alert: alert,
		Failed: failed, MinScore: c.DefaultPostForm("min_score", "80")}
	if a, err := strconv.Atoi(c.Query("approved")); err == nil {
		f, _ := strconv.Atoi(c.Query("failed"))
		view.Bulk = &bulkOutcome{Approved: max(a, 0), Failed: max(f, 0)}
	}
	for i := range view.Rows {
		r := &view.Rows[i]
		for _, cs := range [][]candidateRow{r.Proposed, r.Alternatives} {
			for j := range cs {
				cs[j].Failed = cs[j].Pair == failed
			}
		}
	}
	h.render(c, status, "proposal_list", h.T.T(langOf(c), "proposal.list.title"), view, errs)
}

// pageProposalRun runs the engine from the page's form and shows the new queue.
func (h *Handler) pageProposalRun(c *gin.Context) {
	if _, err := h.Svc.ProposeMatches(c.Request.Context(), sessionUser(c).Scope()); err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/proposals?run=ok")
}

// pageProposalApprove approves the form's volunteer for the request.
func (h *Handler) pageProposalApprove(c *gin.Context) {
	h.pageDecide(c, approve, service.Decision{Note: c.PostForm("note")})
}

// pageProposalReject rejects the form's volunteer with the chosen reason.
func (h *Handler) pageProposalReject(c *gin.Context) {
	h.pageDecide(c, reject, service.Decision{Reason: c.PostForm("reason"), Note: c.PostForm("note")})
}

// pageDecide takes a decision from a form of the review queue and goes back to
// the request's row; a conflict (someone decided first, the request is full)
// re-renders the queue as it is now, with the message on top.
func (h *Handler) pageDecide(c *gin.Context, fn decide, d service.Decision) {
	request, vol, err := decisionIDs(c, c.PostForm("volunteer"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	_, err = fn(h, c, request, vol, d)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/proposals#req-"+request.Hex())
	case domain.EInvalid:
		h.showProposals(c, http.StatusUnprocessableEntity, "", domain.FieldsOf(err), domain.MatchID(request, vol))
	case domain.EConflict:
		key := "error.conflict"
		var de *domain.Error
		if errors.As(err, &de) && de.Key != "" {
			key = de.Key
		}
		h.showProposals(c, http.StatusConflict, key, nil, domain.MatchID(request, vol))
	default:
		h.pageError(c, err)
	}
}

package handlers

import (
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// proposalRoutes registers the review queue's page and API endpoints. The
// caller mounts both groups behind authentication and the admin/coordinator
// role check. Approving and rejecting come later; the queue is read-only.
func (h *Handler) proposalRoutes(pages, api *gin.RouterGroup) {
	pages.GET("/proposals", h.pageProposalList)
	pages.POST("/proposals/run", h.pageProposalRun)

	api.GET("/proposals", h.apiProposalList)
	api.POST("/proposals/run", h.apiProposalRun)
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

// proposalReasonCodes are the engine's reasons for open slots that have a
// heading of their own (proposal.reason.<code>); any other code gets
// proposal.reason.other.
var proposalReasonCodes = []string{
	"no_skill", "no_language", "too_far", "no_time", "no_background_check", "candidates_busy",
}

// proposalListPage is the review queue: one row per open request.
type proposalListPage struct {
	Rows []proposalRow
	Ran  bool // the page follows a run started from its form
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
	ID         string
	Name       string // "" when the volunteer is no longer active
	Percent    int
	DistanceKm float64
	Factors    []factorRow
}

// factorRow is one part of a candidate's score; Key completes proposal.factor.
type factorRow struct {
	Key     string
	Percent int
}

func percent(x float64) int { return int(math.Round(x * 100)) }

func candidateRows(cs []domain.Candidate, vols map[domain.ID]*domain.Volunteer) []candidateRow {
	out := make([]candidateRow, 0, len(cs))
	for _, c := range cs {
		f := c.Factors
		row := candidateRow{ID: c.Volunteer.Hex(), Percent: percent(c.Score), DistanceKm: c.DistanceKm,
			Factors: []factorRow{
				{"distance", percent(f.Distance)}, {"language", percent(f.Language)},
				{"availability", percent(f.Availability)}, {"skill", percent(f.Skill)},
				{"priority", percent(f.Priority)}, {"load", percent(f.Load)},
				{"continuity", percent(f.Continuity)},
			}}
		if v := vols[c.Volunteer]; v != nil {
			row.Name = v.Name
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
			Proposed:     candidateRows(p.Proposed, rv.Volunteers),
			Alternatives: candidateRows(p.Alternatives, rv.Volunteers),
			Missing:      p.Missing, Reason: p.Reason,
		}
		if p.Missing > 0 {
			row.ReasonKey = "proposal.reason.other"
			if slices.Contains(proposalReasonCodes, p.ReasonCode) {
				row.ReasonKey = "proposal.reason." + p.ReasonCode
			}
		}
		out = append(out, row)
	}
	return out
}

func (h *Handler) pageProposalList(c *gin.Context) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	rv, err := h.Svc.ProposalReview(ctx, sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, err := h.Svc.VisibleMunicipalities(ctx, sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	view := proposalListPage{Rows: proposalRows(rv, munis), Ran: c.Query("run") == "ok"}
	h.render(c, http.StatusOK, "proposal_list", h.T.T(langOf(c), "proposal.list.title"), view, nil)
}

// pageProposalRun runs the engine from the page's form and shows the new queue.
func (h *Handler) pageProposalRun(c *gin.Context) {
	if _, err := h.Svc.ProposeMatches(c.Request.Context(), sessionUser(c).Scope()); err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/proposals?run=ok")
}

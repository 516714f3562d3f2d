package handlers

import (
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/service"
)

// loadJSON is the load dashboard in the API.
type loadJSON struct {
	Active   int           `json:"active"`
	HighLoad float64       `json:"high_load"` // the threshold of high
	IdleDays int           `json:"idle_days"` // the threshold of idle
	High     []loadRowJSON `json:"high"`
	Idle     []loadRowJSON `json:"idle"`
}

type loadRowJSON struct {
	Volunteer         string     `json:"volunteer"`
	Name              string     `json:"name"`
	Municipality      string     `json:"municipality"`
	Load              float64    `json:"load"`
	ActiveAssignments int        `json:"active_assignments"`
	Capacity          int        `json:"capacity"`
	HoursCommitted    int        `json:"hours_committed"`
	MaxHoursPerMonth  int        `json:"max_hours_per_month"`
	LastAssignedAt    *time.Time `json:"last_assigned_at,omitempty"` // absent: never
	IdleDays          int        `json:"idle_days"`
}

func loadRowsJSON(rows []service.LoadRow) []loadRowJSON {
	out := make([]loadRowJSON, 0, len(rows))
	for _, r := range rows {
		v := r.Volunteer
		j := loadRowJSON{Volunteer: v.ID.Hex(), Name: v.Name, Municipality: v.Municipality,
			Load: math.Round(r.Load*1000) / 1000, ActiveAssignments: v.ActiveAssignments, Capacity: v.Capacity,
			HoursCommitted: v.HoursCommitted, MaxHoursPerMonth: v.MaxHoursPerMonth, IdleDays: r.IdleDays,
			LastAssignedAt: timeOrNil(r.LastAssigned)}
		out = append(out, j)
	}
	return out
}

func (h *Handler) apiVolunteerLoad(c *gin.Context) {
	rep, err := h.Svc.VolunteerLoad(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, loadJSON{Active: rep.Active, HighLoad: service.HighLoad,
		IdleDays: int(service.IdleAfter / (24 * time.Hour)), High: loadRowsJSON(rep.High), Idle: loadRowsJSON(rep.Idle)})
}

// loadPage is the load dashboard's view.
type loadPage struct {
	Active            int
	High, Idle        []loadRow
	HighPercent       int
	IdleDays          int
	MunicipalityNames map[string]string
}

type loadRow struct {
	service.LoadRow
	Percent      int
	LastAssigned string // YYYY-MM-DD in Berlin, or "" for never
}

func loadRows(rows []service.LoadRow) []loadRow {
	out := make([]loadRow, len(rows))
	for i, r := range rows {
		out[i] = loadRow{LoadRow: r, Percent: int(math.Round(r.Load * 100))}
		if !r.LastAssigned.IsZero() {
			out[i].LastAssigned = r.LastAssigned.In(berlin()).Format(time.DateOnly)
		}
	}
	return out
}

func (h *Handler) pageVolunteerLoad(c *gin.Context) {
	ctx, sc := c.Request.Context(), sessionUser(c).Scope()
	rep, err := h.Svc.VolunteerLoad(ctx, sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	munis, ok := h.municipalities(c)
	if !ok {
		return
	}
	h.render(c, http.StatusOK, "volunteer_load", h.T.T(langOf(c), "load.title"), loadPage{
		Active: rep.Active, High: loadRows(rep.High), Idle: loadRows(rep.Idle),
		HighPercent: int(service.HighLoad * 100), IdleDays: int(service.IdleAfter / (24 * time.Hour)),
		MunicipalityNames: municipalityNames(munis),
	}, nil)
}

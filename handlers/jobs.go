package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// JobRunner is what the jobs page needs of the scheduler: package jobs
// implements it and cmd/lotse sets Handler.Jobs. Without one the page lists
// the stored runs only and "run now" finds no job.
type JobRunner interface {
	// Jobs describes every job, by name.
	Jobs() []service.JobInfo
	// RunNow starts job name in the background as the admin of by and returns
	// the run's key; ErrNotFound names no job, ErrConflict a second start
	// within the same second.
	RunNow(ctx context.Context, by domain.Scope, name string) (string, error)
}

// runsShown is how many recent runs the page lists per job.
const runsShown = 10

// jobsPage is the data of the jobs page: each job with its latest runs.
type jobsPage struct {
	Jobs    []jobRow
	Started string // a job just started by hand
}

type jobRow struct {
	Name, Spec string
	Next       string // Berlin time, "" when off
	Runs       []runRow
}

// runRow is one run as shown: times in Berlin, the state derived from the record.
type runRow struct {
	Kind, Status, Replica, Error string
	Scheduled, Started, Ended    string
	Duration                     string
	Count                        int
}

func jobTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(berlin()).Format("2006-01-02 15:04:05")
}

// jobRows joins the scheduler's jobs with their stored runs (newest first);
// runs of a job the scheduler no longer knows get a row of their own.
func jobRows(infos []service.JobInfo, runs []store.JobRun, now time.Time) []jobRow {
	var rows []jobRow
	index := map[string]int{}
	for _, j := range infos {
		index[j.Name] = len(rows)
		rows = append(rows, jobRow{Name: j.Name, Spec: j.Spec, Next: jobTime(j.Next)})
	}
	for _, r := range runs {
		i, ok := index[r.Job]
		if !ok {
			i = len(rows)
			index[r.Job] = i
			rows = append(rows, jobRow{Name: r.Job})
		}
		if len(rows[i].Runs) >= runsShown {
			continue
		}
		row := runRow{Kind: r.Kind, Status: service.JobRunStatus(r, now), Replica: r.Replica, Error: r.Error,
			Scheduled: jobTime(r.ScheduledAt), Started: jobTime(r.StartedAt), Ended: jobTime(r.EndedAt), Count: r.Count}
		if !r.EndedAt.IsZero() {
			row.Duration = r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		rows[i].Runs = append(rows[i].Runs, row)
	}
	return rows
}

func (h *Handler) pageJobs(c *gin.Context) {
	sc := sessionUser(c).Scope()
	runs, err := h.Svc.JobRuns(c.Request.Context(), sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	var infos []service.JobInfo
	if h.Jobs != nil {
		infos = h.Jobs.Jobs()
	}
	page := jobsPage{Jobs: jobRows(infos, runs, h.Svc.Now())}
	for _, j := range infos {
		if j.Name == c.Query("started") {
			page.Started = j.Name
		}
	}
	h.render(c, http.StatusOK, "jobs", h.T.T(langOf(c), "jobs.title"), page, nil)
}

func (h *Handler) pageJobRun(c *gin.Context) {
	if h.Jobs == nil {
		h.pageError(c, domain.ErrNotFound)
		return
	}
	name := c.Param("name")
	if _, err := h.Jobs.RunNow(c.Request.Context(), sessionUser(c).Scope(), name); err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/jobs?started=%s", url.QueryEscape(name)))
}

package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"lotse/domain"
	"lotse/store"
)

// A run's holder renews its heartbeat every JobHeartbeat; a run without an end
// whose heartbeat is older than JobLease is abandoned: its holder died.
const (
	JobHeartbeat = 30 * time.Second
	JobLease     = 2 * time.Minute
	// JobRunsKept is how long run records are kept.
	JobRunsKept = 30 * 24 * time.Hour
)

// Run kinds.
const (
	JobScheduled = "scheduled" // at its scheduled time
	JobCatchUp   = "catchup"   // at start, for a scheduled time all replicas missed
	JobManual    = "manual"    // "run now"
)

// Run states, derived from the record (see JobRunStatus).
const (
	JobRunning   = "running"
	JobOK        = "ok"
	JobFailed    = "failed"
	JobAbandoned = "abandoned"
)

// JobRunStatus says what became of run r at time now.
func JobRunStatus(r store.JobRun, now time.Time) string {
	switch {
	case !r.EndedAt.IsZero() && r.Error != "":
		return JobFailed
	case !r.EndedAt.IsZero():
		return JobOK
	case now.Sub(r.HeartbeatAt) > JobLease:
		return JobAbandoned
	}
	return JobRunning
}

// ClaimJobRun stores the start of a run, which claims its key for this replica.
// ErrConflict means another replica has it (or had it): do not run.
func (s *Service) ClaimJobRun(ctx context.Context, r store.JobRun) error {
	return s.Store.ClaimJobRun(ctx, r)
}

// JobRunHeartbeat tells other replicas the run with key is still alive.
func (s *Service) JobRunHeartbeat(ctx context.Context, key string) error {
	return s.Store.JobRunHeartbeat(ctx, key, s.Now())
}

// FinishJobRun records the end of the run with key, its count and its error
// (nil for success). The error is stored without personal data (jobError).
func (s *Service) FinishJobRun(ctx context.Context, key string, count int, runErr error) error {
	return s.Store.FinishJobRun(ctx, key, s.Now(), count, JobError(runErr))
}

// JobRuns returns every kept run, newest first, for admins of any tenant: runs
// are global and carry counts only.
func (s *Service) JobRuns(ctx context.Context, sc domain.Scope) ([]store.JobRun, error) {
	if sc.Role != domain.RoleAdmin {
		return nil, domain.ErrForbidden
	}
	return s.Store.JobRuns(ctx)
}

// PruneJobRuns deletes run records older than JobRunsKept.
func (s *Service) PruneJobRuns(ctx context.Context) (int, error) {
	return s.Store.PruneJobRuns(ctx, s.Now().Add(-JobRunsKept))
}

// AuditJobRun records in the admin's tenant that they started job by hand.
func (s *Service) AuditJobRun(ctx context.Context, sc domain.Scope, job string) error {
	if sc.Role != domain.RoleAdmin {
		return domain.ErrForbidden
	}
	s.audit(ctx, sc, "job.run", "job", domain.NilID, []string{job})
	return nil
}

var (
	quoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	email  = regexp.MustCompile(`[^\s@<>(){}\[\],;:]+@[^\s@<>(){}\[\],;:]+`)
)

// JobError turns a job's error into text fit for a record admins of every
// tenant read: a domain error by its code and key, anything else with quoted
// values and mail addresses removed (driver errors quote the values of a
// duplicate key), cut to 300 characters. nil is "".
func JobError(err error) string {
	if err == nil {
		return ""
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return fmt.Sprintf("%s (%s)", de.Code, de.Key)
	}
	msg := quoted.ReplaceAllString(err.Error(), `"…"`)
	msg = email.ReplaceAllString(msg, "…@…")
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
}

// JobInfo is what the scheduler tells the jobs page about one job.
type JobInfo struct {
	Name string
	Spec string    // the cron spec in force, "off" when disabled
	Next time.Time // the next scheduled time; zero when off
}

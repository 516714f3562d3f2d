// Package jobs runs Lotse's scheduled jobs: a cron schedule (robfig/cron, in
// Europe/Berlin), one function per job calling service, and a run record per
// scheduled time that doubles as the lease.
//
// Exactly once per scheduled time, over any number of replicas: a run's record
// has the _id "<job>:<scheduled time, UTC, RFC 3339>", and inserting it is the
// claim. The scheduled time comes from the schedule (the latest time at or
// before now), not from the moment a process woke up, so every replica names a
// run the same way; the replica whose insert succeeds runs the job, the others
// get a duplicate key and skip it.
//
// A holder renews its run's heartbeat while the job runs. A run without an end
// whose heartbeat is older than service.JobLease shows as abandoned: its holder
// died. It is not taken over: jobs select their work by state ("due and not yet
// done"), so the next scheduled run does what the dead one left, and an admin
// can start one at once with "run now". Taking it over would need a second
// claim per run and could run a job twice at the same time.
//
// At Start each job's latest scheduled time is claimed like any other (kind
// "catchup"): if all replicas were down then, one of them runs it now; if it
// ran, the claim fails and nothing happens. Only the latest missed time is
// caught up, not every one.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	// Schedules are read in Europe/Berlin, also where the host has no tzdata.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// Job is one scheduled job. Run does the work for the scheduled time now and
// returns how many items it handled. It must select its work by state and be
// safe to run again (a crashed run is redone by the next one), and its error
// must not carry personal data beyond IDs (run records are shown to the admins
// of every tenant; service.JobError strips quoted values and addresses).
type Job struct {
	Name string // lower case, digits and "_": LOTSE_JOB_<NAME> sets its spec
	Spec string // default cron spec (see ParseSpec), or Off
	Run  func(ctx context.Context, now time.Time) (count int, err error)
}

// Options adjust a Scheduler.
type Options struct {
	// Specs override the catalog's default specs by job name (from the
	// LOTSE_JOB_<NAME> variables); "off" disables a schedule. "test_tick"
	// enables the Tick job.
	Specs map[string]string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Replica names this process in run records; "" means host:pid.
	Replica string
}

// Scheduler runs the jobs of one process. Build it with New, then Start it; a
// stopped or never started Scheduler still runs jobs by hand (RunNow).
type Scheduler struct {
	svc     *service.Service
	log     *slog.Logger
	now     func() time.Time
	replica string
	loc     *time.Location
	entries []*entry
	byName  map[string]*entry

	base   context.Context // runs use it, so a shutdown can let them finish
	cancel context.CancelFunc
	runs   sync.WaitGroup

	mu        sync.Mutex
	cron      *cron.Cron
	stopped   bool // Stop was called: no run begins any more
	lastPrune time.Time
}

type entry struct {
	job   Job
	spec  string
	sched cron.Schedule // nil when off
}

// New checks the catalog and the spec overrides (an unknown name or a spec
// that does not parse is an error naming its variable) and returns a Scheduler
// that has not started.
func New(svc *service.Service, log *slog.Logger, catalog []Job, opts Options) (*Scheduler, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{svc: svc, log: log, now: opts.Now, replica: opts.Replica, loc: loc, byName: map[string]*entry{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.replica == "" {
		host, _ := os.Hostname()
		s.replica = host + ":" + strconv.Itoa(os.Getpid())
	}
	if spec, ok := opts.Specs[TickName]; ok {
		catalog = append(catalog[:len(catalog):len(catalog)], Tick(spec))
	}
	var errs []error
	for _, j := range catalog {
		if j.Name == "" || j.Run == nil || s.byName[j.Name] != nil {
			errs = append(errs, fmt.Errorf("jobs: catalog entry %q: no name, no function or a second entry of that name", j.Name))
			continue
		}
		e := &entry{job: j, spec: j.Spec}
		if v, ok := opts.Specs[j.Name]; ok {
			e.spec = v
		}
		if e.spec != Off {
			if e.sched, err = ParseSpec(e.spec); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", EnvVar(j.Name), e.spec, err))
			}
		}
		s.entries = append(s.entries, e)
		s.byName[j.Name] = e
	}
	for name := range opts.Specs {
		if s.byName[name] == nil {
			errs = append(errs, fmt.Errorf("%s: there is no job %q (jobs: %s)", EnvVar(name), name, s.names()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

func (s *Scheduler) names() string {
	var out []string
	for _, e := range s.entries {
		out = append(out, e.job.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Start claims each job's latest scheduled time (the catch-up: it runs, in the
// background, only where no replica ran it) and starts the cron schedule.
// Stop ends it; a second Start, or one after Stop, does nothing.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil || s.stopped {
		return
	}
	cl := cronLogger{s.log}
	s.cron = cron.New(cron.WithLocation(s.loc), cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	for _, e := range s.entries {
		if e.sched == nil {
			continue
		}
		s.cron.Schedule(e.sched, cron.FuncJob(func() { s.fire(e, service.JobScheduled) }))
	}
	s.catchUp()
	s.cron.Start()
	s.log.Info("jobs scheduled", "jobs", len(s.entries), "replica", s.replica)
}

// Stop stops the schedule and waits for running jobs until ctx ends; then it
// cancels them and waits a few seconds more for their records. It returns an
// error if runs were still going.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	if s.cron != nil {
		s.cron.Stop()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.runs.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return errors.New("jobs: stopped while jobs were running; they were cancelled")
}

// catchUp claims every job's latest scheduled time now (one insert each) and
// runs the claimed ones in the background, so the server does not wait for
// them; then it prunes old records. The caller holds s.mu.
func (s *Scheduler) catchUp() {
	for _, e := range s.entries {
		if e.sched == nil {
			continue
		}
		s.runs.Add(1)
		if key, t, ok := s.claimDue(e, service.JobCatchUp); ok {
			go s.execute(e, key, service.JobCatchUp, t)
		} else {
			s.runs.Done()
		}
	}
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		s.prune()
	}()
}

// fire runs e for its latest scheduled time at or before now, unless another
// replica claimed that time first; cron calls it.
func (s *Scheduler) fire(e *entry, kind string) {
	if !s.begin() {
		return
	}
	if key, t, ok := s.claimDue(e, kind); ok {
		s.execute(e, key, kind, t)
	} else {
		s.runs.Done()
	}
	s.prune()
}

// claimDue claims e's latest scheduled time at or before now; ok is false
// when there is none or another replica has it.
func (s *Scheduler) claimDue(e *entry, kind string) (key string, t time.Time, ok bool) {
	t = lastAtOrBefore(e.sched, s.now())
	if t.IsZero() {
		return "", t, false
	}
	key = e.job.Name + ":" + t.UTC().Format(time.RFC3339)
	return key, t, s.claim(e, key, kind, t)
}

// RunNow starts job name at once, in the background, under a key of its own
// ("<name>:manual:<unix seconds>"), and returns that key. by must be an
// admin's scope; the start is audited in their tenant (a zero tenant, the
// command line, is not audited). ErrNotFound names no job; ErrConflict means
// the job was started by hand this second already.
func (s *Scheduler) RunNow(ctx context.Context, by domain.Scope, name string) (string, error) {
	if by.Role != domain.RoleAdmin {
		return "", domain.ErrForbidden
	}
	e := s.byName[name]
	if e == nil {
		return "", domain.ErrNotFound
	}
	if !s.begin() {
		return "", errors.New("jobs: the scheduler is stopping")
	}
	now := s.now()
	key := fmt.Sprintf("%s:manual:%d", name, now.Unix())
	if err := s.svc.ClaimJobRun(ctx, s.record(e, key, service.JobManual, now)); err != nil {
		s.runs.Done()
		return "", err
	}
	if !by.Tenant.IsZero() {
		// The run is claimed: it goes ahead even if the audit fails (logged).
		_ = s.svc.AuditJobRun(ctx, by, name)
	}
	go s.execute(e, key, service.JobManual, now)
	return key, nil
}

// Jobs describes every job with its spec and next scheduled time, by name.
func (s *Scheduler) Jobs() []service.JobInfo {
	now := s.now()
	out := make([]service.JobInfo, 0, len(s.entries))
	for _, e := range s.entries {
		info := service.JobInfo{Name: e.job.Name, Spec: e.spec}
		if e.sched != nil {
			info.Next = e.sched.Next(now.In(s.loc))
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Scheduler) record(e *entry, key, kind string, scheduled time.Time) store.JobRun {
	now := s.now().UTC()
	return store.JobRun{Key: key, Job: e.job.Name, Kind: kind, ScheduledAt: scheduled.UTC(), Replica: s.replica,
		StartedAt: now, HeartbeatAt: now}
}

// begin counts a run that is about to start, so Stop waits for it; false
// means the scheduler is stopping and nothing may start.
func (s *Scheduler) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.runs.Add(1)
	return true
}

// claim inserts the run record; false means another replica has it.
func (s *Scheduler) claim(e *entry, key, kind string, scheduled time.Time) bool {
	err := s.svc.ClaimJobRun(s.base, s.record(e, key, kind, scheduled))
	switch {
	case err == nil:
		return true
	case errors.Is(err, domain.ErrConflict):
		s.log.Debug("job run claimed elsewhere", "job", e.job.Name, "key", key)
	default:
		s.log.Error("job run not claimed", "job", e.job.Name, "key", key, "err", service.JobError(err))
	}
	return false
}

// execute runs a claimed job, renews its heartbeat meanwhile and records the
// end. A panic becomes the run's error. It ends the run begin counted.
func (s *Scheduler) execute(e *entry, key, kind string, scheduled time.Time) {
	defer s.runs.Done()
	ctx, cancel := context.WithCancel(s.base)
	defer cancel()
	beat := make(chan struct{})
	go func() {
		t := time.NewTicker(service.JobHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-beat:
				return
			case <-t.C:
				if err := s.svc.JobRunHeartbeat(ctx, key); err != nil {
					s.log.Warn("job heartbeat", "job", e.job.Name, "key", key, "err", service.JobError(err))
				}
			}
		}
	}()
	start := time.Now()
	count, err := runSafely(ctx, e.job, scheduled)
	close(beat)
	// Record the end even when shutdown cancelled the job.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	if ferr := s.svc.FinishJobRun(fctx, key, count, err); ferr != nil {
		s.log.Error("job run not recorded", "job", e.job.Name, "key", key, "err", service.JobError(ferr))
	}
	attrs := []any{"job", e.job.Name, "key", key, "kind", kind, "count", count, "ms", time.Since(start).Milliseconds()}
	if err != nil {
		s.log.Error("job failed", append(attrs, "err", service.JobError(err))...)
		return
	}
	s.log.Info("job done", attrs...)
}

// runSafely calls the job and turns a panic into an error.
func runSafely(ctx context.Context, j Job, now time.Time) (count int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %T", r)
		}
	}()
	return j.Run(ctx, now)
}

// prune deletes old run records, at most once a day per process.
func (s *Scheduler) prune() {
	s.mu.Lock()
	due := s.now().Sub(s.lastPrune) >= 24*time.Hour
	if due {
		s.lastPrune = s.now()
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if n, err := s.svc.PruneJobRuns(s.base); err != nil {
		s.log.Warn("pruning job runs", "err", service.JobError(err))
	} else if n > 0 {
		s.log.Info("pruned job runs", "count", n)
	}
}

// cronLogger passes cron's own messages to slog: routine ones at debug level.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

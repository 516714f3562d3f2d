package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"lotse/config"
	"lotse/domain"
	"lotse/jobs"
	"lotse/service"
)

// runJobCmd lists the scheduled jobs or runs one now in this process, under
// the same lease as a scheduled run, and prints its record. A Ctrl-C cancels
// the job and still records its end.
func runJobCmd(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 || args[0] == "list" && len(args) != 1 || args[0] == "run" && len(args) != 2 ||
		args[0] != "list" && args[0] != "run" {
		return usageError{errors.New("want: job list, or job run NAME")}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	sched, err := jobs.New(a.svc, a.log, jobs.Catalog(a.svc), jobs.Options{Specs: cfg.JobSpecs})
	if err != nil {
		return invalidInput{fmt.Errorf("configuration: %w", err)}
	}
	if args[0] == "list" {
		return listJobs(ctx, a.svc, sched, os.Stdout)
	}
	// The command line is not a tenant's admin: the run is logged, not audited.
	key, err := sched.RunNow(ctx, domain.Scope{Role: domain.RoleAdmin}, args[1])
	if errors.Is(err, domain.ErrNotFound) {
		return usageError{fmt.Errorf("no job %q", args[1])}
	}
	if err != nil {
		return err
	}
	stopErr := sched.Stop(ctx)
	r, err := a.st.JobRunByKey(context.WithoutCancel(ctx), key)
	if err != nil {
		return err
	}
	status := service.JobRunStatus(*r, a.svc.Now())
	fmt.Fprintf(os.Stdout, "%s: %s, count %d, %s\n", key, status, r.Count, r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
	if status != service.JobOK {
		return errors.Join(fmt.Errorf("job %s failed: %s", args[1], r.Error), stopErr)
	}
	return stopErr
}

func listJobs(ctx context.Context, svc *service.Service, sched *jobs.Scheduler, w io.Writer) error {
	runs, err := svc.Store.JobRuns(ctx)
	if err != nil {
		return err
	}
	for _, j := range sched.Jobs() {
		next, last := "-", "never"
		if !j.Next.IsZero() {
			next = j.Next.Format(time.RFC3339)
		}
		for _, r := range runs { // newest first
			if r.Job == j.Name {
				last = fmt.Sprintf("%s %s (count %d)", r.StartedAt.Format(time.RFC3339), service.JobRunStatus(r, svc.Now()), r.Count)
				break
			}
		}
		fmt.Fprintf(w, "%-20s %-16s next %-26s last %s\n", j.Name, j.Spec, next, last)
	}
	return nil
}

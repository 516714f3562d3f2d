package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/service"
	"lotse/store"
	"lotse/store/storetest"
	"lotse/templates"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is a fake clock several schedulers share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newService is the real service on a fresh database, on clk.
func newService(t *testing.T, st *store.Store, clk *clock) *service.Service {
	t.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(st, geo.Default(), tr, slog.New(slog.DiscardHandler), "http://lotse.test", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = clk.Now
	svc.ReproposeDelay = time.Hour
	t.Cleanup(func() { svc.CloseProposals(false) })
	return svc
}

// counter is a job that counts its runs per scheduled time.
type counter struct {
	mu   sync.Mutex
	runs map[time.Time]int
}

func (c *counter) job(name, spec string) Job {
	return Job{Name: name, Spec: spec, Run: func(_ context.Context, now time.Time) (int, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.runs == nil {
			c.runs = map[time.Time]int{}
		}
		c.runs[now.UTC()]++
		return 1, nil
	}}
}

func (c *counter) snapshot() map[time.Time]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[time.Time]int{}
	for k, v := range c.runs {
		out[k] = v
	}
	return out
}

func newScheduler(t *testing.T, svc *service.Service, clk *clock, replica string, catalog []Job, specs map[string]string) *Scheduler {
	t.Helper()
	s, err := New(svc, slog.New(slog.DiscardHandler), catalog, Options{Specs: specs, Now: clk.Now, Replica: replica})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func TestParseSpec(t *testing.T) {
	berlin, _ := time.LoadLocation(Zone)
	winter := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec     string
		from     time.Time
		wantNext time.Time
	}{
		{"0 30 2 * * *", winter, time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC)}, // CET
		{"30 2 * * *", summer, time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)},    // CEST
		{"@daily", winter, time.Date(2026, 3, 14, 23, 0, 0, 0, time.UTC)},
		{"CRON_TZ=UTC 0 3 * * *", winter, time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)},
		{"@every 2s", winter.Add(1500 * time.Millisecond), winter.Add(2 * time.Second)},
		{"@every 10m", winter.Add(61 * time.Minute), winter.Add(70 * time.Minute)},
		{"*/5 * * * * *", winter.Add(3 * time.Second), winter.Add(5 * time.Second)},
	} {
		s, err := ParseSpec(tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if got := s.Next(tc.from); !got.Equal(tc.wantNext) {
			t.Errorf("%q.Next(%s) = %s, want %s", tc.spec, tc.from, got.In(berlin), tc.wantNext.In(berlin))
		}
	}
	for _, bad := range []string{"", "bogus", "61 * * * *", "* * * * * * *", "@every 1500ms", "@every 0s", "@every soon",
		"CRON_TZ=UTC @every 1s", "CRON_TZ=Mars/Base 0 3 * * *"} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestLastAtOrBefore checks the previous scheduled time against the schedule
// itself: it is at or before now, it is a scheduled time, and the next one is
// after now.
func TestLastAtOrBefore(t *testing.T) {
	base := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC) // the spring change in Berlin
	for _, spec := range []string{"0 30 2 * * *", "@every 1s", "@every 7s", "0 */15 9-17 * * MON-FRI", "0 0 4 1 * *", "@weekly"} {
		s, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []time.Duration{0, 999 * time.Millisecond, time.Hour + 17*time.Second, 50 * time.Hour, 400 * time.Hour} {
			now := base.Add(off)
			got := lastAtOrBefore(s, now)
			if got.IsZero() || got.After(now) || !s.Next(got.Add(-time.Second)).Equal(got) || !s.Next(got).After(now) {
				t.Errorf("%q at %s: %s is not the latest scheduled time", spec, now, got)
			}
		}
	}
}

func TestNewChecksSpecs(t *testing.T) {
	svc := newService(t, storetest.New(t), &clock{t: time.Now()})
	var c counter
	catalog := []Job{c.job("nightly_proposals", "0 30 2 * * *")}
	for _, tc := range []struct {
		specs map[string]string
		want  string
	}{
		{map[string]string{"nightly_proposal": "@daily"}, `LOTSE_JOB_NIGHTLY_PROPOSAL: there is no job "nightly_proposal"`},
		{map[string]string{"nightly_proposals": "0 61 2 * * *"}, `LOTSE_JOB_NIGHTLY_PROPOSALS="0 61 2 * * *"`},
		{map[string]string{"test_tick": "@every 1.5s"}, "LOTSE_JOB_TEST_TICK"},
	} {
		_, err := New(svc, slog.New(slog.DiscardHandler), catalog, Options{Specs: tc.specs})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error containing %q, got %v", tc.specs, tc.want, err)
		}
	}
	s, err := New(svc, slog.New(slog.DiscardHandler), catalog, Options{Specs: map[string]string{"nightly_proposals": "off", "test_tick": "@every 1s"}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Jobs()
	if len(got) != 2 || got[0].Name != "nightly_proposals" || got[0].Spec != Off || !got[0].Next.IsZero() ||
		got[1].Name != TickName || got[1].Next.IsZero() {
		t.Errorf("jobs: %+v", got)
	}
}

// TestTwoReplicasFakeClock drives two schedulers on one database with a fake
// clock, as cron would wake them: every scheduled time runs exactly once, and
// its record names the replica that ran it.
func TestTwoReplicasFakeClock(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	start := time.Date(2026, 3, 14, 9, 59, 0, 500_000_000, time.UTC)
	clk := &clock{t: start}
	var fast, minutely counter
	catalog := func() []Job {
		return []Job{fast.job("fast", "@every 10s"), minutely.job("minutely", "0 * * * * *")}
	}
	a := newScheduler(t, newService(t, st, clk), clk, "a", catalog(), nil)
	b := newScheduler(t, newService(t, st, clk), clk, "b", catalog(), nil)

	// Wake both replicas every 3 s of fake time for three minutes, at the same
	// moment, as their cron timers would.
	end := start.Add(3 * time.Minute)
	for ; !clk.Now().After(end); clk.Add(3 * time.Second) {
		var wg sync.WaitGroup
		for _, s := range []*Scheduler{a, b} {
			for _, e := range s.entries {
				wg.Add(1)
				go func() { defer wg.Done(); s.fire(e, service.JobScheduled) }()
			}
		}
		wg.Wait()
	}
	a.runs.Wait()
	b.runs.Wait()

	check := func(name string, c *counter, step time.Duration) {
		got := c.snapshot()
		want := 0
		for tm := start.Truncate(step); !tm.After(end); tm = tm.Add(step) {
			want++
			if got[tm] != 1 {
				t.Errorf("%s at %s ran %d times, want once", name, tm.Format(time.TimeOnly), got[tm])
			}
		}
		if len(got) != want {
			t.Errorf("%s ran for %d scheduled times, want %d: %v", name, len(got), want, got)
		}
	}
	check("fast", &fast, 10*time.Second)
	check("minutely", &minutely, time.Minute)

	runs, err := st.JobRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byReplica := map[string]int{}
	for _, r := range runs {
		byReplica[r.Replica]++
		want := r.Job + ":" + r.ScheduledAt.UTC().Format(time.RFC3339)
		if r.Key != want || r.EndedAt.IsZero() || r.Count != 1 || r.Error != "" || r.Kind != service.JobScheduled {
			t.Errorf("run %+v: want key %s, ended, count 1, no error", r, want)
		}
	}
	if len(runs) != len(fast.snapshot())+len(minutely.snapshot()) {
		t.Errorf("%d run records for %d runs", len(runs), len(fast.snapshot())+len(minutely.snapshot()))
	}
	t.Logf("runs per replica: %v", byReplica)
}

// TestCatchUp: a start after a missed nightly run makes it up once; a restart,
// or a second replica, does not run it again; the next missed night is made
// up by the next start.
func TestCatchUp(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	clk := &clock{t: time.Date(2026, 3, 14, 5, 0, 0, 0, time.UTC)} // 06:00 in Berlin
	var nightly counter
	start := func(replica string) {
		s := newScheduler(t, newService(t, st, clk), clk, replica, []Job{nightly.job("nightly", "0 30 2 * * *")}, nil)
		s.Start()
		if err := s.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start("a")
	start("a")
	start("b")
	night1 := time.Date(2026, 3, 14, 1, 30, 0, 0, time.UTC)
	if got := nightly.snapshot(); len(got) != 1 || got[night1] != 1 {
		t.Fatalf("after three starts: runs %v, want one for %s", got, night1)
	}
	clk.Set(time.Date(2026, 3, 17, 12, 0, 0, 0, time.UTC)) // three nights missed
	start("b")
	night2 := time.Date(2026, 3, 17, 1, 30, 0, 0, time.UTC)
	if got := nightly.snapshot(); len(got) != 2 || got[night2] != 1 {
		t.Fatalf("after the gap: runs %v, want one more, for %s only", got, night2)
	}
	r, err := st.JobRunByKey(ctx, "nightly:2026-03-17T01:30:00Z")
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != service.JobCatchUp || r.Replica != "b" || r.EndedAt.IsZero() {
		t.Errorf("catch-up run: %+v", r)
	}
}

// TestRunNowAndFailures: runs by hand are audited and keyed apart from the
// schedule; failures and panics end up in the record without personal data.
func TestRunNowAndFailures(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	clk := &clock{t: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)}
	svc := newService(t, st, clk)
	tn := &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01"}
	if err := st.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	var ok counter
	catalog := []Job{
		ok.job("ok", Off),
		{Name: "fails", Spec: Off, Run: func(context.Context, time.Time) (int, error) {
			return 2, errors.New(`mail to ayse@example.org: dup key: { email: "ayse@example.org" }`)
		}},
		{Name: "panics", Spec: Off, Run: func(context.Context, time.Time) (int, error) { panic("Ayşe") }},
	}
	s := newScheduler(t, svc, clk, "a", catalog, nil)
	admin := domain.Scope{Tenant: tn.ID, User: domain.NewID(clk.Now()), Role: domain.RoleAdmin}

	if _, err := s.RunNow(ctx, domain.Scope{Tenant: tn.ID, Role: domain.RoleCoordinator}, "ok"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("coordinator: %v, want forbidden", err)
	}
	if _, err := s.RunNow(ctx, admin, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown job: %v, want not found", err)
	}
	keys := map[string]string{}
	for _, name := range []string{"ok", "fails", "panics"} {
		key, err := s.RunNow(ctx, admin, name)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = key
	}
	if _, err := s.RunNow(ctx, admin, "ok"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second start in the same second: %v, want conflict", err)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if keys["ok"] != fmt.Sprintf("ok:manual:%d", clk.Now().Unix()) {
		t.Errorf("key %q", keys["ok"])
	}
	for name, want := range map[string]string{"ok": service.JobOK, "fails": service.JobFailed, "panics": service.JobFailed} {
		r, err := st.JobRunByKey(ctx, keys[name])
		if err != nil {
			t.Fatal(err)
		}
		if got := service.JobRunStatus(*r, clk.Now()); got != want || r.Kind != service.JobManual {
			t.Errorf("%s: %s (%s), want %s, manual", name, got, r.Kind, want)
		}
		if strings.Contains(r.Error, "ayse") || strings.Contains(r.Error, "Ayşe") {
			t.Errorf("%s: error %q keeps personal data", name, r.Error)
		}
	}
	if r, _ := st.JobRunByKey(ctx, keys["panics"]); r.Error != "panic: string" {
		t.Errorf("panic recorded as %q", r.Error)
	}
	log, err := st.AuditLog(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[0].Action != "job.run" || log[0].Actor != admin.User || log[0].Fields[0] != "ok" {
		t.Errorf("audit log %+v: want three job.run entries by the admin", log)
	}
}

// TestCatalog: every job of the catalog has a name its variable can carry and
// a default spec that parses, and runs against the real service.
func TestCatalog(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)}
	st := storetest.New(t)
	svc := newService(t, st, clk)
	s := newScheduler(t, svc, clk, "a", Catalog(svc), nil)
	for _, e := range s.entries {
		if strings.Trim(e.job.Name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" || e.sched == nil {
			t.Errorf("job %q: want a lower-case name and a default schedule", e.job.Name)
		}
		key, err := s.RunNow(ctx, domain.Scope{Role: domain.RoleAdmin}, e.job.Name)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
		defer func() {
			r, err := st.JobRunByKey(ctx, key)
			if err != nil || service.JobRunStatus(*r, clk.Now()) != service.JobOK {
				t.Errorf("%s on an empty database: %+v, %v", key, r, err)
			}
		}()
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/handlers"
	"lotse/jobs"
	"lotse/service"
)

// newTestJobs is a scheduler with the test tick job only, not started (runs
// happen by hand). Its clock moves a second per reading, so starts never share
// a key; it stops before the test's database goes.
func newTestJobs(t *testing.T, svc *service.Service) *jobs.Scheduler {
	t.Helper()
	var mu sync.Mutex
	now := time.Now().UTC()
	s, err := jobs.New(svc, slog.New(slog.DiscardHandler), nil, jobs.Options{
		Specs: map[string]string{jobs.TickName: "@every 1m"},
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

// TestJobsPage: an admin sees the jobs, starts one by hand and finds its run
// on the page; the start is audited.
func TestJobsPage(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	h, err := handlers.New(a.svc, a.svc.T, slog.New(slog.DiscardHandler), a.srv.URL, false)
	if err != nil {
		t.Fatal(err)
	}
	h.Jobs = newTestJobs(t, a.svc)
	srv := httptest.NewServer(h.Router())
	t.Cleanup(srv.Close)

	admin := &caller{name: "admin", ip: "192.0.2.1"}
	a.staffCaller(t, admin, a.tenant.Slug, "admin@example.org", domain.RoleAdmin)
	admin.jar = a.client()
	u, _ := url.Parse(srv.URL)
	admin.jar.Jar.SetCookies(u, []*http.Cookie{admin.cookie})

	csrf := getForm(t, admin.jar, srv.URL+"/admin/jobs?lang=en")
	res, _ := postForm(t, admin.jar, srv.URL+"/admin/jobs/"+jobs.TickName+"/run", url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/jobs?started="+jobs.TickName {
		t.Fatalf("run now: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = postForm(t, admin.jar, srv.URL+"/admin/jobs/no_such_job/run", url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown job: %d, want 404", res.StatusCode)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := admin.jar.Get(srv.URL + "/admin/jobs?started=" + jobs.TickName)
		if err != nil {
			t.Fatal(err)
		}
		page := body(t, res)
		if strings.Contains(page, "succeeded") {
			for _, want := range []string{"The job test_tick has started.", "@every 1m", "by hand", "<td>1</td>"} {
				if !strings.Contains(page, want) {
					t.Errorf("jobs page lacks %q", want)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished run on the page:\n%s", page)
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, err := a.st.AuditLog(ctx, a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(log); n == 0 || log[n-1].Action != "job.run" || log[n-1].Fields[0] != jobs.TickName {
		t.Errorf("audit log %+v: want it to end with job.run of %s", log, jobs.TickName)
	}
}

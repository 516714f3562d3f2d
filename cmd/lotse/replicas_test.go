package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lotse/domain"
	"lotse/jobs"
	"lotse/mail"
	"lotse/mail/mailtest"
	"lotse/service"
	"lotse/store"
)

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// child is a lotse process started by a test.
type child struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan error
}

func startChild(t *testing.T, bin, name string, env []string, args ...string) *child {
	t.Helper()
	c := &child{name: name, cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	// childEnv makes the test binary run lotse (see TestMain); later entries
	// win over the test's own environment.
	c.cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// stop sends SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("%s exited with %v; stderr:\n%s", c.name, err, c.stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		t.Errorf("%s did not stop within 20 s after SIGTERM", c.name)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	uriLine  = regexp.MustCompile(`MONGODB_URI=(\S+)`)
	jobDone  = regexp.MustCompile(`msg="job done" job=(\S+) key=(\S+)`)
	mailSent = regexp.MustCompile(`msg="mail sent" count=(\d+)`)
)

// TestThreeReplicas runs the real binary as three `lotse serve` replicas that
// share one database through `lotse db`, with the test tick job every second
// and 50 mails queued before they start: every tick's scheduled time runs on
// exactly one replica, the nightly run is caught up by one replica only, and
// every mail arrives exactly once.
func TestThreeReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four lotse processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := os.Args[0] // with childEnv set, this test binary is lotse

	dbAddr := freeAddr(t)
	db := startChild(t, bin, "lotse db", []string{"LOTSE_DATA_DIR=" + filepath.Join(dir, "data")}, "db", "-addr", dbAddr)
	waitFor(t, "lotse db prints MONGODB_URI", 30*time.Second, func() bool { return uriLine.MatchString(db.stdout.String()) })
	uri := uriLine.FindStringSubmatch(db.stdout.String())[1]

	// Queue the mails before any replica runs, so all three dispatchers find
	// all of them due at once.
	st, err := store.Open(ctx, store.Options{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	const mails = 50
	tenant := domain.NewID(time.Now())
	for i := range mails {
		if _, err := st.Enqueue(ctx, tenant, store.OutboxMessage{Key: fmt.Sprintf("replica-test:%02d", i),
			To: fmt.Sprintf("r%02d@example.org", i), Subject: "Test", Text: "Hallo", Lang: "de"}); err != nil {
			t.Fatal(err)
		}
	}

	smtp := mailtest.NewServer(t)
	var replicas []*child
	var addrs []string
	for i := range 3 {
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		replicas = append(replicas, startChild(t, bin, fmt.Sprintf("replica %d", i), []string{
			"MONGODB_URI=" + uri, "LOTSE_ADDR=" + addr, "LOTSE_BASE_URL=http://" + addr,
			"LOTSE_SECRET=" + strings.Repeat("r", 32), "LOTSE_SMTP_URL=" + smtp.URL(), "LOTSE_MAIL_FROM=lotse@lotse.test",
			"LOTSE_JOB_" + strings.ToUpper(jobs.TickName) + "=@every 1s", "LOTSE_JOBS=on", "LOTSE_LOG_LEVEL=info",
		}, "serve"))
	}
	for i, addr := range addrs {
		waitFor(t, replicas[i].name+" ready", 30*time.Second, func() bool {
			res, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		})
	}
	ready := time.Now()
	waitFor(t, "all mails arrive", 30*time.Second, func() bool { return len(smtp.Messages()) >= mails })
	if wait := 6*time.Second - time.Since(ready); wait > 0 {
		time.Sleep(wait)
	}
	for _, r := range replicas {
		r.stop(t)
	}

	// Mail: every key exactly once.
	byKey := map[string]int{}
	for _, m := range smtp.Messages() {
		byKey[m.Header.Get("Message-Id")]++
	}
	for i := range mails {
		id := mail.MessageID(fmt.Sprintf("replica-test:%02d", i), "lotse.test")
		if byKey[id] != 1 {
			t.Errorf("mail %s arrived %d times, want once", id, byKey[id])
		}
	}
	if len(smtp.Messages()) != mails {
		t.Errorf("%d messages arrived, want %d", len(smtp.Messages()), mails)
	}

	// Jobs: the records, and what each replica says it ran.
	runs, err := st.JobRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]store.JobRun{}
	nightly := 0
	for _, r := range runs {
		switch r.Job {
		case jobs.TickName:
			recorded[r.Key] = r
			if service.JobRunStatus(r, time.Now()) != service.JobOK {
				t.Errorf("tick run %s: status %s", r.Key, service.JobRunStatus(r, time.Now()))
			}
		case "nightly_proposals":
			nightly++
		}
	}
	if nightly != 1 {
		t.Errorf("nightly_proposals: %d runs, want the one catch-up", nightly)
	}
	ran := map[string]int{}
	perReplica := map[string]int{}
	sentPerReplica := map[string]int{}
	for _, r := range replicas {
		for _, m := range jobDone.FindAllStringSubmatch(r.stderr.String(), -1) {
			if m[1] == jobs.TickName {
				ran[m[2]]++
				perReplica[r.name]++
			}
		}
		for _, m := range mailSent.FindAllStringSubmatch(r.stderr.String(), -1) {
			var n int
			fmt.Sscan(m[1], &n)
			sentPerReplica[r.name] += n
		}
	}
	for key, n := range ran {
		if n != 1 {
			t.Errorf("%s ran %d times, want once", key, n)
		}
		if _, ok := recorded[key]; !ok {
			t.Errorf("%s ran but has no record", key)
		}
	}
	if len(ran) != len(recorded) || len(ran) < 4 {
		t.Errorf("ticks: %d ran, %d recorded; want the same, at least 4 in 6 s", len(ran), len(recorded))
	}
	t.Logf("ticks: %d scheduled times, each run once; per replica %v; mails sent per replica %v", len(ran), perReplica, sentPerReplica)
	if t.Failed() {
		for _, r := range replicas {
			sc := bufio.NewScanner(strings.NewReader(r.stderr.String()))
			for sc.Scan() {
				if !strings.Contains(sc.Text(), "job done") {
					t.Logf("%s: %s", r.name, sc.Text())
				}
			}
		}
	}
	db.stop(t)
}

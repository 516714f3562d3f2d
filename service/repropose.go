package service

import (
	"context"
	"sync"
	"time"

	"lotse/domain"
)

// Debounce of proposals after a change: a burst of edits (a coordinator
// registering ten requests in a row) makes one matching run, not ten, and a
// steady stream still gets a run at least every ReproposeMaxWait.
const (
	ReproposeDelay   = 20 * time.Second
	ReproposeMaxWait = 2 * time.Minute
	reproposeTimeout = 5 * time.Minute
)

// reproposer coalesces requests for fresh proposals per municipality. What it
// holds is a hint only: a run lost in a crash leaves older proposals, which a
// coordinator's button or the nightly run replaces.
type reproposer struct {
	mu      sync.Mutex
	pending map[reproposeKey]*reproposeTimer
	running sync.WaitGroup
	closed  bool
}

type reproposeKey struct {
	tenant domain.ID
	ags    string
}

type reproposeTimer struct {
	t     *time.Timer
	first time.Time
}

// Repropose asks for a fresh matching run over the open requests of
// municipality ags, ReproposeDelay after the last such call (at most
// ReproposeMaxWait after the first). With Service.ReproposeDelay at 0 it runs
// at once, before returning.
func (s *Service) Repropose(tenant domain.ID, ags string) {
	if s.ReproposeDelay <= 0 {
		s.repropose(context.Background(), reproposeKey{tenant, ags})
		return
	}
	rp := &s.reproposer
	k := reproposeKey{tenant, ags}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.closed {
		return
	}
	if rp.pending == nil {
		rp.pending = map[reproposeKey]*reproposeTimer{}
	}
	now := time.Now()
	if p := rp.pending[k]; p != nil {
		// Postpone, but never beyond the longest wait (a delay longer than
		// that is itself the longest wait: tests set an hour so that nothing
		// fires under them).
		maxWait := max(ReproposeMaxWait, s.ReproposeDelay)
		if d := min(s.ReproposeDelay, maxWait-now.Sub(p.first)); d > 0 {
			p.t.Reset(d)
		}
		return
	}
	p := &reproposeTimer{first: now}
	p.t = time.AfterFunc(s.ReproposeDelay, func() { s.fire(k, p) })
	rp.pending[k] = p
}

// fire runs a due re-proposal unless Flush took it first.
func (s *Service) fire(k reproposeKey, p *reproposeTimer) {
	rp := &s.reproposer
	rp.mu.Lock()
	if rp.pending[k] != p {
		rp.mu.Unlock()
		return
	}
	delete(rp.pending, k)
	rp.running.Add(1)
	rp.mu.Unlock()
	defer rp.running.Done()
	ctx, cancel := context.WithTimeout(context.Background(), reproposeTimeout)
	defer cancel()
	s.repropose(ctx, k)
}

func (s *Service) repropose(ctx context.Context, k reproposeKey) {
	sc := domain.Scope{Tenant: k.tenant, Role: domain.RoleCoordinator, Municipalities: []string{k.ags}}
	if _, err := s.ProposeMatches(ctx, sc); err != nil {
		s.Log.Error("propose after a change", "tenant", k.tenant.Hex(), "municipality", k.ags, "err", err)
	}
}

// FlushProposals runs every pending re-proposal now and waits for all runs
// to end.
func (s *Service) FlushProposals() { s.endProposals(true, false) }

// CloseProposals ends the debouncing for good: pending re-proposals run now
// (run) or are dropped, running ones are waited for, and later changes ask for
// none. Serve closes with run, so no change waits in memory for a process
// that is gone; tests drop.
func (s *Service) CloseProposals(run bool) { s.endProposals(run, true) }

func (s *Service) endProposals(run, close bool) {
	rp := &s.reproposer
	rp.mu.Lock()
	due := make([]reproposeKey, 0, len(rp.pending))
	for k, p := range rp.pending {
		// A timer that fired already finds its entry gone and leaves the
		// run to us.
		p.t.Stop()
		if run {
			due = append(due, k)
		}
		delete(rp.pending, k)
	}
	rp.closed = rp.closed || close
	rp.running.Add(len(due))
	rp.mu.Unlock()
	for _, k := range due {
		ctx, cancel := context.WithTimeout(context.Background(), reproposeTimeout)
		s.repropose(ctx, k)
		cancel()
		rp.running.Done()
	}
	rp.running.Wait()
}

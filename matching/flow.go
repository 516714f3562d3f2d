package matching

import (
	"errors"
	"math"
)

// The solver is a min-cost flow by successive shortest paths on the bipartite
// graph of feasible pairs:
//
//	request r ──(1, −(big+score))──▶ volunteer v ──(free_v, 0)──▶ t
//	request r ──(needed_r, 0)──────────────────────────────────▶ t   "unfilled"
//
// Every slot of every request sends one unit to t, either through a volunteer
// or through its unfilled arc. A unit through a volunteer gains big+score, and
// big exceeds any possible total score, so the minimum-cost flow fills as many
// slots as possible first and maximises the total score second: the contract's
// lexicographic objective, exactly, in 64-bit integers.
//
// Each unit is routed from its request along a shortest path in the residual
// graph under reduced costs (Dijkstra with node potentials, so costs stay
// non-negative); the path may move already assigned volunteers to other
// requests or leave a weaker request's slot open for a stronger one. Dijkstra
// stops as soon as t is settled, and a node is queued only if it can still beat
// the best route to t found so far, so a request with a free, well-fitting
// volunteer nearby costs little more than one pass over its pairs.
type solver struct {
	ps       *pairs
	nR       int
	big      int64
	pot      []int64 // requests [0, nR), volunteers [nR, nR+nV); t's potential stays 0
	used     []bool  // per pair
	free     []int32 // per volunteer: capacity left
	slot0    []int32 // per volunteer: first of its slots (its capacity at the start)
	slotPair []int32 // pairs the volunteer carries, packed from slot0
	slotReq  []int32
	unfilled []int32 // per request: slots left open, known at the end

	dist    []int64
	seen    []uint32 // dist is valid when seen == epoch
	settled []uint32
	parentA []int32 // volunteer: the pair it was reached by; request: the slot
	parentN []int32 // the node it was reached from
	visited []int32
	epoch   uint32
	heap    minHeap
}

// maxSlots bounds the sum of needed, which keeps every cost and potential far
// inside int64.
const maxSlots = 10_000_000

var errTooManySlots = errors.New("matching: more than 10,000,000 request slots")

func solve(p *problem, ps *pairs) (*solver, error) {
	nR, nV := len(p.reqs), len(p.vols)
	var slots, supply int64
	for j := range p.reqs {
		slots += int64(p.reqs[j].needed)
	}
	for i := range p.vols {
		supply += int64(p.vols[i].free)
	}
	if slots > maxSlots {
		return nil, errTooManySlots
	}
	s := &solver{ps: ps, nR: nR, big: scoreUnit * (min(slots, supply) + 1),
		pot: make([]int64, nR+nV), used: make([]bool, ps.len()), free: make([]int32, nV),
		slot0: make([]int32, nV+1), unfilled: make([]int32, nR),
		dist: make([]int64, nR+nV), seen: make([]uint32, nR+nV), settled: make([]uint32, nR+nV),
		parentA: make([]int32, nR+nV), parentN: make([]int32, nR+nV)}
	for i := range p.vols {
		s.free[i] = p.vols[i].free
	}
	if supply > int64(ps.len()) {
		// A volunteer takes at most one slot per pair: capacity beyond their
		// pairs is unusable, and clamped, the slot arrays never outgrow the
		// pairs (capacities in the millions made them gigabytes).
		deg := make([]int32, nV)
		for _, v := range ps.vol {
			deg[v]++
		}
		for i := range s.free {
			s.free[i] = min(s.free[i], deg[i])
		}
	}
	for i := range p.vols {
		s.slot0[i+1] = s.slot0[i] + s.free[i]
	}
	s.slotPair = make([]int32, s.slot0[nV])
	s.slotReq = make([]int32, s.slot0[nV])
	// Initial potentials make every reduced cost non-negative: volunteers and t
	// at 0, each request at big plus its best score.
	for j := range nR {
		best := int64(-1)
		for a := ps.start[j]; a < ps.end[j]; a++ {
			if s.free[ps.vol[a]] > 0 {
				best = max(best, int64(ps.score[a]))
			}
		}
		if best >= 0 {
			s.pot[j] = s.big + best
		}
	}
	for j := range nR {
		for range p.reqs[j].needed {
			// Leaving this slot open being best now means the same for the
			// request's other slots: nothing else in the graph changed.
			if !s.route(int32(j)) {
				break
			}
		}
	}
	for j := range nR {
		s.unfilled[j] = p.reqs[j].needed - s.filled(int32(j))
	}
	return s, nil
}

// filled counts the slots of request j that carry a volunteer.
func (s *solver) filled(j int32) int32 {
	n := int32(0)
	for a := s.ps.start[j]; a < s.ps.end[j]; a++ {
		if s.used[a] {
			n++
		}
	}
	return n
}

// route sends one unit from request r0 to t along a shortest path and reports
// whether it filled a slot (false: the best was to leave it open).
func (s *solver) route(r0 int32) bool {
	ps, nR := s.ps, int32(s.nR)
	s.epoch++
	s.visited = s.visited[:0]
	s.heap = s.heap[:0]
	best, end := int64(math.MaxInt64), int32(-1)
	s.reach(r0, 0, -1, -1)
	for len(s.heap) > 0 {
		it := s.heap.pop()
		if it.d >= best {
			break // t is settled
		}
		x := it.n
		if s.settled[x] == s.epoch || it.d > s.dist[x] {
			continue
		}
		s.settled[x] = s.epoch
		s.visited = append(s.visited, x)
		d, px := it.d, s.pot[x]
		if x < nR {
			// Leave one of x's slots open.
			if dt := d + px; dt < best {
				best, end = dt, x
			}
			lo, hi := ps.start[x], ps.end[x]
			// First the free volunteers, to tighten best before queueing anyone:
			// through v to t costs dv + pot[v], since t's potential is 0.
			for a := lo; a < hi; a++ {
				v := ps.vol[a]
				if s.used[a] || s.free[v] == 0 {
					continue
				}
				n := nR + v
				dv := d - (s.big + int64(ps.score[a])) + px - s.pot[n]
				if dt := dv + s.pot[n]; dt < best && (s.seen[n] != s.epoch || dv < s.dist[n]) {
					s.reach(n, dv, a, x)
					best, end = dt, n
				}
			}
			for a := lo; a < hi; a++ {
				v := ps.vol[a]
				if s.used[a] || s.slot0[v] == s.slot0[v+1] {
					continue
				}
				n := nR + v
				if s.settled[n] == s.epoch {
					continue
				}
				dv := d - (s.big + int64(ps.score[a])) + px - s.pot[n]
				if dv < best && (s.seen[n] != s.epoch || dv < s.dist[n]) {
					s.reach(n, dv, a, x)
				}
			}
			continue
		}
		v := x - nR
		if s.free[v] > 0 {
			if dt := d + px; dt < best {
				best, end = dt, x
			}
		}
		for k := s.slot0[v]; k < s.slot0[v+1]-s.free[v]; k++ {
			r := s.slotReq[k]
			if s.settled[r] == s.epoch {
				continue
			}
			dr := d + s.big + int64(ps.score[s.slotPair[k]]) + px - s.pot[r]
			if dr < best && (s.seen[r] != s.epoch || dr < s.dist[r]) {
				s.reach(r, dr, k, x)
			}
		}
	}
	s.augment(r0, end)
	for _, x := range s.visited {
		s.pot[x] += s.dist[x] - best
	}
	return end != r0
}

// reach records a tentative distance and queues the node.
func (s *solver) reach(n int32, d int64, via, from int32) {
	s.seen[n], s.dist[n] = s.epoch, d
	s.parentA[n], s.parentN[n] = via, from
	s.heap.push(item{d, n})
}

// augment flips the path that ends at t through end.
func (s *solver) augment(r0, end int32) {
	nR := int32(s.nR)
	var r int32
	if end >= nR {
		v := end - nR
		k := s.slot0[v+1] - s.free[v]
		s.free[v]--
		a := s.parentA[end]
		s.slotPair[k], s.slotReq[k], s.used[a] = a, s.parentN[end], true
		r = s.parentN[end]
	} else {
		r = end // end leaves one slot open
	}
	for r != r0 {
		// r gave up the volunteer it was reached from; that volunteer's slot goes
		// to the request that reached the volunteer.
		k, vn := s.parentA[r], s.parentN[r]
		s.used[s.slotPair[k]] = false
		a, rr := s.parentA[vn], s.parentN[vn]
		s.slotPair[k], s.slotReq[k], s.used[a] = a, rr, true
		r = rr
	}
}

type item struct {
	d int64
	n int32
}

// minHeap is a binary heap of items by distance, then node, so pops are
// deterministic.
type minHeap []item

func (h item) less(o item) bool { return h.d < o.d || h.d == o.d && h.n < o.n }

func (h *minHeap) push(it item) {
	*h = append(*h, it)
	q := *h
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q[i].less(q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *minHeap) pop() item {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q[r].less(q[l]) {
			m = r
		}
		if !q[m].less(q[i]) {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}

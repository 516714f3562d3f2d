package matching

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// pairs holds every feasible (request, volunteer) pair. The pairs of request
// j are [start[j], end[j]) in the flat arrays, in a fixed order; where a
// request's block lies depends on the workers, nothing else does.
type pairs struct {
	start, end []int32
	vol        []int32
	score      []int32   // in 1/scoreUnit
	dist       []float32 // km
}

func (ps *pairs) len() int { return len(ps.vol) }

// gridEntry is a volunteer's copy of what the candidate test reads, laid out
// next to its cell neighbours.
type gridEntry struct {
	x, y, z  float64
	chord2   float64
	reach    float64
	invReach float64
	load     float64 // the weighted load factor
	langs    uint64
	avail    uint32
	bgDay    int32
	vi       int32
	muni     int32
	hours    int32 // hours a month left
	anyMuni  bool
	plain    bool // no stated language levels and no experience: the fast score applies
}

// grid indexes the volunteers of one skill by lat/lon cell.
type grid struct {
	start   []int32 // per cell, CSR into entries
	entries []gridEntry
}

// spatial is one grid per category over a common cell layout. Cells are
// cellKm wide (at least; wider towards the equator), so a request scans the
// cells its reach's bounding box touches: cost grows with the pairs near it,
// not with all volunteers.
type spatial struct {
	lat0, lon0 float64 // south-west corner
	dLat, dLon float64 // cell size in degrees
	rows, cols int
	grids      []grid // by category bit
	reachKm    float64
}

const kmPerDegree = EarthRadiusKm * math.Pi / 180

func newSpatial(p *problem) *spatial {
	s := &spatial{reachKm: p.maxKm, grids: make([]grid, len(p.catName))}
	if len(p.vols) == 0 {
		return s
	}
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for i := range p.vols {
		v := &p.vols[i]
		minLat, maxLat = min(minLat, v.lat), max(maxLat, v.lat)
		minLon, maxLon = min(minLon, v.lon), max(maxLon, v.lon)
	}
	// A sixth of the longest reach keeps the scanned box close to the circle;
	// the cell count is bounded so a world-wide scenario stays small.
	cellKm := max(p.maxKm/6, 1)
	for {
		s.dLat = cellKm / kmPerDegree
		s.dLon = s.dLat / max(math.Cos(max(math.Abs(minLat), math.Abs(maxLat))*math.Pi/180), 0.01)
		s.rows = int((maxLat-minLat)/s.dLat) + 1
		s.cols = int((maxLon-minLon)/s.dLon) + 1
		if s.rows*s.cols <= 1<<20 {
			break
		}
		cellKm *= 2
	}
	s.lat0, s.lon0 = minLat, minLon
	cells := s.rows * s.cols
	// Count, then place: one pass each, no per-cell slices.
	counts := make([][]int32, len(s.grids))
	for c := range counts {
		counts[c] = make([]int32, cells+1)
	}
	cellOf := make([]int32, len(p.vols))
	for i := range p.vols {
		v := &p.vols[i]
		cell := int32(s.row(v.lat)*s.cols + s.col(v.lon))
		cellOf[i] = cell
		for sk := v.skills; sk != 0; sk &= sk - 1 {
			counts[trailing(sk)][cell+1]++
		}
	}
	for c := range s.grids {
		g := &s.grids[c]
		g.start = counts[c]
		for k := 1; k <= cells; k++ {
			g.start[k] += g.start[k-1]
		}
		g.entries = make([]gridEntry, g.start[cells])
	}
	fill := make([][]int32, len(s.grids))
	for c := range fill {
		fill[c] = make([]int32, cells)
		copy(fill[c], s.grids[c].start[:cells])
	}
	for i := range p.vols {
		v := &p.vols[i]
		e := gridEntry{x: v.x, y: v.y, z: v.z, chord2: v.chord2, reach: v.reach, invReach: 1 / v.reach,
			load: p.w.Load * v.load, langs: v.langs, avail: v.avail, bgDay: v.bgDay, vi: int32(i),
			muni: v.muni, anyMuni: v.anyMuni, hours: v.hours,
			plain: v.levels == nil && v.exp == nil}
		for sk := v.skills; sk != 0; sk &= sk - 1 {
			c := trailing(sk)
			s.grids[c].entries[fill[c][cellOf[i]]] = e
			fill[c][cellOf[i]]++
		}
	}
	return s
}

func (s *spatial) row(lat float64) int {
	return min(max(int(math.Floor((lat-s.lat0)/s.dLat)), 0), s.rows-1)
}

func (s *spatial) col(lon float64) int {
	return min(max(int(math.Floor((lon-s.lon0)/s.dLon)), 0), s.cols-1)
}

// box returns the cell rows and columns that a circle of km around (lat, lon)
// touches, clipped to the grid; empty when it misses the grid.
func (s *spatial) box(lat, lon, km float64) (r0, r1, c0, c1 int, ok bool) {
	dl := km/kmPerDegree + 1e-9
	la0, la1 := lat-dl, lat+dl
	if la1 < s.lat0 || la0 > s.lat0+float64(s.rows)*s.dLat {
		return 0, 0, 0, 0, false
	}
	edge := min(max(math.Abs(la0), math.Abs(la1)), 89.9)
	dlon := dl / math.Cos(edge*math.Pi/180)
	if la1 >= 90 || la0 <= -90 || dlon >= 180 {
		return 0, s.rows - 1, 0, s.cols - 1, true // around a pole: scan all
	}
	lo0, lo1 := lon-dlon, lon+dlon
	if lo1 < s.lon0 || lo0 > s.lon0+float64(s.cols)*s.dLon {
		return 0, 0, 0, 0, false
	}
	return s.row(la0), s.row(la1), s.col(lo0), s.col(lo1), true
}

func trailing(x uint64) int { return bits.TrailingZeros64(x) }

// findPairs builds every feasible pair with its score, in request order,
// in two parallel passes over the candidates: the first counts each request's
// pairs, the second writes them straight into arrays of the exact size. The
// count pass costs less than growing or over-allocating large arrays, whose
// fresh pages are what costs most on the VMs Lotse is measured on.
func findPairs(p *problem, s *spatial, workers int) (*pairs, error) {
	nR := len(p.reqs)
	count := make([]int32, nR)
	parallel(nR, workers, func(j int) {
		n := int32(0)
		s.visit(p, j, func(*gridEntry, float64) { n++ })
		count[j] = n
	})
	ps := &pairs{start: make([]int32, nR), end: make([]int32, nR)}
	total := int64(0)
	for j, n := range count {
		ps.start[j] = int32(total)
		total += int64(n)
		if total > math.MaxInt32 {
			return nil, errTooManyPairs
		}
		ps.end[j] = int32(total)
	}
	ps.vol, ps.score, ps.dist = bigSlice[int32](int(total)), bigSlice[int32](int(total)), bigSlice[float32](int(total))
	parallel(nR, workers, func(j int) {
		k := ps.start[j]
		base, fast := p.requestBase(j), p.fastScore(j)
		s.visit(p, j, func(e *gridEntry, km float64) {
			if e.plain && fast.ok {
				// The common case, from the entry alone (see scorePair).
				ps.score[k] = units(base + e.load + fast.distance*max(0, 1-km*e.invReach) + fast.language +
					fast.slotShare*float64(popcount(e.avail&fast.slots)))
			} else {
				ps.score[k] = p.scorePair(j, base, e.vi, km)
			}
			ps.vol[k], ps.dist[k] = e.vi, float32(km)
			k++
		})
	})
	return ps, nil
}

var errTooManyPairs = &InputError{Msg: "more than 2^31 feasible pairs: split the scenario by region"}

// parallel calls fn for 0..n-1 on workers goroutines (0: all CPUs), in chunks.
func parallel(n, workers int, fn func(int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				for j := lo; j < min(lo+chunk, n); j++ {
					fn(j)
				}
			}
		})
	}
	wg.Wait()
}

// fastScoring holds a request's weighted factor parts for volunteers whose
// score needs nothing but their grid entry.
type fastScoring struct {
	ok        bool // no continuity to check: the fast score applies to plain entries
	distance  float64
	language  float64
	slotShare float64
	slots     uint32
}

func (p *problem) fastScore(j int) fastScoring {
	r, w := &p.reqs[j], p.w
	f := fastScoring{ok: r.prev == nil, distance: w.Distance, slots: r.slots}
	if r.slots != 0 {
		f.slotShare = w.Availability / float64(popcount(r.slots))
	}
	if r.langs != 0 {
		f.language = w.Language * LevelUnknown
	}
	return f
}

// visit calls fn for every volunteer feasible for request j (hard constraints
// 1 to 5 of the contract; capacity is the solver's business), with the
// distance, in grid order.
func (s *spatial) visit(p *problem, j int, fn func(e *gridEntry, km float64)) {
	r := &p.reqs[j]
	if r.cat >= len(s.grids) || len(s.grids[r.cat].entries) == 0 {
		return
	}
	g := &s.grids[r.cat]
	r0, r1, c0, c1, ok := s.box(r.lat, r.lon, s.reachKm)
	if !ok {
		return
	}
	for row := r0; row <= r1; row++ {
		cell := row * s.cols
		entries := g.entries[g.start[cell+c0]:g.start[cell+c1+1]]
		for i := range entries {
			e := &entries[i]
			if r.langs != 0 && e.langs&r.langs == 0 ||
				r.slots != 0 && e.avail&r.slots == 0 ||
				r.bgDay >= 0 && e.bgDay < r.bgDay ||
				r.hours > e.hours ||
				!sameArea(e.muni, e.anyMuni, r.muni) ||
				r.excluded != nil && excluded(r.excluded, e.vi) {
				continue
			}
			dx, dy, dz := e.x-r.x, e.y-r.y, e.z-r.z
			c2 := dx*dx + dy*dy + dz*dz
			if c2 > e.chord2 {
				continue
			}
			km := arcKm(c2)
			if math.Abs(km-e.reach) < 1e-6 {
				// At the edge, decide exactly as the contract's checker does.
				v := &p.vols[e.vi]
				km = haversineKm(v.lat, v.lon, r.lat, r.lon)
			}
			if km <= e.reach+distanceSlackKm {
				fn(e, km)
			}
		}
	}
}

// explain computes the factors of pair (request j, volunteer vi) at km.
func (p *problem) explain(j int, vi int32, km float64) Explain {
	r, v := &p.reqs[j], &p.vols[vi]
	e := Explain{Priority: r.priority, Load: v.load, Language: 1, Availability: 1}
	if v.reach > 0 {
		e.Distance = max(0, 1-km/v.reach)
	}
	if r.langs != 0 {
		e.Language = p.languageFactor(r, v)
	}
	if r.slots != 0 {
		e.Availability = float64(popcount(v.avail&r.slots)) / float64(popcount(r.slots))
	}
	for _, prev := range r.prev {
		if prev == vi {
			e.Continuity = 1
		}
	}
	if n, ok := v.exp[r.cat]; ok {
		e.Skill = float64(n) / float64(n+2)
	}
	return e
}

// requestBase is the weighted sum of the factors that depend on the request
// alone, for scorePair.
func (p *problem) requestBase(j int) float64 {
	r, w := &p.reqs[j], p.w
	base := w.Priority * r.priority
	if r.langs == 0 {
		base += w.Language
	}
	if r.slots == 0 {
		base += w.Availability
	}
	return base
}

// scorePair is Weights.score(explain(…)) without building the explanation:
// it runs for every feasible pair, explain only for the chosen ones. A test
// keeps the two equal.
func (p *problem) scorePair(j int, base float64, vi int32, km float64) int32 {
	r, v, w := &p.reqs[j], &p.vols[vi], p.w
	s := base + w.Load*v.load + w.Distance*max(0, 1-km/v.reach)
	if r.langs != 0 {
		if v.levels == nil {
			s += w.Language * LevelUnknown
		} else {
			s += w.Language * p.languageFactor(r, v)
		}
	}
	if r.slots != 0 {
		s += w.Availability * float64(popcount(v.avail&r.slots)) / float64(popcount(r.slots))
	}
	if r.prev != nil && slices.Contains(r.prev, vi) {
		s += w.Continuity
	}
	if v.exp != nil {
		if n, ok := v.exp[r.cat]; ok {
			s += w.Skill * float64(n) / float64(n+2)
		}
	}
	return units(s)
}

// units turns a score in [0, 1] into the engine's integer units.
func units(s float64) int32 { return int32(math.Round(min(max(s, 0), 1) * scoreUnit)) }

// arcKm is the great-circle distance for a squared chord on the unit sphere.
// Within a few hundred km the angle is tiny and a short series for asin is
// exact to far below a millimetre; beyond, math.Asin.
func arcKm(c2 float64) float64 {
	h := math.Sqrt(c2) / 2
	if h < 0.02 {
		h2 := h * h
		return 2 * EarthRadiusKm * h * (1 + h2*(1.0/6+h2*(3.0/40+h2*(5.0/112+h2*35.0/1152))))
	}
	return 2 * EarthRadiusKm * math.Asin(min(h, 1))
}

// languageFactor is the best level factor among the languages both share.
func (p *problem) languageFactor(r *req, v *vol) float64 {
	best := 0.0
	for b := v.langs & r.langs; b != 0; b &= b - 1 {
		bit, f := trailing(b), LevelUnknown
		for _, l := range v.levels {
			if l.bit == bit {
				f = l.factor
			}
		}
		best = max(best, f)
	}
	return best
}

// excluded reports whether vi is in the sorted list.
func excluded(list []int32, vi int32) bool {
	_, found := slices.BinarySearch(list, vi)
	return found
}

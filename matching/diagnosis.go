package matching

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// diagnosis says why a request kept open slots, in words a coordinator
// understands and with the numbers behind them.
type diagnosis struct {
	p  *problem
	ps *pairs
	s  *solver
	sp *spatial
}

func newDiagnosis(p *problem, sp *spatial, ps *pairs, s *solver) *diagnosis {
	return &diagnosis{p: p, sp: sp, ps: ps, s: s}
}

// searchFactor widens the search for near misses beyond the longest reach, so
// "the nearest is 42 km away" can be said when reaches end at 30 km.
const searchFactor = 3

func (d *diagnosis) why(j int) (code, reason string) {
	p, ps, s := d.p, d.ps, d.s
	r, in := &p.reqs[j], &p.sc.Requests[j]
	lo, hi := ps.start[j], ps.end[j]
	prefix := ""
	if filled := int(r.needed - s.unfilled[j]); filled > 0 {
		prefix = fmt.Sprintf("%d of %d filled; ", filled, r.needed)
	}
	mine := map[int32]bool{} // volunteers already assigned to this request
	full, others := 0, 0
	for a := lo; a < hi; a++ {
		switch {
		case s.used[a]:
			mine[ps.vol[a]] = true
		case p.vols[ps.vol[a]].free == 0:
			full++
		default:
			others++
		}
	}
	if n := full + others; n > 0 {
		if n == 1 {
			who := "the only candidate "
			if len(mine) > 0 {
				who = "the only other candidate "
			}
			if full == 1 {
				return "candidates_busy", prefix + who + "already carries as many assignments as they accept"
			}
			return "candidates_busy", prefix + who + "is assigned to another request where they fit as well or better"
		}
		var parts []string
		if full > 0 {
			parts = append(parts, plural(full, "already carries as many assignments as they accept",
				"already carry as many assignments as they accept"))
		}
		if others > 0 {
			parts = append(parts, plural(others, "is assigned to another request where they fit as well or better",
				"are assigned to other requests where they fit as well or better"))
		}
		who := fmt.Sprintf("all %d candidates are busy: ", n)
		if len(mine) > 0 {
			who = fmt.Sprintf("all %d other candidates are busy: ", n)
		}
		return "candidates_busy", prefix + who + strings.Join(parts, ", ")
	}
	other := ""
	if len(mine) > 0 {
		other = "other "
	}

	// No feasible pair: walk the hard constraints in the order a coordinator
	// would relax them and report the first that no volunteer nearby passes.
	area := searchFactor * max(p.maxKm, 1)
	areaChord2 := chord2(area)
	cat := in.Category
	var withSkill, withLang, inReach, inTime, withHours int
	nearest, nearestReach, nearestRadius := math.Inf(1), 0.0, 0.0
	if r.cat < len(d.sp.grids) {
		g := &d.sp.grids[r.cat]
		if r0, r1, c0, c1, ok := d.sp.box(r.lat, r.lon, area); ok && len(g.entries) > 0 {
			for row := r0; row <= r1; row++ {
				base := row * d.sp.cols
				for _, e := range g.entries[g.start[base+c0]:g.start[base+c1+1]] {
					dx, dy, dz := e.x-r.x, e.y-r.y, e.z-r.z
					c2 := dx*dx + dy*dy + dz*dz
					if c2 > areaChord2 || len(mine) > 0 && mine[e.vi] {
						continue
					}
					if !sameArea(e.muni, e.anyMuni, r.muni) || r.excluded != nil && excluded(r.excluded, e.vi) {
						continue // not theirs to help: not a near miss either
					}
					v, km := &p.vols[e.vi], arcKm(c2)
					withSkill++
					if r.langs != 0 && v.langs&r.langs == 0 {
						continue
					}
					withLang++
					if km > v.reach+distanceSlackKm {
						if km < nearest {
							nearest, nearestReach, nearestRadius = km, v.reach, p.sc.Volunteers[e.vi].RadiusKm
						}
						continue
					}
					inReach++
					if r.slots != 0 && v.avail&r.slots == 0 {
						continue
					}
					inTime++
					if r.hours > v.hours {
						continue
					}
					withHours++
				}
			}
		}
	}
	langs := strings.Join(in.LanguagesAny, " or ")
	switch {
	case withSkill == 0:
		return "no_skill", prefix + fmt.Sprintf("no %svolunteer offers %s within %s", other, cat, km(area))
	case withLang == 0:
		return "no_language", prefix + fmt.Sprintf("%s within %s, none speaks %s",
			plural(withSkill, other+"volunteer offers "+cat, other+"volunteers offer "+cat), km(area), langs)
	case inReach == 0:
		who := plural(withLang, other+"volunteer offers "+cat, other+"volunteers offer "+cat)
		if r.langs != 0 {
			who = plural(withLang, other+"volunteer with "+cat+" speaks "+langs, other+"volunteers with "+cat+" speak "+langs)
		}
		reach := fmt.Sprintf("beyond their reach of %s", km(nearestReach))
		if nearestRadius > nearestReach {
			reach = fmt.Sprintf("beyond their radius of %s, capped at %s", km(nearestRadius), km(p.sc.MaxDistanceKm))
		}
		return "too_far", prefix + fmt.Sprintf("%s within %s; the nearest is %s away, %s", who, km(area), km(nearest), reach)
	case inTime == 0:
		return "no_time", prefix + fmt.Sprintf("%s in reach, none is available at %s",
			plural(inReach, other+"volunteer is", other+"volunteers are"), strings.Join(in.Slots, ", "))
	case withHours == 0:
		return "no_hours", prefix + fmt.Sprintf("%s, none has %d hours a month left",
			plural(inTime, other+"volunteer would fit", other+"volunteers would fit"), r.hours)
	}
	day := time.Unix(int64(r.bgDay)*86400, 0).UTC().Format(time.DateOnly)
	if withHours == 1 {
		return "no_background_check", prefix + fmt.Sprintf("1 %svolunteer would fit but has no Führungszeugnis inspection valid on %s", other, day)
	}
	return "no_background_check", prefix + fmt.Sprintf("%d %svolunteers would fit, none has a Führungszeugnis inspection valid on %s",
		withHours, other, day)
}

func km(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f km", x)
	}
	return fmt.Sprintf("%.1f km", x)
}

// plural formats n with the singular or plural phrase; with one phrase it adds
// an s.
func plural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

package matching

import (
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"time"
)

// EarthRadiusKm is the mean Earth radius the contract fixes for distances.
const EarthRadiusKm = 6371.0088

// distanceSlackKm is the contract checker's tolerance at the edge of a reach.
const distanceSlackKm = 1e-9

// Locator resolves a postal code to its centroid.
type Locator func(plz string) (lat, lon float64, ok bool)

// problem is the scenario checked and compacted for the hot loops: codes are
// bits, points are unit vectors, dates are day numbers.
type problem struct {
	sc      *Scenario
	w       Weights
	nowDay  int32
	cats    map[string]int // skill/category → bit
	langs   map[string]int // language → bit
	vols    []vol
	reqs    []req
	maxKm   float64 // the longest reach of any volunteer
	catName []string
	munis   map[string]int32 // municipality → 1.. (0: none given)
}

type vol struct {
	lat, lon float64 // degrees
	x, y, z  float64 // unit vector
	reach    float64 // km: min(radius_km, max_distance_km)
	chord2   float64 // squared chord length of reach on the unit sphere, with slack
	langs    uint64
	skills   uint64
	avail    uint32
	free     int32
	bgDay    int32 // last day the inspected Führungszeugnis counts; -1: none
	load     float64
	levels   []langLevel // stated levels; others are LevelUnknown
	exp      map[int]int // category bit → completed assignments
	muni     int32       // 0: none given
	anyMuni  bool        // consents to help in other municipalities
	hours    int32       // hours a month left; math.MaxInt32: no limit
}

type langLevel struct {
	bit    int
	factor float64
}

type req struct {
	lat, lon, x, y, z float64
	cat               int
	langs             uint64 // 0: any language
	slots             uint32 // 0: any time
	needed            int32
	bgDay             int32 // day a Führungszeugnis must be valid on; -1: not required
	priority          float64
	prev              []int32 // volunteers who helped this beneficiary before
	muni              int32   // 0: none given
	excluded          []int32 // volunteers who may not be paired with it, sorted
	hours             int32   // hours a month asked of each volunteer
}

// maxHoursPerMonth is the hours of the longest month.
const maxHoursPerMonth = 31 * 24

var (
	codePattern  = regexp.MustCompile(`^[a-z]{2,3}$`)
	tokenPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	slotIndex    = func() map[string]int {
		m := map[string]int{}
		for d, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			for p, part := range []string{"am", "pm", "eve"} {
				m[day+"_"+part] = d*3 + p
			}
		}
		return m
	}()
)

const maxCodes = 64 // languages and categories each fit one uint64 bit set

func dayNumber(t time.Time) int32 { return int32(t.Unix() / 86400) }

func parseDay(s string) (int32, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return dayNumber(t), true
}

// compile checks sc and builds the problem. Every error names its entry.
func compile(sc *Scenario, w Weights, locate Locator) (*problem, error) {
	if sc.Now.IsZero() {
		return nil, &InputError{Entry: "now", Msg: "missing"}
	}
	if !(sc.MaxDistanceKm > 0) {
		return nil, &InputError{Entry: "max_distance_km", Msg: fmt.Sprintf("must be more than 0, got %g", sc.MaxDistanceKm)}
	}
	p := &problem{sc: sc, w: w, nowDay: dayNumber(sc.Now.UTC()), cats: map[string]int{}, langs: map[string]int{},
		munis: map[string]int32{},
		vols:  make([]vol, len(sc.Volunteers)), reqs: make([]req, len(sc.Requests))}
	volIndex := make(map[string]int32, len(sc.Volunteers))
	for i := range sc.Volunteers {
		if err := p.compileVolunteer(i, locate, volIndex); err != nil {
			return nil, err
		}
	}
	reqIndex := make(map[string]int, len(sc.Requests))
	slots := 0
	for j := range sc.Requests {
		if err := p.compileRequest(j, locate, reqIndex, volIndex); err != nil {
			return nil, err
		}
		if slots += int(p.reqs[j].needed); slots > maxSlots {
			return nil, &InputError{Entry: fmt.Sprintf("requests[%d].needed", j),
				Msg: fmt.Sprintf("the requests need more than %d volunteers in all", maxSlots)}
		}
	}
	return p, nil
}

func (p *problem) compileVolunteer(i int, locate Locator, seen map[string]int32) error {
	v := &p.sc.Volunteers[i]
	at := func(field string) string { return fmt.Sprintf("volunteers[%d].%s", i, field) }
	bad := func(field, format string, args ...any) error {
		return &InputError{Entry: at(field), Msg: fmt.Sprintf(format, args...)}
	}
	if v.ID == "" {
		return bad("id", "missing")
	}
	if k, dup := seen[v.ID]; dup {
		return bad("id", "%q is already the id of volunteers[%d]", v.ID, k)
	}
	seen[v.ID] = int32(i)
	c := &p.vols[i]
	var err error
	if c.lat, c.lon, err = place(v.PLZ, v.Lat, v.Lon, locate, at); err != nil {
		return err
	}
	c.x, c.y, c.z = unitVector(c.lat, c.lon)
	switch {
	case math.IsInf(v.RadiusKm, 1):
		return bad("radius_km", "missing: give the volunteer's radius or the scenario's max_distance_km")
	case !(v.RadiusKm > 0):
		return bad("radius_km", "must be a number of km above 0, got %g", v.RadiusKm)
	}
	c.reach = min(v.RadiusKm, p.sc.MaxDistanceKm)
	c.chord2 = chord2(c.reach + 2*distanceSlackKm)
	p.maxKm = max(p.maxKm, c.reach)
	for k, code := range v.Languages {
		bit, err := intern(p.langs, code, codePattern, "a language code like \"ar\" or \"prs\"")
		if err != nil {
			return bad(fmt.Sprintf("languages[%d]", k), "%v", err)
		}
		c.langs |= 1 << bit
	}
	for code, level := range v.LanguageLevels {
		f, ok := levelFactor[level]
		bit, known := p.langs[code]
		switch {
		case !ok:
			return bad("language_levels."+code, "unknown level %q: want A1, A2, B1, B2, C1, C2 or native", level)
		case !known || c.langs&(1<<bit) == 0:
			return bad("language_levels."+code, "%q is not among the volunteer's languages", code)
		}
		c.levels = append(c.levels, langLevel{bit, f})
	}
	for k, s := range v.Skills {
		bit, err := p.category(s)
		if err != nil {
			return bad(fmt.Sprintf("skills[%d]", k), "%v", err)
		}
		c.skills |= 1 << bit
	}
	for k, s := range v.Availability {
		bit, ok := slotIndex[s]
		if !ok {
			return bad(fmt.Sprintf("availability[%d]", k), "unknown slot %q: want a weekday and part of day like \"wed_pm\"", s)
		}
		c.avail |= 1 << bit
	}
	switch {
	case v.Capacity < 0:
		return bad("capacity", "must not be negative, got %d", v.Capacity)
	case v.ActiveAssignments < 0:
		return bad("active_assignments", "must not be negative, got %d", v.ActiveAssignments)
	}
	free := max(v.Capacity-v.ActiveAssignments, 0)
	if v.Capacity > 0 {
		c.load = float64(free) / float64(v.Capacity)
	}
	// A volunteer takes at most one slot of each request, so free capacity
	// beyond the requests changes nothing; clamped, it cannot wrap in int32.
	c.free = int32(min(free, len(p.sc.Requests)))
	c.muni, c.anyMuni = p.municipality(v.Municipality), v.Neighbouring
	c.hours = math.MaxInt32
	if v.HoursFree != nil {
		if *v.HoursFree < 0 {
			return bad("hours_free", "must not be negative, got %d", *v.HoursFree)
		}
		c.hours = int32(min(*v.HoursFree, maxHoursPerMonth))
	}
	c.bgDay = -1
	if v.BackgroundCheckValidUntil != "" {
		d, ok := parseDay(v.BackgroundCheckValidUntil)
		if !ok {
			return bad("background_check_valid_until", "want a date like \"2029-05-31\", got %q", v.BackgroundCheckValidUntil)
		}
		c.bgDay = d
	}
	for cat, n := range v.Experience {
		bit, err := p.category(cat)
		if err != nil {
			return bad("experience."+cat, "%v", err)
		}
		if n < 0 {
			return bad("experience."+cat, "must not be negative, got %d", n)
		}
		if c.exp == nil {
			c.exp = map[int]int{}
		}
		c.exp[bit] = n
	}
	return nil
}

func (p *problem) compileRequest(j int, locate Locator, seen map[string]int, vols map[string]int32) error {
	r := &p.sc.Requests[j]
	at := func(field string) string { return fmt.Sprintf("requests[%d].%s", j, field) }
	bad := func(field, format string, args ...any) error {
		return &InputError{Entry: at(field), Msg: fmt.Sprintf(format, args...)}
	}
	if r.ID == "" {
		return bad("id", "missing")
	}
	if k, dup := seen[r.ID]; dup {
		return bad("id", "%q is already the id of requests[%d]", r.ID, k)
	}
	seen[r.ID] = j
	c := &p.reqs[j]
	var err error
	if c.lat, c.lon, err = place(r.PLZ, r.Lat, r.Lon, locate, at); err != nil {
		return err
	}
	c.x, c.y, c.z = unitVector(c.lat, c.lon)
	if r.Category == "" {
		return bad("category", "missing")
	}
	if c.cat, err = p.category(r.Category); err != nil {
		return bad("category", "%v", err)
	}
	for k, code := range r.LanguagesAny {
		bit, err := intern(p.langs, code, codePattern, "a language code like \"ar\" or \"prs\"")
		if err != nil {
			return bad(fmt.Sprintf("languages_any[%d]", k), "%v", err)
		}
		c.langs |= 1 << bit
	}
	for k, s := range r.Slots {
		bit, ok := slotIndex[s]
		if !ok {
			return bad(fmt.Sprintf("slots[%d]", k), "unknown slot %q: want a weekday and part of day like \"wed_pm\"", s)
		}
		c.slots |= 1 << bit
	}
	if r.Needed < 1 || r.Needed > maxSlots {
		return bad("needed", "must be 1 to %d, got %d", maxSlots, r.Needed)
	}
	c.needed = int32(r.Needed)
	c.muni = p.municipality(r.Municipality)
	if r.HoursPerMonth < 0 || r.HoursPerMonth > maxHoursPerMonth {
		return bad("hours_per_month", "must be 0 (not stated) to %d, got %d", maxHoursPerMonth, r.HoursPerMonth)
	}
	c.hours = int32(r.HoursPerMonth)
	for _, id := range r.ExcludedVolunteers {
		// Someone not in the scenario cannot be paired anyway.
		if i, ok := vols[id]; ok {
			c.excluded = append(c.excluded, i)
		}
	}
	slices.Sort(c.excluded)
	if r.Priority < 0 || r.Priority > 3 {
		return bad("priority", "must be 0 (normal) to 3 (urgent), got %d", r.Priority)
	}
	c.priority = float64(r.Priority) / 3
	day := p.nowDay
	if r.Date != "" {
		d, ok := parseDay(r.Date)
		if !ok {
			return bad("date", "want a date like \"2026-12-02\", got %q", r.Date)
		}
		day = d
	}
	c.bgDay = -1
	if r.RequiresBackgroundCheck {
		c.bgDay = day
	}
	for _, id := range r.PreviousVolunteers {
		// A helper who is not in the scenario (inactive, left) cannot be paired.
		if i, ok := vols[id]; ok {
			c.prev = append(c.prev, i)
		}
	}
	return nil
}

// place returns the point of an entry: lat/lon when given, else the postal
// code's centroid. A postal code that is given must exist either way.
func place(plz string, lat, lon *float64, locate Locator, at func(string) string) (float64, float64, error) {
	var plat, plon float64
	known := false
	if plz != "" {
		if locate != nil {
			plat, plon, known = locate(plz)
		}
		if !known {
			return 0, 0, &InputError{Entry: at("plz"), Msg: fmt.Sprintf("unknown postal code %q", plz)}
		}
	}
	switch {
	case lat != nil && lon != nil:
		if !(*lat >= -90 && *lat <= 90) {
			return 0, 0, &InputError{Entry: at("lat"), Msg: fmt.Sprintf("must be between -90 and 90, got %g", *lat)}
		}
		if !(*lon >= -180 && *lon <= 180) {
			return 0, 0, &InputError{Entry: at("lon"), Msg: fmt.Sprintf("must be between -180 and 180, got %g", *lon)}
		}
		return *lat, *lon, nil
	case lat != nil || lon != nil:
		return 0, 0, &InputError{Entry: at("lat"), Msg: "lat and lon go together: give both or neither"}
	case known:
		return plat, plon, nil
	}
	return 0, 0, &InputError{Entry: at("plz"), Msg: "missing: give a postal code or lat and lon"}
}

// municipality numbers an AGS; "" is 0, no municipality.
func (p *problem) municipality(ags string) int32 {
	if ags == "" {
		return 0
	}
	n, ok := p.munis[ags]
	if !ok {
		n = int32(len(p.munis) + 1)
		p.munis[ags] = n
	}
	return n
}

// sameArea reports whether a volunteer may help in the request's municipality.
func sameArea(vMuni int32, anyMuni bool, rMuni int32) bool {
	return anyMuni || vMuni == 0 || rMuni == 0 || vMuni == rMuni
}

func (p *problem) category(s string) (int, error) {
	bit, err := intern(p.cats, s, tokenPattern, "a category like \"housing_search\"")
	if err == nil && bit == len(p.catName) {
		p.catName = append(p.catName, s)
	}
	return bit, err
}

// intern returns code's bit, giving new codes the next free one.
func intern(m map[string]int, code string, pattern *regexp.Regexp, want string) (int, error) {
	if bit, ok := m[code]; ok {
		return bit, nil
	}
	if !pattern.MatchString(code) {
		return 0, fmt.Errorf("%q is not %s", code, want)
	}
	if len(m) == maxCodes {
		return 0, fmt.Errorf("more than %d different codes", maxCodes)
	}
	m[code] = len(m)
	return len(m) - 1, nil
}

func unitVector(lat, lon float64) (x, y, z float64) {
	la, lo := lat*math.Pi/180, lon*math.Pi/180
	return math.Cos(la) * math.Cos(lo), math.Cos(la) * math.Sin(lo), math.Sin(la)
}

// chord2 is the squared straight-line distance, on the unit sphere, between
// two points km apart along the surface.
func chord2(km float64) float64 {
	c := 2 * math.Sin(min(km/EarthRadiusKm, math.Pi)/2)
	return c * c
}

// haversineKm is the contract's distance, computed exactly as its checker does.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	la1, lo1, la2, lo2 := lat1*math.Pi/180, lon1*math.Pi/180, lat2*math.Pi/180, lon2*math.Pi/180
	s1, s2 := math.Sin((la2-la1)/2), math.Sin((lo2-lo1)/2)
	h := s1*s1 + math.Cos(la1)*math.Cos(la2)*s2*s2
	return 2 * EarthRadiusKm * math.Asin(min(1, math.Sqrt(h)))
}

func popcount(x uint32) int { return bits.OnesCount32(x) }

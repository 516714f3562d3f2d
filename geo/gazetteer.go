package geo

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed data/zipcodes.de.csv
var zipcodesCSV string

// Place is one postal code with its merged data; see the package doc for how
// several rows of the same code are merged.
type Place struct {
	PLZ       string   // five digits
	Names     []string // distinct place names; Names[0] is the primary one
	Kreis     string   // Kreis (district) name, e.g. "Landkreis Lörrach"; "" if unknown
	KreisCode string   // 5-digit Kreis part of the AGS, e.g. "08336"; "" if unknown
	State     string   // federal state in German, e.g. "Baden-Württemberg"; "" if unknown
	Point     Point    // mean of the rows' coordinates
}

// Gazetteer maps postal codes to places. It is immutable after loading and
// safe for concurrent use; the methods return copies.
type Gazetteer struct {
	places  []Place            // sorted by PLZ
	index   [100000]int32      // PLZ as number → position in places + 1; 0 means unknown
	byKreis map[string][]int32 // positions in places, ascending
}

var defaultGazetteer = sync.OnceValue(func() *Gazetteer {
	g, err := Parse(strings.NewReader(zipcodesCSV))
	if err != nil {
		panic("geo: embedded postal-code data is corrupt: " + err.Error())
	}
	return g
})

// Default returns the gazetteer of the embedded data, parsed on the first call
// and shared afterwards. It panics only if the embedded data is corrupt, which
// the package tests rule out.
func Default() *Gazetteer { return defaultGazetteer() }

// columns Parse needs, by header name; the others are ignored.
const (
	colZip = iota
	colPlace
	colState
	colKreis
	colKreisCode
	colLat
	colLon
	numCols
)

var columnNames = [numCols]string{"zipcode", "place", "state", "community", "community_code", "latitude", "longitude"}

// englishStates maps the English state names some source rows use to the
// German names of the other rows, so State has one spelling per state.
var englishStates = map[string]string{
	"Bavaria":                       "Bayern",
	"Land Berlin":                   "Berlin",
	"Lower Saxony":                  "Niedersachsen",
	"Mecklenburg-Western Pomerania": "Mecklenburg-Vorpommern",
	"Saxony":                        "Sachsen",
	"Saxony-Anhalt":                 "Sachsen-Anhalt",
	"Thuringia":                     "Thüringen",
}

// Parse reads a gazetteer from CSV in the format of data/zipcodes.de.csv: a
// header row naming at least the columns zipcode, place, state, community,
// community_code, latitude and longitude, then one row per place. It returns
// nil and an error naming the line if the input is not such CSV, has no data
// rows, or a row has an invalid postal code, an empty place, a Kreis code that
// is neither empty nor five digits, or coordinates that are not valid degrees.
func Parse(r io.Reader) (*Gazetteer, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("geo: no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	var idx [numCols]int
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		for c, name := range columnNames {
			if strings.TrimSpace(h) == name && idx[c] < 0 {
				idx[c] = i
			}
		}
	}
	for c, i := range idx {
		if i < 0 {
			return nil, fmt.Errorf("geo: header lacks column %q", columnNames[c])
		}
	}

	// Rows are aggregated into compact per-code records; names are collected
	// in one buffer and the Places are built at the end in PLZ order. This
	// keeps allocation (and so parse time) low.
	type acc struct {
		sumLat, sumLon      float64
		rows                int32
		kreis, code, state  int32 // into strs
		firstName, lastName int32 // list in names
	}
	type name struct{ off, end, next int32 } // a span of nameBuf
	g := &Gazetteer{byKreis: make(map[string][]int32)}
	index := &g.index // during the loop: PLZ → position in accs + 1
	var (
		accs     []acc
		names    []name
		nameBuf  []byte
		strs     []string
		strIndex = map[string]int32{}
	)
	// Size the buffers from the input length when it is known, to avoid
	// regrowing them; the ratios are generous for data/zipcodes.de.csv.
	if l, ok := r.(interface{ Len() int }); ok && l.Len() > 0 {
		rows := min(l.Len(), 64<<20) / 80
		accs = make([]acc, 0, rows/2)
		names = make([]name, 0, rows)
		nameBuf = make([]byte, 0, rows*24)
	}
	intern := func(s string) int32 {
		if i, ok := strIndex[s]; ok {
			return i
		}
		s = strings.Clone(s) // the field shares its line's memory
		strIndex[s] = int32(len(strs))
		strs = append(strs, s)
		return int32(len(strs) - 1)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("geo: %w", err)
		}
		line, _ := cr.FieldPos(0)
		zip, place, kreisCode := rec[idx[colZip]], rec[idx[colPlace]], rec[idx[colKreisCode]]
		if !isFiveDigits(zip) {
			return nil, fmt.Errorf("geo: line %d: invalid postal code %q", line, zip)
		}
		if place == "" {
			return nil, fmt.Errorf("geo: line %d: empty place", line)
		}
		if kreisCode != "" && !isFiveDigits(kreisCode) {
			return nil, fmt.Errorf("geo: line %d: invalid Kreis code %q", line, kreisCode)
		}
		lat, err1 := parseDegrees(rec[idx[colLat]], 90)
		lon, err2 := parseDegrees(rec[idx[colLon]], 180)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("geo: line %d: %w", line, err)
		}

		n := plzNumber(zip)
		if index[n] == 0 {
			state := rec[idx[colState]]
			if de, ok := englishStates[state]; ok {
				state = de
			}
			accs = append(accs, acc{
				kreis:     intern(fixMojibake(rec[idx[colKreis]])),
				code:      intern(kreisCode),
				state:     intern(state),
				firstName: -1,
			})
			index[n] = int32(len(accs))
		}
		a := &accs[index[n]-1]
		a.sumLat += lat
		a.sumLon += lon
		a.rows++

		place = fixMojibake(place)
		if len(nameBuf)+len(place)+5*len(accs) > math.MaxInt32 {
			return nil, errors.New("geo: input too large")
		}
		dup := false
		for i := a.firstName; i >= 0 && !dup; i = names[i].next {
			dup = string(nameBuf[names[i].off:names[i].end]) == place
		}
		if dup {
			continue
		}
		names = append(names, name{off: int32(len(nameBuf)), end: int32(len(nameBuf) + len(place)), next: -1})
		nameBuf = append(nameBuf, place...)
		if a.firstName < 0 {
			a.firstName = int32(len(names) - 1)
		} else {
			names[a.lastName].next = int32(len(names) - 1)
		}
		a.lastName = int32(len(names) - 1)
	}
	if len(accs) == 0 {
		return nil, errors.New("geo: no postal codes")
	}

	g.places = make([]Place, 0, len(accs))
	// The codes go into the same buffer as the names, in PLZ order.
	plzOff := len(nameBuf)
	for n, ai := range index {
		if ai != 0 {
			nameBuf = append(nameBuf, byte('0'+n/10000), byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
		}
	}
	buf := string(nameBuf) // one allocation backs every name and code
	nameList := make([]string, 0, len(names))
	for n, ai := range index {
		if ai == 0 {
			continue
		}
		a := &accs[ai-1]
		start := len(nameList)
		for i := a.firstName; i >= 0; i = names[i].next {
			nameList = append(nameList, buf[names[i].off:names[i].end])
		}
		i := len(g.places)
		off := plzOff + 5*i
		g.places = append(g.places, Place{
			PLZ:       buf[off : off+5],
			Names:     nameList[start:len(nameList):len(nameList)],
			Kreis:     strs[a.kreis],
			KreisCode: strs[a.code],
			State:     strs[a.state],
			Point:     Point{Lat: a.sumLat / float64(a.rows), Lon: a.sumLon / float64(a.rows)},
		})
		g.index[n] = int32(i + 1)
		if code := strs[a.code]; code != "" {
			g.byKreis[code] = append(g.byKreis[code], int32(i))
		}
	}
	return g, nil
}

// plzNumber returns the value of a string of five ASCII digits.
func plzNumber(s string) int {
	return int(s[0]-'0')*10000 + int(s[1]-'0')*1000 + int(s[2]-'0')*100 + int(s[3]-'0')*10 + int(s[4]-'0')
}

func parseDegrees(s string, limit float64) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.Abs(v) > limit {
		return 0, fmt.Errorf("invalid coordinate %q", s)
	}
	return v, nil
}

// fixMojibake undoes UTF-8 that was decoded as Latin-1 and encoded again
// ("KÃ¶ln" → "Köln"), as found in some source rows. Other strings are
// returned unchanged.
func fixMojibake(s string) string {
	if !strings.ContainsAny(s, "ÃÂ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return s
		}
		b = append(b, byte(r))
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// Len returns the number of distinct postal codes.
func (g *Gazetteer) Len() int { return len(g.places) }

// Lookup returns the place of a postal code. The code is normalized with
// [NormalizePLZ] first, so "D-79539" works too. It returns the zero Place and
// false if the code is malformed or unknown.
func (g *Gazetteer) Lookup(plz string) (Place, bool) {
	code, err := NormalizePLZ(plz)
	if err != nil {
		return Place{}, false
	}
	i := g.index[plzNumber(code)]
	if i == 0 {
		return Place{}, false
	}
	p := g.places[i-1]
	p.Names = slices.Clone(p.Names) // callers may modify their copy
	return p, true
}

// InKreis returns the places whose KreisCode is code (five digits, e.g.
// "08336"), sorted by PLZ. It returns nil if there are none, including for a
// malformed code.
func (g *Gazetteer) InKreis(code string) []Place {
	return g.copyOf(g.byKreis[code])
}

// All returns every place, sorted by PLZ.
func (g *Gazetteer) All() []Place {
	idx := make([]int32, len(g.places))
	for i := range idx {
		idx[i] = int32(i)
	}
	return g.copyOf(idx)
}

// copyOf copies the places at idx, with all their Names in one allocation.
func (g *Gazetteer) copyOf(idx []int32) []Place {
	if len(idx) == 0 {
		return nil
	}
	n := 0
	for _, i := range idx {
		n += len(g.places[i].Names)
	}
	names := make([]string, 0, n)
	out := make([]Place, len(idx))
	for k, i := range idx {
		p := g.places[i]
		start := len(names)
		names = append(names, p.Names...)
		p.Names = names[start:len(names):len(names)]
		out[k] = p
	}
	return out
}

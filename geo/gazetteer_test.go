package geo

import (
	"encoding/csv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func TestDefaultKnownCodes(t *testing.T) {
	const loe = "Landkreis Lörrach"
	const bw = "Baden-Württemberg"
	// Values checked against data/zipcodes.de.csv. Schallbach is 79597 in the
	// data, not 79595.
	tests := []struct {
		plz       string
		names     []string
		kreis     string
		kreisCode string
		state     string
		lat, lon  float64
	}{
		{"79539", []string{"Lörrach"}, loe, "08336", bw, 47.6181, 7.6589},
		{"79576", []string{"Weil am Rhein"}, loe, "08336", bw, 47.5933, 7.6208},
		{"79589", []string{"Binzen"}, loe, "08336", bw, 47.6333, 7.6167},
		{"79591", []string{"Eimeldingen"}, loe, "08336", bw, 47.6333, 7.6},
		{"79592", []string{"Fischingen"}, loe, "08336", bw, 47.65, 7.6},
		{"79595", []string{"Rümmingen"}, loe, "08336", bw, 47.6412, 7.642},
		{"79597", []string{"Schallbach"}, loe, "08336", bw, 47.65, 7.6333},
		{"79599", []string{"Wittlingen"}, loe, "08336", bw, 47.6553, 7.6511},
		{"79098", []string{"Freiburg im Breisgau"}, "Freiburg im Breisgau", "08311", bw, 47.9942, 7.847},
		{"10115", []string{"Berlin"}, "Berlin, Stadt", "11000", "Berlin", 52.5323, 13.3846},
		// Austrian exclave with a German code: no Kreis or state in the data.
		{"87491", []string{"Jungholz"}, "", "", "", 47.5741, 10.4472},
	}
	g := Default()
	for _, tt := range tests {
		p, ok := g.Lookup(tt.plz)
		if !ok {
			t.Errorf("Lookup(%q): not found", tt.plz)
			continue
		}
		if p.PLZ != tt.plz || !slices.Equal(p.Names, tt.names) || p.Kreis != tt.kreis ||
			p.KreisCode != tt.kreisCode || p.State != tt.state {
			t.Errorf("Lookup(%q) = %+v, want names %q, Kreis %q %q, state %q",
				tt.plz, p, tt.names, tt.kreis, tt.kreisCode, tt.state)
		}
		if math.Abs(p.Point.Lat-tt.lat) > 1e-9 || math.Abs(p.Point.Lon-tt.lon) > 1e-9 {
			t.Errorf("Lookup(%q).Point = %v, want %v,%v", tt.plz, p.Point, tt.lat, tt.lon)
		}
	}
}

func TestLookupInputs(t *testing.T) {
	g := Default()
	tests := []struct {
		in string
		ok bool
	}{
		{"79539", true},
		{"D-79539", true},
		{" 79 539 ", true},
		{"99999", false}, // well-formed, not assigned
		{"00000", false},
		{"7953", false},
		{"", false},
	}
	for _, tt := range tests {
		p, ok := g.Lookup(tt.in)
		if ok != tt.ok {
			t.Errorf("Lookup(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if !ok && (p.PLZ != "" || p.Names != nil) {
			t.Errorf("Lookup(%q) = %+v on failure, want zero Place", tt.in, p)
		}
	}
}

func TestMeanOfRows(t *testing.T) {
	// 79692 has four rows in the data.
	p, ok := Default().Lookup("79692")
	if !ok {
		t.Fatal("79692 not found")
	}
	wantNames := []string{"Elbenschwand", "Tegernau", "Raich", "Sallneck"}
	want := Point{(47.7507 + 47.7204 + 47.7505 + 47.7228) / 4, (7.8297 + 7.7945 + 7.7969 + 7.7715) / 4}
	if !slices.Equal(p.Names, wantNames) {
		t.Errorf("79692 names = %q, want %q", p.Names, wantNames)
	}
	if math.Abs(p.Point.Lat-want.Lat) > 1e-9 || math.Abs(p.Point.Lon-want.Lon) > 1e-9 {
		t.Errorf("79692 point = %v, want %v", p.Point, want)
	}
}

const testHeader = "country_code,zipcode,place,state,state_code,province,province_code,community,community_code,latitude,longitude\n"

func TestParseMergeRules(t *testing.T) {
	in := testHeader +
		"DE,12345,Adorf,Bavaria,02,,,Landkreis X,09999,10,20\n" +
		"DE,01000,Zdorf,Sachsen,SN,,,Kreis Z,14000,50,10\n" +
		"DE,12345,Bdorf,Bayern,BY,,,Landkreis Y,09998,11,22\n" +
		"DE,12345,Adorf,Bayern,BY,,,Landkreis X,09999,12,24\n" +
		"DE,12346,KÃ¶ln,Bayern,BY,,,Landkreis X,09999,1,2\n"
	g, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 3 {
		t.Fatalf("Len = %d, want 3", g.Len())
	}
	p, _ := g.Lookup("12345")
	// First row decides Kreis and state (translated to German); the rows
	// are merged even though another code comes between them.
	want := Place{PLZ: "12345", Names: []string{"Adorf", "Bdorf"}, Kreis: "Landkreis X",
		KreisCode: "09999", State: "Bayern", Point: Point{11, 22}}
	if !equalPlace(p, want) {
		t.Errorf("12345 = %+v, want %+v", p, want)
	}
	if p, _ := g.Lookup("12346"); !slices.Equal(p.Names, []string{"Köln"}) {
		t.Errorf("mojibake not repaired: %q", p.Names)
	}
	if got := plzs(g.InKreis("09999")); !slices.Equal(got, []string{"12345", "12346"}) {
		t.Errorf("InKreis(09999) = %v", got)
	}
	// 12345 crosses into 09998, but only its first row's Kreis counts.
	if got := g.InKreis("09998"); got != nil {
		t.Errorf("InKreis(09998) = %v, want nil", got)
	}
	if got := plzs(g.All()); !slices.Equal(got, []string{"01000", "12345", "12346"}) {
		t.Errorf("All = %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	row := "DE,79539,Lörrach,BW,BW,,,LK,08336,47.6,7.6\n"
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"header only", testHeader},
		{"missing column", "zipcode,place,state,community,community_code,latitude\n79539,L,BW,LK,08336,47\n"},
		{"short PLZ", strings.Replace(testHeader+row, "79539", "7953", 1)},
		{"letters in PLZ", strings.Replace(testHeader+row, "79539", "7953a", 1)},
		{"empty place", strings.Replace(testHeader+row, "Lörrach", "", 1)},
		{"bad Kreis code", strings.Replace(testHeader+row, "08336", "8336", 1)},
		{"bad latitude", strings.Replace(testHeader+row, "47.6", "x", 1)},
		{"latitude out of range", strings.Replace(testHeader+row, "47.6", "91", 1)},
		{"longitude NaN", strings.Replace(testHeader+row, "7.6\n", "NaN\n", 1)},
		{"longitude Inf", strings.Replace(testHeader+row, "7.6\n", "Inf\n", 1)},
		{"field count", testHeader + "DE,79539,Lörrach\n"},
		{"bad quote", testHeader + `DE,79539,"Lö"rrach,BW,BW,,,LK,08336,47.6,7.6` + "\n"},
	}
	for _, tt := range tests {
		g, err := Parse(strings.NewReader(tt.in))
		if err == nil || g != nil {
			t.Errorf("%s: Parse = %v, %v; want nil and an error", tt.name, g, err)
		}
	}
	// Header with BOM and other column order is fine.
	in := "\ufefflatitude,longitude,zipcode,place,state,community,community_code\n47.6,7.6,79539,Lörrach,BW,LK,08336\n"
	if g, err := Parse(strings.NewReader(in)); err != nil || g.Len() != 1 {
		t.Errorf("BOM header: Parse = %v, %v", g, err)
	}
}

// TestDefaultMatchesNaive recomputes every place from the embedded CSV with
// a straightforward implementation of the documented rules.
func TestDefaultMatchesNaive(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(zipcodesCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs = recs[1:]
	if len(recs) != 23297 { // as stated in data/SOURCE.md
		t.Errorf("%d rows, want 23297", len(recs))
	}
	rows := map[string][][]string{}
	for _, r := range recs {
		rows[r[1]] = append(rows[r[1]], r)
	}
	g := Default()
	// data/SOURCE.md says 10,815, but the file has 10,814 distinct codes.
	if g.Len() != len(rows) || g.Len() != 10814 {
		t.Fatalf("Len = %d, want %d distinct codes", g.Len(), len(rows))
	}
	for plz, rs := range rows {
		var want Place
		want.PLZ = plz
		want.Kreis, want.KreisCode, want.State = fixMojibake(rs[0][7]), rs[0][8], rs[0][3]
		if de, ok := englishStates[want.State]; ok {
			want.State = de
		}
		for _, r := range rs {
			lat, _ := strconv.ParseFloat(r[9], 64)
			lon, _ := strconv.ParseFloat(r[10], 64)
			want.Point.Lat += lat / float64(len(rs))
			want.Point.Lon += lon / float64(len(rs))
			if name := fixMojibake(r[2]); !slices.Contains(want.Names, name) {
				want.Names = append(want.Names, name)
			}
		}
		got, ok := g.Lookup(plz)
		if !ok || !equalPlace(got, want) {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", plz, got, ok, want)
		}
	}
}

// TestParseUnsizedReader covers readers without Len, where Parse cannot size
// its buffers in advance.
func TestParseUnsizedReader(t *testing.T) {
	g, err := Parse(iotest.OneByteReader(strings.NewReader(zipcodesCSV)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(g.All(), Default().All(), equalPlace) {
		t.Error("result differs from Default")
	}
}

func TestDataQuality(t *testing.T) {
	g := Default()
	german := map[string]bool{"": true} // Jungholz has none
	for _, s := range []string{"Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen",
		"Hamburg", "Hessen", "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen",
		"Rheinland-Pfalz", "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen"} {
		german[s] = true
	}
	for _, p := range g.All() {
		if !german[p.State] {
			t.Errorf("%s: state %q is not a German state name", p.PLZ, p.State)
		}
		for _, n := range p.Names {
			if strings.ContainsAny(n, "ÃÂ") {
				t.Errorf("%s: name %q looks double-encoded", p.PLZ, n)
			}
		}
		if p.Point.Lat < 47 || p.Point.Lat > 55.1 || p.Point.Lon < 5.8 || p.Point.Lon > 15.1 {
			t.Errorf("%s: point %v outside Germany", p.PLZ, p.Point)
		}
	}
}

func TestInKreisAndAll(t *testing.T) {
	g := Default()
	lk := g.InKreis("08336")
	if len(lk) != 40 { // counted in the CSV
		t.Errorf("InKreis(08336) has %d places, want 40", len(lk))
	}
	for _, p := range lk {
		if p.KreisCode != "08336" || p.Kreis != "Landkreis Lörrach" {
			t.Errorf("InKreis(08336) returned %+v", p)
		}
	}
	if !slices.IsSorted(plzs(lk)) || !slices.Contains(plzs(lk), "79539") {
		t.Errorf("InKreis(08336) = %v, want sorted and containing 79539", plzs(lk))
	}
	for _, code := range []string{"", "99999", "8336", "Landkreis Lörrach"} {
		if got := g.InKreis(code); got != nil {
			t.Errorf("InKreis(%q) = %v, want nil", code, got)
		}
	}
	all := g.All()
	if len(all) != g.Len() || !slices.IsSorted(plzs(all)) {
		t.Errorf("All: %d places (Len %d), sorted %v", len(all), g.Len(), slices.IsSorted(plzs(all)))
	}
	if len(slices.CompactFunc(all, func(a, b Place) bool { return a.PLZ == b.PLZ })) != g.Len() {
		t.Error("All has duplicate codes")
	}
}

func TestResultsAreCopies(t *testing.T) {
	g := Default()
	p, _ := g.Lookup("79692")
	p.Names[0] = "changed"
	_ = append(p.Names[:1], "appended")
	all := g.All()
	for i := range all {
		if len(all[i].Names) > 0 {
			all[i].Names[0] = "changed"
			_ = append(all[i].Names, "appended") // must not spill into the next place
		}
	}
	k := g.InKreis("08336")
	k[0].Names[0] = "changed"
	if q, _ := g.Lookup("79692"); q.Names[0] != "Elbenschwand" || q.Names[1] != "Tegernau" {
		t.Errorf("gazetteer was modified through a result: %q", q.Names)
	}
	if q, _ := g.Lookup(k[0].PLZ); q.Names[0] == "changed" {
		t.Error("gazetteer was modified through InKreis")
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	gs := make([]*Gazetteer, 8)
	for i := range gs {
		wg.Go(func() {
			gs[i] = Default()
			if _, ok := gs[i].Lookup("79539"); !ok {
				t.Error("79539 not found")
			}
		})
	}
	wg.Wait()
	for _, g := range gs {
		if g != gs[0] {
			t.Fatal("Default returned different instances")
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(testHeader + "DE,79539,Lörrach,BW,BW,,,LK,08336,47.6,7.6\n")
	f.Add(testHeader + "DE,79539,KÃ¶ln,Bavaria,BW,,,LK,,-47.6,180\nDE,79539,B,BW,BW,,,LK,,1e1,0x1p-2\n")
	f.Add(zipcodesCSV[:2000])
	f.Add("\ufeffzipcode,place,state,community,community_code,latitude,longitude\n\"7\n9\",\"\"\"\",,,,,\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		g, err := Parse(strings.NewReader(in))
		if err != nil {
			if g != nil {
				t.Fatal("non-nil gazetteer with error")
			}
			return
		}
		all := g.All()
		if len(all) == 0 || len(all) != g.Len() {
			t.Fatalf("All has %d places, Len %d", len(all), g.Len())
		}
		for _, p := range all {
			q, ok := g.Lookup(p.PLZ)
			if !ok || !isFiveDigits(p.PLZ) || len(p.Names) == 0 || !equalPlace(p, q) {
				t.Fatalf("inconsistent place %+v / %+v", p, q)
			}
			if math.IsNaN(Distance(p.Point, Point{})) {
				t.Fatalf("bad point %v", p.Point)
			}
		}
	})
}

func BenchmarkDefaultParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(zipcodesCSV)))
	for b.Loop() {
		if _, err := Parse(strings.NewReader(zipcodesCSV)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	g := Default()
	codes := []string{"79539", "10115", "79692", "99999", "01067", "80331"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Lookup(codes[i%len(codes)])
		i++
	}
}

func plzs(ps []Place) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.PLZ
	}
	return out
}

func equalPlace(a, b Place) bool {
	return a.PLZ == b.PLZ && slices.Equal(a.Names, b.Names) && a.Kreis == b.Kreis &&
		a.KreisCode == b.KreisCode && a.State == b.State &&
		math.Abs(a.Point.Lat-b.Point.Lat) < 1e-9 && math.Abs(a.Point.Lon-b.Point.Lon) < 1e-9
}

package matching

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

// validScenario is the contract's example, with a second volunteer and
// request so that list positions show in the error paths.
const validScenario = `{
  "now": "2026-11-23T09:00:00Z",
  "max_distance_km": 30,
  "volunteers": [
    {
      "id": "v-001", "plz": "79589", "lat": 47.6333, "lon": 7.6167, "radius_km": 15,
      "languages": ["de", "ar"], "skills": ["housing_search", "authority_accompaniment"],
      "availability": ["mon_am", "wed_pm", "sat_am"], "capacity": 2, "active_assignments": 0,
      "background_check_valid_until": "2029-05-31", "language_levels": {"ar": "native"},
      "experience": {"housing_search": 3}
    },
    {"id": "v-002", "plz": "79539", "languages": ["de"], "skills": ["housing_search"]}
  ],
  "requests": [
    {
      "id": "r-001", "plz": "79591", "category": "housing_search", "languages_any": ["ar", "ku"],
      "slots": ["wed_pm", "thu_am"], "needed": 1, "requires_background_check": false,
      "priority": 2, "date": "2026-12-02", "previous_volunteers": ["v-002"]
    },
    {"id": "r-002", "lat": 47.61, "lon": 7.66, "category": "housing_search"}
  ]
}`

// decodeAndSolve runs what `lotse match` runs and returns the first error.
func decodeAndSolve(r io.Reader) (*Result, error) {
	sc, err := Decode(r)
	if err != nil {
		return nil, err
	}
	return Solve(sc, Config{Locate: refLocate, Workers: 1})
}

// editScenario returns validScenario with old replaced by new, which must occur once.
func editScenario(t *testing.T, old, new string) string {
	t.Helper()
	if strings.Count(validScenario, old) != 1 {
		t.Fatalf("%q does not occur exactly once in validScenario", old)
	}
	return strings.Replace(validScenario, old, new, 1)
}

func TestDecodeValid(t *testing.T) {
	res, err := decodeAndSolve(strings.NewReader(validScenario))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Volunteers != 2 || res.Stats.Requests != 2 || res.Stats.Filled != 2 {
		t.Errorf("stats = %+v, want 2 volunteers, 2 requests, 2 filled", res.Stats)
	}
}

// TestDecodeInvalid pins, for each kind of mistake, the entry an error names
// and the words that say what is wrong.
func TestDecodeInvalid(t *testing.T) {
	cases := []struct {
		name, scenario string
		entry          string
		msg            string // must occur in the message
	}{
		{"unknown postal code", editScenario(t, `"plz": "79539"`, `"plz": "9999"`),
			"volunteers[1].plz", `unknown postal code "9999"`},
		{"missing id", editScenario(t, `"id": "v-001", `, ``),
			"volunteers[0].id", "missing"},
		{"duplicate id", editScenario(t, `"id": "r-002"`, `"id": "r-001"`),
			"requests[1].id", `"r-001" is already the id of requests[0]`},
		{"duplicate volunteer id", editScenario(t, `"id": "v-002"`, `"id": "v-001"`),
			"volunteers[1].id", `"v-001" is already the id of volunteers[0]`},
		{"bad slot", editScenario(t, `"wed_pm", "sat_am"]`, `"wed_noon", "sat_am"]`),
			"volunteers[0].availability[1]", `unknown slot "wed_noon": want a weekday and part of day like "wed_pm"`},
		{"bad request slot", editScenario(t, `"thu_am"`, `"thursday"`),
			"requests[0].slots[1]", `unknown slot "thursday"`},
		{"bad date", editScenario(t, `"date": "2026-12-02"`, `"date": "2026-02-30"`),
			"requests[0].date", `want a date like "2026-12-02", got "2026-02-30"`},
		{"bad background check date", editScenario(t, `"2029-05-31"`, `"31.05.2029"`),
			"volunteers[0].background_check_valid_until", `want a date like "2029-05-31", got "31.05.2029"`},
		{"lat without lon", editScenario(t, `"lat": 47.61, "lon": 7.66`, `"lat": 47.61`),
			"requests[1].lat", "lat and lon go together: give both or neither"},
		{"lon without lat", editScenario(t, `"lat": 47.6333, "lon": 7.6167`, `"lon": 7.6167`),
			"volunteers[0].lat", "lat and lon go together"},
		{"lat out of range", editScenario(t, `"lat": 47.61`, `"lat": 147.61`),
			"requests[1].lat", "must be between -90 and 90, got 147.61"},
		{"neither postal code nor point", editScenario(t, `"lat": 47.61, "lon": 7.66, `, ``),
			"requests[1].plz", "missing: give a postal code or lat and lon"},
		{"negative capacity", editScenario(t, `"capacity": 2`, `"capacity": -1`),
			"volunteers[0].capacity", "must not be negative, got -1"},
		{"negative active assignments", editScenario(t, `"active_assignments": 0`, `"active_assignments": -2`),
			"volunteers[0].active_assignments", "must not be negative, got -2"},
		{"negative free hours", editScenario(t, `"active_assignments": 0`, `"active_assignments": 0, "hours_free": -1`),
			"volunteers[0].hours_free", "must not be negative, got -1"},
		{"hours per month beyond a month", editScenario(t, `"priority": 2`, `"priority": 2, "hours_per_month": 745`),
			"requests[0].hours_per_month", "must be 0 (not stated) to 744, got 745"},
		{"needed 0", editScenario(t, `"needed": 1`, `"needed": 0`),
			"requests[0].needed", "must be 1 to 10000000, got 0"},
		{"needed beyond int32", editScenario(t, `"needed": 1`, `"needed": 4294967297`),
			"requests[0].needed", "must be 1 to 10000000, got 4294967297"},
		{"too many slots in all", editScenario(t, `"category": "housing_search"}`, `"category": "housing_search", "needed": 10000000}`),
			"requests[1].needed", "the requests need more than 10000000 volunteers in all"},
		{"priority 4", editScenario(t, `"priority": 2`, `"priority": 4`),
			"requests[0].priority", "must be 0 (normal) to 3 (urgent), got 4"},
		{"unknown language level", editScenario(t, `{"ar": "native"}`, `{"ar": "fluent"}`),
			"volunteers[0].language_levels.ar", `unknown level "fluent": want A1, A2, B1, B2, C1, C2 or native`},
		{"level of a language not spoken", editScenario(t, `{"ar": "native"}`, `{"fa": "B2"}`),
			"volunteers[0].language_levels.fa", `"fa" is not among the volunteer's languages`},
		{"bad language code", editScenario(t, `["ar", "ku"]`, `["Arabic"]`),
			"requests[0].languages_any[0]", `"Arabic" is not a language code like "ar" or "prs"`},
		{"bad category", editScenario(t, `"skills": ["housing_search"]}`, `"skills": ["Housing Search"]}`),
			"volunteers[1].skills[0]", `"Housing Search" is not a category like "housing_search"`},
		{"missing category", editScenario(t, `, "category": "housing_search"}`, `}`),
			"requests[1].category", "missing"},
		{"negative experience", editScenario(t, `{"housing_search": 3}`, `{"housing_search": -3}`),
			"volunteers[0].experience.housing_search", "must not be negative, got -3"},
		{"unknown field", editScenario(t, `"radius_km": 15`, `"radius_km": 15, "hobbies": ["chess"]`),
			"volunteers[0]", `unknown field "hobbies"`},
		{"unknown field, a prefix of a known one", editScenario(t, `"radius_km": 15`, `"radius": 15`),
			"volunteers[0]", `unknown field, a shortened "radius_km"?`},
		{"unknown top-level field", editScenario(t, `"max_distance_km": 30`, `"max_distance": 30`),
			"max_distance", "unknown field; want now, max_distance_km, volunteers and requests"},
		{"wrong type", editScenario(t, `"capacity": 2`, `"capacity": "two"`),
			"volunteers[0].capacity", "want a whole number (line 8, byte "},
		{"a fraction where a whole number is wanted", editScenario(t, `"capacity": 2`, `"capacity": 2.5`),
			"volunteers[0]", "invalid JSON (or a value of the wrong kind): expected comma after object element (line 8, byte "},
		{"wrong type in a list", editScenario(t, `"languages": ["de"]`, `"languages": "de"`),
			"volunteers[1]", "invalid JSON (or a value of the wrong kind): slice unexpected end of JSON input (line 12, byte "},
		{"volunteers not a list", `{"now": "2026-11-23T09:00:00Z", "volunteers": {}}`,
			"volunteers", "must be a list"},
		{"syntax error", editScenario(t, `"plz": "79591",`, `"plz": "79591",,`),
			"requests[0]", "invalid JSON (or a value of the wrong kind): invalid character ',' looking for beginning of value (line 16, byte "},
		{"syntax error between entries", editScenario(t, `    {"id": "v-002"`, `    ,{"id": "v-002"`),
			"volunteers[1]", "invalid JSON (or a value of the wrong kind): invalid character ',' looking for beginning of value (line 12, byte "},
		{"syntax error outside the entries", editScenario(t, `"max_distance_km": 30`, `'max_distance_km': 30`),
			"", "invalid JSON: json: invalid character ' as token (line 3, byte 37)"},
		{"cut off in an entry", validScenario[:200], "volunteers[0]", "(line 7, byte 200)"},
		{"cut off between entries", validScenario[:strings.Index(validScenario, `"requests"`)], "", "the scenario is empty or cut off"},
		{"empty", "", "", "the scenario is empty or cut off"},
		{"not an object", "[]", "", "the scenario must be a JSON object"},
		{"trailing data", validScenario + "\n{}", "", "trailing data after the scenario object"},
		{"missing now", editScenario(t, `"now": "2026-11-23T09:00:00Z",`, ``),
			"now", `missing: the time the matching is for, e.g. "2026-11-23T09:00:00Z"`},
		{"bad now", editScenario(t, `"2026-11-23T09:00:00Z"`, `"23.11.2026"`),
			"now", `want a time like "2026-11-23T09:00:00Z", got "23.11.2026"`},
		{"now not text", editScenario(t, `"2026-11-23T09:00:00Z"`, `20261123`),
			"now", "not a JSON string"},
		{"max distance 0", editScenario(t, `"max_distance_km": 30`, `"max_distance_km": 0`),
			"max_distance_km", "must be more than 0, got 0"},
		{"no radius and no max distance", editScenario(t, `"max_distance_km": 30,`, ``),
			"volunteers[1].radius_km", "missing: give the volunteer's radius or the scenario's max_distance_km"},
		{"radius 0", editScenario(t, `"radius_km": 15`, `"radius_km": 0`),
			"volunteers[0].radius_km", "must be a number of km above 0, got 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeAndSolve(strings.NewReader(c.scenario))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v (%T), want an *InputError", err, err)
			}
			if ie.Entry != c.entry || !strings.Contains(ie.Msg, c.msg) {
				t.Errorf("got  %q: %q\nwant %q: …%q…", ie.Entry, ie.Msg, c.entry, c.msg)
			}
			if want := c.entry + ": "; c.entry != "" && !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want it to start with %q", err.Error(), want)
			}
		})
	}
}

// TestDecodeErrorPosition: a syntax error says its line when the input can
// seek back, and its byte offset when it cannot.
func TestDecodeErrorPosition(t *testing.T) {
	bad := "{\n\"now\": \"2026-11-23T09:00:00Z\",\n\"volunteers\": [\n{\"id\": \"a\",,}]}"
	_, err := Decode(strings.NewReader(bad))
	if err == nil || !strings.Contains(err.Error(), "(line 4, byte ") {
		t.Errorf("seekable: %v, want the line", err)
	}
	_, err = Decode(iotest.OneByteReader(strings.NewReader(bad)))
	if err == nil || !strings.Contains(err.Error(), "(byte ") || strings.Contains(err.Error(), "line") {
		t.Errorf("stream: %v, want the byte offset only", err)
	}
}

// TestDecodeDefaults: what the contract leaves out gets its default, and an
// explicit zero stays zero.
func TestDecodeDefaults(t *testing.T) {
	sc, err := Decode(strings.NewReader(`{"now": "2026-11-23T09:00:00Z", "max_distance_km": 25,
		"volunteers": [{"id": "v-1", "lat": 47.6, "lon": 7.6, "skills": ["driving"]},
		               {"id": "v-2", "lat": 47.6, "lon": 7.6, "radius_km": 5, "capacity": 0}],
		"requests": [{"id": "r-1", "lat": 47.6, "lon": 7.6, "category": "driving"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v1, v2, r := sc.Volunteers[0], sc.Volunteers[1], sc.Requests[0]
	if v1.Capacity != 1 || v1.RadiusKm != 25 || r.Needed != 1 || r.Priority != 0 {
		t.Errorf("defaults: capacity %d, radius_km %g, needed %d, priority %d; want 1, 25 (max_distance_km), 1, 0",
			v1.Capacity, v1.RadiusKm, r.Needed, r.Priority)
	}
	if v2.Capacity != 0 || v2.RadiusKm != 5 {
		t.Errorf("explicit values: capacity %d, radius_km %g; want 0 and 5", v2.Capacity, v2.RadiusKm)
	}
	if !sc.Now.Equal(sc.Now.UTC()) || sc.Now.Format("2006-01-02T15:04") != "2026-11-23T09:00" {
		t.Errorf("now = %v", sc.Now)
	}

	sc, err = Decode(strings.NewReader(`{"now": "2026-11-23T09:00:00Z", "volunteers": [], "requests": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(sc.MaxDistanceKm, 1) {
		t.Errorf("max_distance_km left out: %g, want no cap (+Inf)", sc.MaxDistanceKm)
	}
}

// TestHugeCapacities: capacities far beyond the requests neither wrap around
// in the engine's 32-bit counters nor allocate slots for them. They used to:
// 2^31 panicked in makeslice, 2^32+1 counted as 1, 10^13 took gigabytes.
func TestHugeCapacities(t *testing.T) {
	for _, capacity := range []string{"2147483648", "4294967297", "10000000000000", "9223372036854775807"} {
		res, err := decodeAndSolve(strings.NewReader(`{"now": "2026-11-23T09:00:00Z", "max_distance_km": 10,
			"volunteers": [{"id": "v-1", "lat": 47.6, "lon": 7.6, "skills": ["driving"], "capacity": ` + capacity + `}],
			"requests": [{"id": "r-1", "lat": 47.6, "lon": 7.6, "category": "driving", "needed": 3},
			             {"id": "r-2", "lat": 47.6, "lon": 7.6, "category": "driving"}]}`))
		if err != nil {
			t.Fatalf("capacity %s: %v", capacity, err)
		}
		if res.Stats.Filled != 2 || len(res.Unfilled) != 1 || res.Unfilled[0].Missing != 2 || res.Assignments[0].Explain.Load != 1 {
			t.Errorf("capacity %s: %+v, unfilled %+v; want r-1 and r-2 filled once each (a pair at most once), load 1",
				capacity, res.Stats, res.Unfilled)
		}
	}

	// Many volunteers with huge capacities and many requests: the solver's
	// slots stay within the pairs instead of volunteers × requests.
	var b strings.Builder
	b.WriteString(`{"now": "2026-11-23T09:00:00Z", "max_distance_km": 1, "volunteers": [`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id": "v-%d", "lat": %g, "lon": 7.6, "skills": ["driving"], "capacity": 1000000000}`, i, 40+0.1*float64(i))
	}
	b.WriteString(`], "requests": [`)
	for j := range 300 {
		if j > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id": "r-%d", "lat": %g, "lon": 7.6, "category": "driving", "needed": 2}`, j, 40+0.1*float64(j))
	}
	b.WriteString(`]}`)
	sc, err := Decode(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(sc, DefaultWeights(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := findPairs(p, newSpatial(p), 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := solve(p, ps)
	if err != nil {
		t.Fatal(err)
	}
	if ps.len() != 300 || len(s.slotPair) > ps.len() {
		t.Errorf("%d pairs, %d solver slots; want 300 pairs and no more slots than pairs", ps.len(), len(s.slotPair))
	}
}

// FuzzDecode: no input makes Decode or Solve panic; every refusal is an
// *InputError, and a solved scenario writes its result and edges.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte(`{"now": "2026-11-23T09:00:00Z", "volunteers": [{"id": "a", "plz": "79539", "radius_km": 1e308,
		"skills": ["x"], "capacity": 3}], "requests": [{"id": "r", "lat": -90, "lon": 180, "category": "x", "needed": 2}]}`))
	f.Add([]byte(`{"now": "2026-11-23T09:00:00Z", "max_distance_km": 0.001, "volunteers": [], "requests": []}`))
	f.Add([]byte(`{"now":"2026-11-23T09:00:00Z","volunteers":[{"id":"a","radius":1}],"requests":[]}`))
	f.Add([]byte(`{"now":"2026-11-23T09:00:00Z","volunteers":[{"id":"a","capacity":2.5,"lat":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Decode(bytes.NewReader(data))
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("Decode: %v (%T), want an *InputError", err, err)
			}
			return
		}
		res, err := Solve(sc, Config{Locate: refLocate, Workers: 2})
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("Solve: %v (%T), want an *InputError", err, err)
			}
			return
		}
		if err := res.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteEdges(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}

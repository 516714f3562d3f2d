// Package matching is Lotse's assignment engine: given volunteers and help
// requests it finds the assignment that first fills as many request slots as
// possible and then maximises the total pair score, explains every pair factor by
// factor and says in words why a request stays open. It does no I/O and imports
// nothing of Lotse's, so the CLI (`lotse match`, contract: shared/contracts/
// matching.md) and the service call the same function on the same types.
package matching

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"time"

	// goccy/go-json decodes a Land-sized scenario (32 MB) four times faster
	// than encoding/json, with the same API and DisallowUnknownFields.
	json "github.com/goccy/go-json"
)

// Scenario is the engine's input, in the contract's JSON shape.
type Scenario struct {
	Now           time.Time   `json:"now"`
	MaxDistanceKm float64     `json:"max_distance_km"`
	Volunteers    []Volunteer `json:"volunteers"`
	Requests      []Request   `json:"requests"`
}

// Volunteer is one person who can be assigned. Fields after the contract's are
// optional extensions the service fills from its history.
type Volunteer struct {
	ID                        string   `json:"id"`
	PLZ                       string   `json:"plz,omitempty"`
	Lat                       *float64 `json:"lat,omitempty"`
	Lon                       *float64 `json:"lon,omitempty"`
	RadiusKm                  float64  `json:"radius_km"` // default: max_distance_km
	Languages                 []string `json:"languages"`
	Skills                    []string `json:"skills"`
	Availability              []string `json:"availability"`
	Capacity                  int      `json:"capacity"` // default 1
	ActiveAssignments         int      `json:"active_assignments"`
	BackgroundCheckValidUntil string   `json:"background_check_valid_until,omitempty"`

	// LanguageLevels gives a CEFR level (A1–C2) or "native" per language code;
	// a language without one counts as LevelUnknown.
	LanguageLevels map[string]string `json:"language_levels,omitempty"`
	// Experience counts completed assignments per category.
	Experience map[string]int `json:"experience,omitempty"`
	// Municipality (an AGS) and Neighbouring: a volunteer with a municipality
	// helps with requests of another municipality only with this consent.
	Municipality string `json:"municipality,omitempty"`
	Neighbouring bool   `json:"neighbouring_municipalities,omitempty"`
	// HoursFree is how many hours a month the volunteer has left; a request
	// whose hours_per_month exceed it is not theirs. Absent: no limit.
	HoursFree *int `json:"hours_free,omitempty"`
}

// Request is one need for help. Fields after the contract's are optional
// extensions.
type Request struct {
	ID                      string   `json:"id"`
	PLZ                     string   `json:"plz,omitempty"`
	Lat                     *float64 `json:"lat,omitempty"`
	Lon                     *float64 `json:"lon,omitempty"`
	Category                string   `json:"category"`
	LanguagesAny            []string `json:"languages_any,omitempty"`
	Slots                   []string `json:"slots,omitempty"`
	Needed                  int      `json:"needed"` // default 1
	RequiresBackgroundCheck bool     `json:"requires_background_check,omitempty"`
	Priority                int      `json:"priority"`
	Date                    string   `json:"date,omitempty"`

	// PreviousVolunteers are IDs of volunteers who helped the same beneficiary
	// before; pairing them again scores the continuity factor.
	PreviousVolunteers []string `json:"previous_volunteers,omitempty"`
	// Municipality is the request's AGS; see Volunteer.Neighbouring.
	Municipality string `json:"municipality,omitempty"`
	// ExcludedVolunteers may not be paired with this request: those who
	// declined it, were rejected for it, or already hold one of its places.
	ExcludedVolunteers []string `json:"excluded_volunteers,omitempty"`
	// HoursPerMonth is the effort the request asks of each volunteer; see
	// Volunteer.HoursFree. 0: not stated.
	HoursPerMonth int `json:"hours_per_month,omitempty"`
}

// InputError is an invalid scenario. Entry names the offending entry as a JSON
// path (volunteers[17].plz), so a person can find it.
type InputError struct {
	Entry string
	Msg   string

	at int64 // 1 + byte offset of a decoding error, for its line; 0: unknown
}

func (e *InputError) Error() string {
	if e.Entry == "" {
		return e.Msg
	}
	return e.Entry + ": " + e.Msg
}

// Decode reads a scenario. Syntax errors and wrong types are InputErrors that
// say where they are (volunteers[17].capacity, the line when r can seek);
// unknown fields are refused, so a misspelt optional field does not silently do
// nothing. The scenario streams from r entry by entry: a Land-sized file (32 MB)
// is never held twice.
func Decode(r io.Reader) (sc *Scenario, err error) {
	defer func() {
		// A decoder bug on hostile input must not take the service down.
		if p := recover(); p != nil {
			sc, err = nil, &InputError{Msg: fmt.Sprintf("unreadable scenario (%v)", p)}
		}
	}()
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	dec.DisallowUnknownFields()
	var w scenarioJSON
	if err := w.decode(dec, sizeHint(r)); err != nil {
		return nil, located(r, err)
	}
	// Only white space may follow the object.
	if _, err := dec.Token(); err != io.EOF {
		return nil, &InputError{Msg: "trailing data after the scenario object"}
	}
	return w.scenario()
}

// decode walks the top-level object and decodes the volunteers and requests
// one at a time, so an error names its entry and the lists grow without
// copying the whole document.
func (w *scenarioJSON) decode(dec *json.Decoder, size int64) error {
	if err := expectDelim(dec, '{', "the scenario must be a JSON object"); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "now":
			err = decodeField(dec, &w.Now, "now")
		case "max_distance_km":
			err = decodeField(dec, &w.MaxDistanceKm, "max_distance_km")
		case "volunteers":
			w.Volunteers = make([]volunteerJSON, 0, size/320)
			err = decodeList(dec, &w.Volunteers, "volunteers")
		case "requests":
			w.Requests = make([]requestJSON, 0, size/1600)
			err = decodeList(dec, &w.Requests, "requests")
		default:
			return &InputError{Entry: key, Msg: "unknown field; want now, max_distance_km, volunteers and requests"}
		}
		if err != nil {
			return err
		}
	}
	return expectDelim(dec, '}', "the scenario object is not closed")
}

func decodeList[T any](dec *json.Decoder, list *[]T, name string) error {
	if err := expectDelim(dec, '[', name+" must be a list"); err != nil {
		return &InputError{Entry: name, Msg: "must be a list"}
	}
	for i := 0; dec.More(); i++ {
		var v T
		if err := decodeField(dec, &v, fmt.Sprintf("%s[%d]", name, i)); err != nil {
			return err
		}
		*list = append(*list, v)
	}
	return expectDelim(dec, ']', name+" is not closed")
}

func decodeField(dec *json.Decoder, v any, entry string) error {
	err := dec.Decode(v)
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field != "" {
			entry += "." + jsonPath(reflect.TypeOf(v).Elem(), typ.Field)
		}
		return &InputError{Entry: entry, Msg: "want " + kindWords(typ.Type), at: typ.Offset + 1}
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return &InputError{Entry: entry, Msg: fmt.Sprintf("want a time like \"2026-11-23T09:00:00Z\", got %q", pe.Value)}
	}
	if err != nil && strings.Contains(err.Error(), "unknown field") {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		// goccy/go-json names the known field when the unknown key is a prefix
		// of one ("radius" comes back as "radius_km"): do not call it unknown.
		var name string
		if _, e := fmt.Sscanf(msg, "unknown field %q", &name); e == nil && hasJSONField(reflect.TypeOf(v).Elem(), name) {
			msg = fmt.Sprintf("unknown field, a shortened %q?", name)
		}
		return &InputError{Entry: entry, Msg: msg}
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// goccy/go-json reports some values of the wrong kind as syntax errors
		// ("languages": "de", "capacity": 2.5): name the entry at least.
		return &InputError{Entry: entry, Msg: "invalid JSON (or a value of the wrong kind): " +
			strings.TrimPrefix(syn.Error(), "json: "), at: syn.Offset + 1}
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return &InputError{Entry: entry, Msg: strings.TrimPrefix(err.Error(), "json: ")} // e.g. "now": 2026
	}
	return err
}

// hasJSONField reports whether struct type t decodes the JSON key name.
func hasJSONField(t reflect.Type, name string) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || f.Anonymous && tag == "" && hasJSONField(f.Type, name) {
			return true
		}
	}
	return false
}

// jsonPath turns the decoder's Go field path (Capacity, Languages) into the
// JSON names a person wrote (capacity, languages).
func jsonPath(t reflect.Type, goPath string) string {
	var out []string
	for _, name := range strings.Split(goPath, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			out = append(out, name)
			continue
		}
		f, ok := t.FieldByName(name)
		if !ok {
			out = append(out, name)
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" {
			name = tag
		}
		out, t = append(out, name), f.Type
	}
	return strings.Join(out, ".")
}

// kindWords says in words what a Go type wants from JSON.
func kindWords(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			return "a time like \"2026-11-23T09:00:00Z\""
		}
		return "an object"
	case reflect.Pointer:
		return kindWords(t.Elem())
	}
	return t.String()
}

func expectDelim(dec *json.Decoder, d json.Delim, msg string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return &InputError{Msg: msg}
	}
	return nil
}

// located turns decoder errors into InputErrors and adds the line of a syntax
// or type error when the input can be read again.
func located(r io.Reader, err error) error {
	var ie *InputError
	var syn *json.SyntaxError
	var at int64
	switch {
	case errors.As(err, &ie):
		at = ie.at
	case errors.As(err, &syn):
		ie, at = &InputError{Msg: "invalid JSON: " + syn.Error()}, syn.Offset+1
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{Msg: "the scenario is empty or cut off"}
	default:
		return &InputError{Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
	if at > 0 {
		if line, ok := lineAt(r, at-1); ok {
			ie.Msg += fmt.Sprintf(" (line %d, byte %d)", line, at-1)
		} else {
			ie.Msg += fmt.Sprintf(" (byte %d)", at-1)
		}
	}
	return ie
}

// lineAt counts the lines before offset when r can seek back.
func lineAt(r io.Reader, off int64) (int, bool) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return 0, false
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return 0, false
	}
	line, br := 1, bufio.NewReader(io.LimitReader(rs, off))
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line, true
		}
		if b == '\n' {
			line++
		}
	}
}

// sizeHint is the input's size when it is a file, to size the lists once.
func sizeHint(r io.Reader) int64 {
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil {
			return fi.Size()
		}
	}
	if b, ok := r.(interface{ Len() int }); ok {
		return int64(b.Len())
	}
	return 0
}

// The wire types tell a missing number from zero, for the contract's defaults.
type scenarioJSON struct {
	Now           *time.Time      `json:"now"`
	MaxDistanceKm *float64        `json:"max_distance_km"`
	Volunteers    []volunteerJSON `json:"volunteers"`
	Requests      []requestJSON   `json:"requests"`
}

type volunteerJSON struct {
	Volunteer
	RadiusKm *float64 `json:"radius_km"`
	Capacity *int     `json:"capacity"`
}

type requestJSON struct {
	Request
	Needed *int `json:"needed"`
}

func (w *scenarioJSON) scenario() (*Scenario, error) {
	if w.Now == nil {
		return nil, &InputError{Entry: "now", Msg: "missing: the time the matching is for, e.g. \"2026-11-23T09:00:00Z\""}
	}
	sc := &Scenario{Now: *w.Now, MaxDistanceKm: math.Inf(1),
		Volunteers: make([]Volunteer, len(w.Volunteers)), Requests: make([]Request, len(w.Requests))}
	if w.MaxDistanceKm != nil {
		sc.MaxDistanceKm = *w.MaxDistanceKm
	}
	for i, v := range w.Volunteers {
		sc.Volunteers[i] = v.Volunteer
		sc.Volunteers[i].RadiusKm, sc.Volunteers[i].Capacity = sc.MaxDistanceKm, 1
		if v.RadiusKm != nil {
			sc.Volunteers[i].RadiusKm = *v.RadiusKm
		}
		if v.Capacity != nil {
			sc.Volunteers[i].Capacity = *v.Capacity
		}
	}
	for i, r := range w.Requests {
		sc.Requests[i] = r.Request
		sc.Requests[i].Needed = 1
		if r.Needed != nil {
			sc.Requests[i].Needed = *r.Needed
		}
	}
	return sc, nil
}

// Package matching is Lotse's assignment engine: given volunteers and help
// requests it finds the assignment that first fills as many request slots as
// possible and then maximises the total pair score, explains every pair factor by
// factor and says in words why a request stays open. It does no I/O and imports
// nothing of Lotse's, so the CLI (`lotse match`, contract: shared/contracts/
// matching.md) and the service call the same function on the same types.
package matching

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
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
}

// InputError is an invalid scenario. Entry names the offending entry as a JSON
// path (volunteers[17].plz), so a person can find it.
type InputError struct {
	Entry string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Entry == "" {
		return e.Msg
	}
	return e.Entry + ": " + e.Msg
}

// Decode reads a scenario. Syntax errors and wrong types are InputErrors that
// say where they are; unknown fields are refused, so a misspelt optional field
// does not silently do nothing.
func Decode(r io.Reader) (sc *Scenario, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A decoder bug on hostile input must not take the service down.
		if p := recover(); p != nil {
			sc, err = nil, &InputError{Msg: fmt.Sprintf("unreadable scenario (%v)", p)}
		}
	}()
	var w scenarioJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, decodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &InputError{Msg: "trailing data after the scenario object"}
	}
	return w.scenario()
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

// decodeError turns encoding/json's errors into InputErrors with a line number
// and, for type errors, the field path.
func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &InputError{Msg: fmt.Sprintf("invalid JSON at line %d: %v", lineOf(data, syn.Offset), syn)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "scenario"
		}
		return &InputError{Entry: field, Msg: fmt.Sprintf("want %s, got JSON %s (line %d)", typ.Type, typ.Value, lineOf(data, typ.Offset))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{Msg: "the scenario is empty or cut off"}
	}
	return &InputError{Msg: err.Error()}
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

package ics

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ical "github.com/arran4/golang-ical"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRequestParses writes an invitation and reads it back with an
// independent parser: the fields, the local time with its zone, the escaping
// of commas, semicolons and line breaks, and lines folded within 75 octets.
func TestRequestParses(t *testing.T) {
	loc := berlin(t)
	start := time.Date(2026, 3, 29, 9, 30, 0, 0, loc) // the day clocks go forward
	long := strings.Repeat("Begleitung zur Ausländerbehörde, Zimmer 3; bitte Pass mitbringen.\n", 3)
	e := Event{UID: "r1:v1@lotse.example.org", Sequence: 2, Stamp: time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC),
		Start: start, End: start.Add(2 * time.Hour), Summary: "Lotse: Begleitung, Ämter; Termin",
		Description: long, Location: "79539 Lörrach", Organizer: "lotse@landkreis.example", OrgName: "Lotse \"Koordination\"",
		Attendee: "ayse@example.org", AttName: "Ayşe Yılmaz"}
	raw := Request(e, loc)

	for i, l := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a character: %q", i, l)
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare line break", i)
		}
	}
	if !bytes.Contains(raw, []byte(`SUMMARY:Lotse: Begleitung\, Ämter\; Termin`+"\r\n")) {
		t.Errorf("summary not escaped:\n%s", raw)
	}
	cal, err := ical.ParseCalendar(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	if m := cal.CalendarProperties; len(m) == 0 {
		t.Fatal("no calendar properties")
	}
	method := ""
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			method = p.Value
		}
	}
	if method != "REQUEST" {
		t.Errorf("METHOD %q", method)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	get := func(p ical.ComponentProperty) string {
		if prop := ev.GetProperty(p); prop != nil {
			return prop.Value
		}
		return ""
	}
	for p, want := range map[ical.ComponentProperty]string{
		ical.ComponentPropertyUniqueId:    "r1:v1@lotse.example.org",
		ical.ComponentPropertySequence:    "2",
		ical.ComponentPropertySummary:     e.Summary, // escaped and unescaped again
		ical.ComponentPropertyLocation:    "79539 Lörrach",
		ical.ComponentPropertyDtStart:     "20260329T093000",
		ical.ComponentPropertyDtEnd:       "20260329T113000",
		ical.ComponentPropertyDtstamp:     "20260328T090000Z",
		ical.ComponentPropertyOrganizer:   "mailto:lotse@landkreis.example",
		ical.ComponentPropertyAttendee:    "mailto:ayse@example.org",
		ical.ComponentPropertyDescription: long,
	} {
		if got := get(p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if tz := ev.GetProperty(ical.ComponentPropertyDtStart).ICalParameters["TZID"]; len(tz) != 1 || tz[0] != "Europe/Berlin" {
		t.Errorf("DTSTART TZID %v", tz)
	}
	// The parser turns the local time with its TZID back into the instant.
	got, err := ev.GetStartAt()
	if err != nil || !got.Equal(start) {
		t.Errorf("start %v %v, want %v", got, err, start)
	}
	if cn := ev.GetProperty(ical.ComponentPropertyOrganizer).ICalParameters["CN"]; len(cn) != 1 || strings.Contains(cn[0], `"`) {
		t.Errorf("organizer CN %q", cn)
	}
	zones := 0
	for _, c := range cal.Components {
		if _, ok := c.(*ical.VTimezone); ok {
			zones++
		}
	}
	if zones != 1 {
		t.Errorf("%d VTIMEZONE components", zones)
	}
}

func TestRequestAllDay(t *testing.T) {
	loc := berlin(t)
	raw := Request(Event{UID: "u@x", Stamp: time.Now(), Start: time.Date(2026, 12, 2, 0, 0, 0, 0, loc), AllDay: true,
		Summary: "Sprachcafé", Organizer: "a@x", Attendee: "b@x"}, loc)
	for _, want := range []string{"DTSTART;VALUE=DATE:20261202\r\n", "DTEND;VALUE=DATE:20261203\r\n"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("lacks %q:\n%s", want, raw)
		}
	}
	if _, err := ical.ParseCalendar(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}

func TestFold(t *testing.T) {
	for _, s := range []string{"", "kurz", strings.Repeat("a", 75), strings.Repeat("a", 76), strings.Repeat("ü", 100), strings.Repeat("a€", 60)} {
		var b bytes.Buffer
		fold(&b, s)
		var back strings.Builder
		for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Errorf("%q: line %d %q", s[:min(len(s), 10)], i, l)
			}
			if i > 0 {
				l = strings.TrimPrefix(l, " ")
			}
			back.WriteString(l)
		}
		if back.String() != s {
			t.Errorf("unfolded %q, want %q", back.String(), s)
		}
	}
}

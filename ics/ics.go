// Package ics writes calendar invitations (RFC 5545, iTIP METHOD:REQUEST) for
// appointments in German local time. It does no I/O.
package ics

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one appointment. Start and End are instants; they are written in
// Europe/Berlin local time with a TZID, so calendars show the time the
// coordinator entered even across a change of daylight saving time.
type Event struct {
	UID         string // stable across updates: an update replaces the event with this UID
	Sequence    int    // 0 first; each change of time sends a higher one
	Stamp       time.Time
	Start, End  time.Time
	AllDay      bool // Start's Berlin date only; End is ignored
	Summary     string
	Description string
	Location    string
	Organizer   string // email address
	OrgName     string
	Attendee    string // email address
	AttName     string
}

// berlinZone is Europe/Berlin as VTIMEZONE: CET/CEST with the EU rules in
// force since 1996.
const berlinZone = "BEGIN:VTIMEZONE\r\n" +
	"TZID:Europe/Berlin\r\n" +
	"BEGIN:DAYLIGHT\r\n" +
	"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n" +
	"DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\n" +
	"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n" +
	"DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// Request returns e as an iCalendar object with METHOD:REQUEST, the form mail
// clients offer to add to the calendar. loc is the zone Start and End are
// written in (Europe/Berlin; the VTIMEZONE describes it).
func Request(e Event, loc *time.Location) []byte {
	var b bytes.Buffer
	line := func(name, value string) { fold(&b, name+":"+value) }
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Lotse//Ehrenamtskoordination//DE\r\nCALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\n")
	b.WriteString(berlinZone)
	b.WriteString("BEGIN:VEVENT\r\n")
	line("UID", e.UID)
	line("SEQUENCE", fmt.Sprint(e.Sequence))
	line("DTSTAMP", e.Stamp.UTC().Format("20060102T150405Z"))
	if e.AllDay {
		day := e.Start.In(loc)
		line("DTSTART;VALUE=DATE", day.Format("20060102"))
		line("DTEND;VALUE=DATE", day.AddDate(0, 0, 1).Format("20060102"))
	} else {
		line("DTSTART;TZID=Europe/Berlin", e.Start.In(loc).Format("20060102T150405"))
		line("DTEND;TZID=Europe/Berlin", e.End.In(loc).Format("20060102T150405"))
	}
	line("SUMMARY", text(e.Summary))
	if e.Description != "" {
		line("DESCRIPTION", text(e.Description))
	}
	if e.Location != "" {
		line("LOCATION", text(e.Location))
	}
	line("ORGANIZER;CN="+param(e.OrgName), "mailto:"+e.Organizer)
	line("ATTENDEE;CN="+param(e.AttName)+";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED", "mailto:"+e.Attendee)
	line("STATUS", "CONFIRMED")
	line("TRANSP", "OPAQUE")
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.Bytes()
}

// text escapes a TEXT value (RFC 5545 3.3.11).
func text(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// param quotes a parameter value; quotes cannot be escaped, so they go.
func param(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

// fold writes one content line, folded at 75 octets without splitting a
// UTF-8 sequence (RFC 5545 3.1), and ends it with CRLF.
func fold(b *bytes.Buffer, l string) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(l)
	b.WriteString("\r\n")
}

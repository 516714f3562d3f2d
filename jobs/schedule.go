package jobs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Off is the spec that disables a job's schedule; it can still be run by hand.
const Off = "off"

// Zone is the time zone schedules are read in unless a spec names its own with
// a CRON_TZ= prefix.
const Zone = "Europe/Berlin"

// parser reads five fields (minute to weekday), six with seconds first, and the
// descriptors @daily, @hourly … and @every.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec reads a cron spec in Europe/Berlin: "30 2 * * *", "0 30 2 * * *",
// "@daily", "CRON_TZ=UTC 0 3 * * *" or "@every 10m". Every replica derives the
// same scheduled times from it, so "@every d" runs on a fixed grid of multiples
// of d (cron's own @every counts from each process's start, which replicas do
// not share); d must be whole seconds, at least one.
func ParseSpec(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	rest := spec
	if strings.HasPrefix(rest, "TZ=") || strings.HasPrefix(rest, "CRON_TZ=") {
		if i := strings.IndexByte(rest, ' '); i > 0 {
			rest = strings.TrimSpace(rest[i:])
		}
	}
	if d, ok := strings.CutPrefix(rest, "@every "); ok {
		if rest != spec {
			return nil, errors.New("@every takes no time zone")
		}
		dur, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("@every: %w", err)
		}
		if dur < time.Second || dur%time.Second != 0 {
			return nil, fmt.Errorf("@every %s: want whole seconds, at least 1s", dur)
		}
		return every(dur), nil
	}
	if rest == spec {
		spec = "CRON_TZ=" + Zone + " " + spec
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// every is "@every d" on the grid of multiples of d since Go's zero time.
type every time.Duration

// Next returns the first grid point after t.
func (e every) Next(t time.Time) time.Time {
	return t.Truncate(time.Duration(e)).Add(time.Duration(e))
}

// maxLookback bounds the search for a schedule's previous time: a schedule
// with no time in five years has none that matters.
const maxLookback = 5 * 366 * 24 * time.Hour

// lastAtOrBefore returns the latest scheduled time of s at or before now, or
// zero if there is none within maxLookback. cron schedules only know Next, so
// it looks back twice as far each step until Next lands at or before now, then
// walks forward.
func lastAtOrBefore(s cron.Schedule, now time.Time) time.Time {
	for d := time.Second; d <= maxLookback; d *= 2 {
		t := s.Next(now.Add(-d))
		if t.IsZero() {
			return time.Time{}
		}
		if t.After(now) {
			continue
		}
		for {
			n := s.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

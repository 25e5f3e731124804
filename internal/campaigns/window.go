package campaigns

import (
	"slices"
	"time"
	_ "time/tzdata" // prospects' time zones must resolve wherever the binary runs
)

// Location returns the time zone a prospect's emails are timed in: tz
// (IANA) when it names one, else the window's own Timezone, else UTC.
func (w SendingWindow) Location(tz string) *time.Location {
	for _, name := range []string{tz, w.Timezone} {
		if name == "" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// Allows reports whether an email may go out at at to a prospect in time
// zone tz: on one of the window's weekdays, at or after Start and before
// End, both read on the prospect's clock.
func (w SendingWindow) Allows(at time.Time, tz string) bool {
	start, ok1 := clock(w.Start)
	end, ok2 := clock(w.End)
	if !ok1 || !ok2 {
		return false
	}
	local := at.In(w.Location(tz))
	if !slices.Contains(w.Weekdays, weekdayNames[local.Weekday()]) {
		return false
	}
	m := local.Hour()*60 + local.Minute()
	return m >= start && m < end
}

// NextOpening is the first instant at or after at when the window is open
// for a prospect in time zone tz: at itself while it is open, else the
// next Start on one of its weekdays, on the prospect's clock (a Start that
// a daylight-saving jump skips opens when the clock lands past it). ok is
// false for a window that never opens (invalid, so refused by Validate).
func (w SendingWindow) NextOpening(at time.Time, tz string) (next time.Time, ok bool) {
	start, ok1 := clock(w.Start)
	end, ok2 := clock(w.End)
	if !ok1 || !ok2 || end <= start {
		return time.Time{}, false
	}
	if w.Allows(at, tz) {
		return at, true
	}
	local := at.In(w.Location(tz))
	for d := range 8 {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, local.Location())
		if !slices.Contains(w.Weekdays, weekdayNames[day.Weekday()]) {
			continue
		}
		open := time.Date(day.Year(), day.Month(), day.Day(), start/60, start%60, 0, 0, local.Location())
		if open.After(at) {
			return open, true
		}
	}
	return time.Time{}, false
}

// ISOWeekdays are the window's weekdays as ISO numbers, 1 (Monday) to 7
// (Sunday), in week order.
func (w SendingWindow) ISOWeekdays() []int {
	var out []int
	for iso := 1; iso <= 7; iso++ {
		if slices.Contains(w.Weekdays, weekdayNames[iso%7]) {
			out = append(out, iso)
		}
	}
	return out
}

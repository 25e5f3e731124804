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

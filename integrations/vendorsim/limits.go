package vendorsim

import (
	"time"
)

// window counts the calls admitted under one Limit. Sliding windows keep the
// timestamps of the calls still inside the window and nothing older, so
// memory is bounded by the limit's Rate; fixed windows keep one counter.
type window struct {
	limit  Limit
	stamps []time.Time // sliding: admitted calls, oldest first from head
	head   int
	start  time.Time // fixed: start of the current calendar-aligned window
	count  int       // fixed: calls admitted in it
}

// prune forgets what has left the window at now.
func (w *window) prune(now time.Time) {
	switch w.limit.Window {
	case Fixed:
		// Truncate counts from the zero time, which is midnight UTC, so a
		// 24h window resets at midnight UTC and a minute window on the minute.
		if start := now.Truncate(w.limit.Per); !start.Equal(w.start) {
			w.start, w.count = start, 0
		}
	default:
		cutoff := now.Add(-w.limit.Per)
		for w.head < len(w.stamps) && !w.stamps[w.head].After(cutoff) {
			w.head++
		}
		if w.head > 0 && w.head*2 >= len(w.stamps) {
			n := copy(w.stamps, w.stamps[w.head:])
			clear(w.stamps[n:])
			w.stamps, w.head = w.stamps[:n], 0
		}
	}
}

// used is the number of calls in the window after prune.
func (w *window) used() int {
	if w.limit.Window == Fixed {
		return w.count
	}
	return len(w.stamps) - w.head
}

// wait is how long from now until one more call fits.
func (w *window) wait(now time.Time) time.Duration {
	if w.used() < w.limit.Rate {
		return 0
	}
	return w.reset(now).Sub(now)
}

// reset is when the window next frees a slot: the end of a fixed window, or
// the moment the oldest call that keeps the window full leaves a sliding one.
func (w *window) reset(now time.Time) time.Time {
	if w.limit.Window == Fixed {
		return w.start.Add(w.limit.Per)
	}
	n := w.used()
	if n == 0 {
		return now.Add(w.limit.Per)
	}
	i := w.head
	if over := n - w.limit.Rate; over >= 0 {
		i += over
	}
	return w.stamps[i].Add(w.limit.Per)
}

func (w *window) add(now time.Time) {
	if w.limit.Window == Fixed {
		w.count++
		return
	}
	w.stamps = append(w.stamps, now)
}

// admit counts a call against every limit of windows, or against none of
// them when one is full: a refused call does not consume quota (HubSpot,
// lemlist and Apollo document the limits as calls accepted; a 429 that used
// up quota would lock a polite client out for ever). It returns the state
// for the vendor's headers and, when refused, how long until the call fits.
// The caller holds the Sim's lock.
func admit(windows []*window, now time.Time) (st LimitState, retryAfter time.Duration, ok bool) {
	st.All = make([]LimitUsage, len(windows))
	var broken *window
	for _, w := range windows {
		w.prune(now)
		if d := w.wait(now); d > 0 && (broken == nil || d > retryAfter) {
			broken, retryAfter = w, d
		}
	}
	if broken != nil {
		for i, w := range windows {
			st.All[i] = LimitUsage{Limit: w.limit, Remaining: max(0, w.limit.Rate-w.used()), Reset: w.reset(now)}
		}
		lim := broken.limit
		st.Limit, st.Remaining, st.Reset, st.Exceeded = lim, 0, now.Add(retryAfter), &lim
		return st, retryAfter, false
	}
	tightest := -1
	for i, w := range windows {
		w.add(now)
		left := w.limit.Rate - w.used()
		st.All[i] = LimitUsage{Limit: w.limit, Remaining: left, Reset: w.reset(now)}
		if tightest < 0 || left < st.All[tightest].Remaining {
			tightest = i
		}
	}
	if tightest >= 0 {
		u := st.All[tightest]
		st.Limit, st.Remaining, st.Reset = u.Limit, u.Remaining, u.Reset
	}
	return st, 0, true
}

// newWindows builds empty windows for limits.
func newWindows(limits []Limit) []*window {
	ws := make([]*window, len(limits))
	for i, l := range limits {
		ws[i] = &window{limit: l}
	}
	return ws
}

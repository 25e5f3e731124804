package vendorsim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"reflect"
	"sync"
	"time"
)

// maxRequestBody bounds what a fake reads of one request, so a runaway
// client cannot exhaust the simulator's memory.
const maxRequestBody = 8 << 20

// Options configure a Sim at start; knobs can change at run time.
type Options struct {
	// Seed makes latency and error injection repeatable for a given call order.
	Seed int64
	// Now is the clock of the rate windows (time.Now when nil).
	Now func() time.Time
	// Knobs per vendor name.
	Knobs map[string]Knobs
}

// Sim serves the fake vendors on one handler: each under "/"+Name(), the
// admin API under /_admin. It is safe for concurrent use.
type Sim struct {
	now     func() time.Time
	mux     *http.ServeMux
	vendors map[string]Vendor
	order   []string
	defs    map[string]map[string][]Limit // vendor -> bucket -> default limits
	buckets map[string]map[string]bool    // vendor -> buckets its routes use

	mu      sync.Mutex
	rng     *rand.Rand
	knobs   map[string]Knobs
	windows map[string][]*window // vendor+"\x00"+bucket
	c       Counters
	writes  writeSet
}

// New builds a simulator serving vendors. Invalid knobs in opts are a
// programming error and panic with the field named.
func New(opts Options, vendors ...Vendor) *Sim {
	s := &Sim{
		now:     opts.Now,
		mux:     http.NewServeMux(),
		vendors: make(map[string]Vendor),
		defs:    make(map[string]map[string][]Limit),
		buckets: make(map[string]map[string]bool),
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		knobs:   make(map[string]Knobs),
		windows: make(map[string][]*window),
		c:       newCounters(),
		writes:  newWriteSet(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, v := range vendors {
		name := v.Name()
		if _, dup := s.vendors[name]; dup {
			panic(fmt.Sprintf("vendorsim: vendor %q mounted twice", name))
		}
		s.vendors[name] = v
		s.order = append(s.order, name)
		s.defs[name] = v.Limits()
		s.buckets[name] = make(map[string]bool)
		for b := range s.defs[name] {
			s.buckets[name][b] = true
		}
		vmux := http.NewServeMux()
		v.Routes(&Router{sim: s, vendor: v, mux: vmux})
		s.mux.Handle("/"+name+"/", http.StripPrefix("/"+name, vmux))
	}
	s.mountAdmin()
	s.mountSink()
	for name, k := range opts.Knobs {
		if err := s.SetKnobs(name, k); err != nil {
			panic("vendorsim: " + err.Error())
		}
	}
	return s
}

// Handler serves every vendor and the admin API.
func (s *Sim) Handler() http.Handler { return s.mux }

// Vendors lists the mounted vendors' names in mount order.
func (s *Sim) Vendors() []string { return append([]string(nil), s.order...) }

// SetKnobs replaces one vendor's knobs. Changing a bucket's limits restarts
// its windows; other changes keep them, so a benchmark can add latency
// without resetting the quota it is measuring.
func (s *Sim) SetKnobs(vendor string, k Knobs) error {
	if _, ok := s.vendors[vendor]; !ok {
		return fmt.Errorf("unknown vendor %q", vendor)
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("knobs for %s: %w", vendor, err)
	}
	for b := range k.Limits {
		if !s.buckets[vendor][b] {
			return fmt.Errorf("knobs for %s: limits.%s: unknown bucket", vendor, b)
		}
	}
	k.Limits = maps.Clone(k.Limits)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.knobs[vendor]
	for b := range s.buckets[vendor] {
		if !reflect.DeepEqual(effective(old, s.defs[vendor], b), effective(k, s.defs[vendor], b)) {
			delete(s.windows, vendor+"\x00"+b)
		}
	}
	s.knobs[vendor] = k
	return nil
}

// Knobs returns one vendor's knobs with Limits holding the effective limits
// of every bucket, defaults included, so the result can be edited and set.
func (s *Sim) Knobs(vendor string) (Knobs, bool) {
	if _, ok := s.vendors[vendor]; !ok {
		return Knobs{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.knobs[vendor]
	k.Limits = make(map[string][]Limit, len(s.buckets[vendor]))
	for b := range s.buckets[vendor] {
		k.Limits[b] = append([]Limit{}, effective(s.knobs[vendor], s.defs[vendor], b)...)
	}
	return k, true
}

// effective is the limits of bucket under k.
func effective(k Knobs, defs map[string][]Limit, bucket string) []Limit {
	if ls, ok := k.Limits[bucket]; ok {
		return ls
	}
	return defs[bucket]
}

// Counters returns a copy of the counters.
func (s *Sim) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.clone()
}

// Reset clears counters, rate windows and duplicate tracking, and the data
// of every fake that implements Resetter. Knobs stay.
func (s *Sim) Reset() {
	s.mu.Lock()
	s.c = newCounters()
	s.windows = make(map[string][]*window)
	s.writes = newWriteSet()
	s.mu.Unlock()
	for _, name := range s.order {
		if r, ok := s.vendors[name].(Resetter); ok {
			r.Reset()
		}
	}
}

// handle registers a route of v. A bucket the vendor's Limits do not name
// is unlimited unless knobs give it limits.
func (s *Sim) handle(v Vendor, mux *http.ServeMux, pattern, bucket string, h http.HandlerFunc) {
	name := v.Name()
	key := name + " " + pattern
	s.buckets[name][bucket] = true // Routes runs inside New, before any request
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serve(v, key, bucket, h, w, r)
	})
}

// serve runs one call through the knobs, the vendor's auth check and the
// bucket's limits before its handler. Calls refused by an outage, an
// injected error or the auth check never reach the rate windows: the real
// vendors refuse those before metering.
func (s *Sim) serve(v Vendor, key, bucket string, h http.HandlerFunc, w http.ResponseWriter, r *http.Request) {
	name := v.Name()
	s.mu.Lock()
	s.c.Calls[key]++
	k := s.knobs[name]
	outage := k.Outage
	var delay time.Duration
	var status int
	if !outage {
		delay = k.latency(s.rng)
		status = k.injectError(s.rng)
	}
	if outage || status != 0 {
		s.c.ErrorsInjected[name]++
	}
	s.mu.Unlock()

	if outage {
		v.ServerError(w, http.StatusServiceUnavailable)
		return
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up; nobody reads an answer
		}
	}
	if status != 0 {
		v.ServerError(w, status)
		return
	}
	if !v.Authenticate(r) {
		s.mu.Lock()
		s.c.Unauthorized[name]++
		s.mu.Unlock()
		v.Unauthorized(w, r)
		return
	}

	s.mu.Lock()
	wkey := name + "\x00" + bucket
	ws, ok := s.windows[wkey]
	if !ok {
		ws = newWindows(effective(s.knobs[name], s.defs[name], bucket))
		s.windows[wkey] = ws
	}
	st, retryAfter, admitted := admit(ws, s.now())
	if !admitted {
		s.c.RateLimited[name]++
	}
	s.mu.Unlock()

	if !admitted {
		v.TooManyRequests(w, bucket, st, retryAfter)
		return
	}
	v.RateHeaders(w, bucket, st)
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	h(w, r)
}

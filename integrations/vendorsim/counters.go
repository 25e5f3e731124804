package vendorsim

import "maps"

// Counters are what the simulator saw, for tests and the admin API.
type Counters struct {
	// Calls per vendor and route pattern, e.g.
	// "hubspot POST /crm/v3/objects/contacts/batch/upsert"; every call
	// counts, refused ones too.
	Calls map[string]int64 `json:"calls"`
	// RateLimited is the 429s served per vendor.
	RateLimited map[string]int64 `json:"rate_limited"`
	// Unauthorized is the 401s (or the vendor's equivalent) per vendor.
	Unauthorized map[string]int64 `json:"unauthorized"`
	// ErrorsInjected is the server errors served by the error-rate and
	// outage knobs per vendor.
	ErrorsInjected map[string]int64 `json:"errors_injected"`
	// DuplicateWrites per vendor and write kind: the same lead added twice,
	// the same contact created twice.
	DuplicateWrites map[string]map[string]int64 `json:"duplicate_writes"`
}

func newCounters() Counters {
	return Counters{
		Calls:           make(map[string]int64),
		RateLimited:     make(map[string]int64),
		Unauthorized:    make(map[string]int64),
		ErrorsInjected:  make(map[string]int64),
		DuplicateWrites: make(map[string]map[string]int64),
	}
}

func (c Counters) clone() Counters {
	out := Counters{
		Calls:           maps.Clone(c.Calls),
		RateLimited:     maps.Clone(c.RateLimited),
		Unauthorized:    maps.Clone(c.Unauthorized),
		ErrorsInjected:  maps.Clone(c.ErrorsInjected),
		DuplicateWrites: make(map[string]map[string]int64, len(c.DuplicateWrites)),
	}
	for v, m := range c.DuplicateWrites {
		out.DuplicateWrites[v] = maps.Clone(m)
	}
	return out
}

// maxTrackedWrites bounds the memory of duplicate tracking. Past it, new
// keys are no longer remembered (a repeat of one of them goes uncounted);
// at a few dozen bytes a key that is far more writes than any test or
// benchmark makes between resets.
const maxTrackedWrites = 1 << 20

// writeSet remembers the writes seen per vendor, kind and key.
type writeSet struct {
	seen map[string]struct{} // vendor+"\x00"+kind+"\x00"+key
}

func newWriteSet() writeSet { return writeSet{seen: make(map[string]struct{})} }

func (s *Sim) recordWrite(vendor, kind, key string) bool {
	k := vendor + "\x00" + kind + "\x00" + key
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.writes.seen[k]; dup {
		m := s.c.DuplicateWrites[vendor]
		if m == nil {
			m = make(map[string]int64)
			s.c.DuplicateWrites[vendor] = m
		}
		m[kind]++
		return true
	}
	if len(s.writes.seen) < maxTrackedWrites {
		s.writes.seen[k] = struct{}{}
	}
	return false
}

package vendorsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxSinkBody bounds a webhook delivered to the sink.
const maxSinkBody = 1 << 20

// sinkVendor is the name the sink's counters go under.
const sinkVendor = "sink"

// mountSink serves a webhook receiver that honours Idempotency-Key, for
// the http_webhook workflow action and its crash tests:
//
//	POST /_sink/{name}[?delay_ms=N]   body {"id": "..."} with an Idempotency-Key header
//
// delay_ms (at most 1000) holds the answer, so a crash test can kill a
// worker while its calls are in flight.
// A key seen before is a replay: answered again, written once. A new key
// is a write, recorded under the body's id: the same id written under a
// second key counts in DuplicateWrites["sink"][name], which is what a
// caller retrying without a stable key would cause.
func (s *Sim) mountSink() {
	s.mux.HandleFunc("POST /_sink/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		s.count(sinkVendor + " POST /_sink/" + name)
		body, err := io.ReadAll(io.LimitReader(r.Body, maxSinkBody+1))
		var msg struct {
			ID string `json:"id"`
		}
		if err == nil && len(body) <= maxSinkBody {
			err = json.Unmarshal(body, &msg)
		}
		if err != nil || len(body) > maxSinkBody || msg.ID == "" {
			adminError(w, http.StatusBadRequest, `want a JSON body {"id": ...} of at most 1 MiB`)
			return
		}
		if d, err := strconv.Atoi(r.URL.Query().Get("delay_ms")); err == nil && d > 0 {
			select {
			case <-time.After(time.Duration(min(d, 1000)) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		key := r.Header.Get("Idempotency-Key")
		replay := key != "" && s.seenSinkKey(name, key)
		if !replay {
			s.recordWrite(sinkVendor, name, msg.ID)
		}
		writeAdmin(w, http.StatusOK, map[string]any{"id": msg.ID, "replay": replay})
	})
}

// seenSinkKey records key for name and reports whether it was there.
func (s *Sim) seenSinkKey(name, key string) bool {
	k := sinkVendor + "\x00key\x00" + name + "\x00" + key
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.writes.seen[k]; ok {
		return true
	}
	if len(s.writes.seen) < maxTrackedWrites {
		s.writes.seen[k] = struct{}{}
	}
	return false
}

// count adds a call to the counters.
func (s *Sim) count(route string) {
	s.mu.Lock()
	s.c.Calls[route]++
	s.mu.Unlock()
}

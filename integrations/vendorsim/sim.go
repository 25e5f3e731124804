package vendorsim

import "net/http"

// Sim serves the fake vendors. Owned by the framework implementer: New,
// Options, Handler, knobs, counters and the /_admin endpoint live here.
type Sim struct{}

func (s *Sim) handle(v Vendor, mux *http.ServeMux, pattern, bucket string, h http.HandlerFunc) {
	panic("not implemented")
}

func (s *Sim) recordWrite(vendor, kind, key string) bool { panic("not implemented") }

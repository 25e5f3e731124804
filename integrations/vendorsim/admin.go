package vendorsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxKnobsBody bounds a PUT of knobs; real ones are a few hundred bytes.
const maxKnobsBody = 64 << 10

// mountAdmin serves the admin API:
//
//	GET  /_admin/counters         Counters
//	GET  /_admin/knobs            {vendor: Knobs} with effective limits
//	GET  /_admin/knobs/{vendor}   Knobs
//	PUT  /_admin/knobs/{vendor}   replace a vendor's knobs (400 names the bad field)
//	POST /_admin/reset            clear counters, windows, duplicates and fake data
//
// plus what a fake adds of its own (adminMounter), such as lemlist's
// POST /_admin/lemlist/activities.
func (s *Sim) mountAdmin() {
	for _, name := range s.order {
		if m, ok := s.vendors[name].(adminMounter); ok {
			m.mountAdmin(s.mux)
		}
	}
	s.mux.HandleFunc("GET /_admin/counters", func(w http.ResponseWriter, r *http.Request) {
		writeAdmin(w, http.StatusOK, s.Counters())
	})
	s.mux.HandleFunc("GET /_admin/knobs", func(w http.ResponseWriter, r *http.Request) {
		all := make(map[string]Knobs, len(s.order))
		for _, name := range s.order {
			all[name], _ = s.Knobs(name)
		}
		writeAdmin(w, http.StatusOK, all)
	})
	s.mux.HandleFunc("GET /_admin/knobs/{vendor}", func(w http.ResponseWriter, r *http.Request) {
		k, ok := s.Knobs(r.PathValue("vendor"))
		if !ok {
			adminError(w, http.StatusNotFound, "unknown vendor "+r.PathValue("vendor"))
			return
		}
		writeAdmin(w, http.StatusOK, k)
	})
	s.mux.HandleFunc("PUT /_admin/knobs/{vendor}", s.putKnobs)
	s.mux.HandleFunc("POST /_admin/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
}

// adminMounter is a fake with admin routes of its own.
type adminMounter interface {
	mountAdmin(mux *http.ServeMux)
}

func (s *Sim) putKnobs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("vendor")
	if _, ok := s.vendors[name]; !ok {
		adminError(w, http.StatusNotFound, "unknown vendor "+name)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxKnobsBody+1))
	if err != nil {
		adminError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if len(body) > maxKnobsBody {
		adminError(w, http.StatusRequestEntityTooLarge, "body over 64 KiB")
		return
	}
	// Decoded into the wire form directly: DisallowUnknownFields does not
	// reach into a custom UnmarshalJSON, and a misspelt knob must not be
	// silently ignored.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var j knobsJSON
	if err := dec.Decode(&j); err != nil {
		adminError(w, http.StatusBadRequest, jsonFieldError(err))
		return
	}
	k, err := j.knobs()
	if err == nil {
		err = s.SetKnobs(name, k)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "knobs for "+name+": "))
		return
	}
	k, _ = s.Knobs(name)
	writeAdmin(w, http.StatusOK, k)
}

// jsonFieldError names the offending field of a decoding error when the
// decoder knows it.
func jsonFieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field + ": must be " + te.Type.String()
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`) + ": unknown field"
	}
	return "invalid JSON: " + err.Error()
}

func writeAdmin(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeAdmin(w, status, map[string]string{"error": msg})
}

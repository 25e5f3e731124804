package vendorsim

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// hsMaxBatch is HubSpot's cap on inputs per CRM object batch call.
const hsMaxBatch = 100

// Routes mounts both path families: /crm/v3/objects + /crm/v4/associations
// and, per date version, /crm/objects/{version} + /crm/associations/{version}.
// Search has its own bucket; everything else counts in "default". GDPR
// delete exists for contacts only.
func (h *HubSpot) Routes(r *Router) {
	h.router = r
	objects := []string{"/crm/v3/objects"}
	assocs := []string{"/crm/v4/associations"}
	for _, v := range h.versions {
		objects = append(objects, "/crm/objects/"+v)
		assocs = append(assocs, "/crm/associations/"+v)
	}
	for _, p := range objects {
		for _, kind := range []string{"contacts", "companies"} {
			base := p + "/" + kind
			r.Handle("POST "+base+"/batch/upsert", "default", h.kindHandler(kind, h.batchUpsert))
			r.Handle("POST "+base+"/batch/create", "default", h.kindHandler(kind, h.batchCreate))
			r.Handle("POST "+base+"/batch/update", "default", h.kindHandler(kind, h.batchUpdate))
			r.Handle("POST "+base+"/batch/read", "default", h.kindHandler(kind, h.batchRead))
			r.Handle("POST "+base+"/search", "search", h.kindHandler(kind, h.search))
			r.Handle("POST "+base, "default", h.kindHandler(kind, h.createOne))
			r.Handle("GET "+base+"/{id}", "default", h.kindHandler(kind, h.readOne))
		}
		r.Handle("POST "+p+"/contacts/gdpr-delete", "default", h.gdprDelete)
	}
	for _, p := range assocs {
		r.Handle("POST "+p+"/{from}/{to}/batch/associate/default", "default", h.associateDefault)
		r.Handle("POST "+p+"/{from}/{to}/batch/read", "default", h.associationsRead)
	}
}

func (h *HubSpot) kindHandler(kind string, f func(kind string, w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { f(kind, w, r) }
}

// decode reads a JSON body strictly, as HubSpot's Jackson does: a wrong
// content type is 415, an unknown field or malformed JSON a 400
// VALIDATION_ERROR.
func (h *HubSpot) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		h.writeError(w, http.StatusUnsupportedMediaType, hsError{Category: "VALIDATION_ERROR", Message: "Content type '" + r.Header.Get("Content-Type") + "' not supported"})
		return false
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, e := dec.Token(); !errors.Is(e, io.EOF) {
			err = errors.New("trailing data after the JSON body")
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.writeError(w, http.StatusRequestEntityTooLarge, hsError{Category: "VALIDATION_ERROR", Message: "Request body too large"})
			return false
		}
		h.validation(w, "Invalid input JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	return true
}

// hsBatchResponse is BatchResponseSimplePublicObject (and its upsert and
// 207 variants).
type hsBatchResponse struct {
	Status      string         `json:"status"`
	Results     []hsObjectJSON `json:"results"`
	NumErrors   int            `json:"numErrors,omitempty"`
	Errors      []hsError      `json:"errors,omitempty"`
	RequestedAt string         `json:"requestedAt,omitempty"`
	StartedAt   string         `json:"startedAt"`
	CompletedAt string         `json:"completedAt"`
}

// writeBatch answers ok (200 or 201) or 207 when some inputs failed.
func (h *HubSpot) writeBatch(w http.ResponseWriter, ok int, started time.Time, results []hsObjectJSON, errs []hsError) {
	if results == nil {
		results = []hsObjectJSON{}
	}
	resp := hsBatchResponse{Status: "COMPLETE", Results: results, StartedAt: hsTime(started), CompletedAt: hsTime(time.Now())}
	status := ok
	if len(errs) > 0 {
		for i := range errs {
			errs[i].Status = "error"
		}
		resp.NumErrors, resp.Errors, status = len(errs), errs, http.StatusMultiStatus
	}
	h.writeJSON(w, status, resp)
}

// tooMany refuses a batch over the cap the way HubSpot does.
func (h *HubSpot) tooMany(w http.ResponseWriter, n, limit int) bool {
	if n <= limit {
		return false
	}
	h.validation(w, "Too many inputs: %d. The maximum number of inputs per batch is %d.", n, limit)
	return true
}

// inputError is one failed input of a 207, keyed so a client can find it.
func inputError(category, msg, id, trace string) hsError {
	e := hsError{Category: category, Message: msg, Context: map[string][]string{}}
	if id != "" {
		e.Context["ids"] = []string{id}
	}
	if trace != "" {
		e.Context["objectWriteTraceId"] = []string{trace}
	}
	return e
}

func hsObjectName(kind string) string {
	if kind == "companies" {
		return "COMPANY"
	}
	return "CONTACT"
}

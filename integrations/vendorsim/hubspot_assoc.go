package vendorsim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Association caps: 2,000 inputs per batch associate, 1,000 per batch read
// (since 2025-02-10).
const (
	hsMaxAssociate  = 2000
	hsMaxAssocRead  = 1000
	hsContactToComp = 279 // unlabeled contact→company, HUBSPOT_DEFINED
	hsCompToContact = 280
)

// hsKind maps the object type names and ids HubSpot accepts in paths.
func hsKind(s string) string {
	switch strings.ToLower(s) {
	case "contacts", "contact", "0-1":
		return "contacts"
	case "companies", "company", "0-2":
		return "companies"
	}
	return ""
}

func hsTypeID(from string) int {
	if from == "contacts" {
		return hsContactToComp
	}
	return hsCompToContact
}

// associateLocked links two objects both ways; the caller holds h.mu.
func (h *HubSpot) associateLocked(from, fromID, toID string) {
	link := func(a, b string) {
		if h.assoc[a] == nil {
			h.assoc[a] = make(map[string]bool)
		}
		h.assoc[a][b] = true
	}
	to := hsOther(from)
	link(from+"/"+fromID, to+"/"+toID)
	link(to+"/"+toID, from+"/"+fromID)
}

// pair resolves the {from}/{to} path values, answering 400 for others.
func (h *HubSpot) pair(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	from, to := hsKind(r.PathValue("from")), hsKind(r.PathValue("to"))
	if from == "" || to == "" || from == to {
		h.validation(w, "Unsupported association from %s to %s", r.PathValue("from"), r.PathValue("to"))
		return "", "", false
	}
	return from, to, true
}

type hsRef struct {
	ID string `json:"id"`
}

// associateDefault is POST .../{from}/{to}/batch/associate/default:
// idempotent, missing objects reported per input in a 207.
func (h *HubSpot) associateDefault(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	from, to, ok := h.pair(w, r)
	if !ok {
		return
	}
	var body struct {
		Inputs []struct {
			From hsRef `json:"from"`
			To   hsRef `json:"to"`
		} `json:"inputs"`
	}
	if !h.decode(w, r, &body) || h.tooMany(w, len(body.Inputs), hsMaxAssociate) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	results := []map[string]any{}
	var errs []hsError
	for _, in := range body.Inputs {
		var missing []string
		if h.objects[from].objs[in.From.ID] == nil {
			missing = append(missing, in.From.ID)
		}
		if h.objects[to].objs[in.To.ID] == nil {
			missing = append(missing, in.To.ID)
		}
		if missing != nil {
			errs = append(errs, hsError{Status: "error", Category: "OBJECT_NOT_FOUND",
				Message: fmt.Sprintf("Could not find objects to associate: %s", strings.Join(missing, ", ")),
				Context: map[string][]string{"ids": missing, "fromObjectId": {in.From.ID}, "toObjectId": {in.To.ID}}})
			continue
		}
		h.associateLocked(from, in.From.ID, in.To.ID)
		results = append(results, map[string]any{"from": in.From, "to": in.To,
			"associationSpec": hsAssocSpec{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: hsTypeID(from)}})
	}
	h.writeAssoc(w, started, results, errs)
}

// associationsRead is POST .../{from}/{to}/batch/read: the linked ids per
// input, and a NO_ASSOCIATIONS_FOUND error for inputs with none.
func (h *HubSpot) associationsRead(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	from, to, ok := h.pair(w, r)
	if !ok {
		return
	}
	var body struct {
		Inputs []hsRef `json:"inputs"`
	}
	if !h.decode(w, r, &body) || h.tooMany(w, len(body.Inputs), hsMaxAssocRead) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	results := []map[string]any{}
	var errs []hsError
	for _, in := range body.Inputs {
		var targets []map[string]any
		for _, key := range slices.Sorted(maps.Keys(h.assoc[from+"/"+in.ID])) {
			id, ok := strings.CutPrefix(key, to+"/")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(id, 10, 64)
			targets = append(targets, map[string]any{"toObjectId": n, "associationTypes": []map[string]any{
				{"category": "HUBSPOT_DEFINED", "typeId": hsTypeID(from), "label": nil}}})
		}
		if targets == nil {
			errs = append(errs, hsError{Status: "error", Category: "OBJECT_NOT_FOUND", SubCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
				Message: fmt.Sprintf("No %s is associated with %s %s.", to, strings.TrimSuffix(from, "s"), in.ID),
				Context: map[string][]string{"fromObjectId": {in.ID}}})
			continue
		}
		results = append(results, map[string]any{"from": in, "to": targets})
	}
	h.writeAssoc(w, started, results, errs)
}

func (h *HubSpot) writeAssoc(w http.ResponseWriter, started time.Time, results []map[string]any, errs []hsError) {
	resp := map[string]any{"status": "COMPLETE", "results": results, "startedAt": hsTime(started), "completedAt": hsTime(time.Now())}
	status := http.StatusOK
	if len(errs) > 0 {
		resp["numErrors"], resp["errors"], status = len(errs), errs, http.StatusMultiStatus
	}
	h.writeJSON(w, status, resp)
}

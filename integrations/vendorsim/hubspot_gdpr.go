package vendorsim

import (
	"net/http"
	"strings"
)

// gdprDelete is POST .../contacts/gdpr-delete {"objectId", "idProperty"}:
// the contact, found by id or by a unique property's value (idProperty,
// e.g. "email"), is deleted for good with its associations, so a later
// read of it is a 404; the answer is 204 without a body. An unknown
// contact is a 404 in HubSpot's error shape, a missing objectId or an
// idProperty that is not unique a 400.
func (h *HubSpot) gdprDelete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ObjectID   string `json:"objectId"`
		IDProperty string `json:"idProperty"`
	}
	if !h.decode(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.ObjectID) == "" {
		h.validation(w, "objectId is required")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects["contacts"]
	if !store.isUnique(body.IDProperty) {
		h.validation(w, "%s is not a unique identifier property for contacts", body.IDProperty)
		return
	}
	o := store.lookup(body.IDProperty, body.ObjectID)
	if o == nil {
		h.writeError(w, http.StatusNotFound, hsError{Category: "OBJECT_NOT_FOUND", Message: "Object not found.  objectId are usually numeric."})
		return
	}
	store.remove(o)
	h.dissociateLocked("contacts", o.id)
	w.WriteHeader(http.StatusNoContent)
}

// remove forgets o and its unique values.
func (s *hsStore) remove(o *hsObject) {
	for prop, idx := range s.unique {
		if v, ok := o.props[prop]; ok && idx[strings.ToLower(v)] == o.id {
			delete(idx, strings.ToLower(v))
		}
	}
	delete(s.objs, o.id)
}

// dissociateLocked removes every association of the object id of kind,
// both ways; the caller holds h.mu.
func (h *HubSpot) dissociateLocked(kind, id string) {
	self := kind + "/" + id
	for other := range h.assoc[self] {
		delete(h.assoc[other], self)
		if len(h.assoc[other]) == 0 {
			delete(h.assoc, other)
		}
	}
	delete(h.assoc, self)
}

package api

// Parameter and body types shared by the list and partial-update routes.

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/rtgs/sales-automation/internal/store"
)

// SortParams order a list by creation time, either way.
type SortParams struct {
	Sort string `query:"sort" enum:"created_at,-created_at" default:"created_at" doc:"created_at (oldest first) or -created_at (newest first)."`
}

// sortedCursor is a position in a sorted list. It carries the sort it was
// made for, so a cursor from one order is refused by the other instead of
// silently skipping or repeating rows.
type sortedCursor struct {
	S string    `json:"s"`
	T time.Time `json:"t"`
	I uuid.UUID `json:"i"`
}

// page reads the sort and cursor into a store page one row longer than the
// limit, the extra row telling whether there is a next page.
func (sp SortParams) page(p PageParams) (store.ListPage, error) {
	lp := store.ListPage{Desc: sp.Sort == "-created_at", Limit: p.Limit + 1}
	if p.Cursor == "" {
		return lp, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	var c sortedCursor
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.I == uuid.Nil || c.T.IsZero() || c.S != sp.Sort {
		return store.ListPage{}, badCursor(p.Cursor)
	}
	lp.After = &store.Cursor{CreatedAt: c.T, ID: c.I}
	return lp, nil
}

// next encodes the cursor after the row (t, id).
func (sp SortParams) next(t time.Time, id uuid.UUID) string {
	raw, _ := json.Marshal(sortedCursor{S: sp.Sort, T: t, I: id})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// OptionalParam is a query parameter whose absence differs from its zero
// value (min_score=0 still leaves unscored contacts out).
type OptionalParam[T any] struct {
	Value T
	IsSet bool
}

// Receiver lets huma parse the parameter into Value.
func (o *OptionalParam[T]) Receiver() reflect.Value { return reflect.ValueOf(o).Elem().Field(0) }

// Schema is T's schema: the parameter is a T on the wire.
func (o OptionalParam[T]) Schema(r huma.Registry) *huma.Schema {
	return huma.SchemaFromType(r, reflect.TypeFor[T]())
}

// OnParamSet records whether the request carried the parameter.
func (o *OptionalParam[T]) OnParamSet(isSet bool, _ any) { o.IsSet = isSet }

func (o OptionalParam[T]) ptr() *T {
	if !o.IsSet {
		return nil
	}
	return &o.Value
}

// Nullable is a body field of a partial update that tells absent (keep),
// null (clear) and a value apart, which a pointer cannot.
type Nullable[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON runs only when the field is present, null included.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// Schema is T's schema, also admitting null.
func (n Nullable[T]) Schema(r huma.Registry) *huma.Schema {
	s := *huma.SchemaFromType(r, reflect.TypeFor[T]())
	s.Nullable = true
	return &s
}

// orZero is nil when the field was absent, T's zero value when it was
// null, and the value otherwise: how a merge patch clears a plain field.
func (n Nullable[T]) orZero() *T {
	switch {
	case !n.Set:
		return nil
	case n.Null:
		var zero T
		return &zero
	}
	return &n.Value
}

func (n Nullable[T]) ptr() *T {
	if !n.Set || n.Null {
		return nil
	}
	return &n.Value
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

package obs

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
)

// NewRedactingHandler wraps inner so that no PII or credential reaches it in
// clear text: the message, every attr key and string value, groups at any
// depth, and values of kind Any (errors, Stringers, maps, slices, structs,
// after resolving LogValuers) pass through Redact. Attrs whose key names a
// credential (password, token, authorization, api_key, cookie, csrf, ...)
// have their whole value, of any kind, replaced by "[REDACTED]", as do all
// attrs inside a group so named. Other numbers, bools, durations and times
// are left alone, and so are the time, level and source the inner handler
// adds. Maps, slices and structs are rendered through JSON and logged as the
// redacted JSON tree (object keys in sorted order).
func NewRedactingHandler(inner slog.Handler) slog.Handler {
	return &redactingHandler{inner: inner}
}

type redactingHandler struct {
	inner slog.Handler
	// secret is set under a WithGroup whose name is a credential.
	secret bool
}

func (h *redactingHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	// The record's attrs may share storage with the caller's, so build a new
	// record rather than rewriting them in place.
	out := slog.NewRecord(r.Time, r.Level, Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a, h.secret))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = redactAttr(a, h.secret)
	}
	return &redactingHandler{inner: h.inner.WithAttrs(out), secret: h.secret}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &redactingHandler{
		inner:  h.inner.WithGroup(Redact(name)),
		secret: h.secret || isCredentialKey(name),
	}
}

// redactAttr returns a with its key and value redacted; secret says a
// credential-named group encloses it.
func redactAttr(a slog.Attr, secret bool) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		// Handlers drop an empty attr; keep it empty.
		return a
	}
	secret = secret || isCredentialKey(a.Key)
	a.Key = Redact(a.Key)
	if secret {
		a.Value = slog.StringValue(redacted)
		return a
	}
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(Redact(a.Value.String()))
	case slog.KindGroup:
		group := a.Value.Group()
		out := make([]slog.Attr, len(group))
		for i, g := range group {
			out[i] = redactAttr(g, false)
		}
		a.Value = slog.GroupValue(out...)
	case slog.KindAny:
		a.Value = redactAny(a.Value.Any())
	}
	return a
}

// redactAny renders a value of kind Any the way the JSON handler would, and
// redacts what it rendered.
func redactAny(v any) (out slog.Value) {
	defer func() {
		// slog's own handlers print a panicking Error or String method, or
		// a nil pointer receiver, instead of crashing; so does this one.
		if r := recover(); r != nil {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				out = slog.StringValue("<nil>")
				return
			}
			out = slog.StringValue(Redact(fmt.Sprintf("!PANIC: %v", r)))
		}
	}()
	switch x := v.(type) {
	case nil:
		return slog.AnyValue(nil)
	case error:
		return slog.StringValue(Redact(x.Error()))
	case json.Marshaler, encoding.TextMarshaler:
		// Their own encoding is what the JSON handler would print.
		return redactJSON(v)
	case fmt.Stringer:
		// String may be how a type hides its fields; JSON would expose them.
		return slog.StringValue(Redact(x.String()))
	case []byte:
		// Encoded as base64 otherwise: unreadable, yet not redacted.
		return slog.StringValue(Redact(string(x)))
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.String:
		return slog.StringValue(Redact(reflect.ValueOf(v).String()))
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return slog.AnyValue(v)
	}
	return redactJSON(v)
}

// redactJSON encodes v as JSON, redacts every string, object key and
// credential-named member in the decoded tree, and returns the tree, so the
// line keeps its structure. What JSON cannot encode is printed with %+v and
// redacted as a string.
func redactJSON(v any) slog.Value {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return slog.StringValue(Redact(fmt.Sprintf("%+v", v)))
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber() // keeps large integers exact
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return slog.StringValue(Redact(buf.String()))
	}
	return slog.AnyValue(redactTree(tree, false))
}

// redactTree redacts a tree decoded from JSON in place and returns it;
// secret says a credential-named member encloses it.
func redactTree(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[Redact(k)] = redactTree(val, secret || isCredentialKey(k))
		}
		return out
	case []any:
		for i := range x {
			x[i] = redactTree(x[i], secret)
		}
		return x
	case nil:
		return nil
	}
	if secret {
		return redacted
	}
	if s, ok := v.(string); ok {
		return Redact(s)
	}
	return v
}

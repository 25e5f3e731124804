package campaigns

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A NUL anywhere in the event is refused with its path: Postgres cannot
// store it, and the delivery must get a 400, not a 500.
func TestLemlistEventNul(t *testing.T) {
	for body, field := range map[string]string{
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","subject":"x\u0000"}`:                     "subject",
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","to":[{"address":"a","name":"N\u0000"}]}`: "to[0].name",
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","k\u0000":1}`:                             `"k\x00"`,
	} {
		_, err := ParseLemlistEvent([]byte(body))
		ee, ok := err.(*EventError)
		if !ok || ee.Field != field {
			t.Errorf("%s: %v, want an EventError at %s", body, err, field)
		}
	}
	if _, err := ParseLemlistEvent([]byte(`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","subject":"a\\u0000"}`)); err != nil {
		t.Errorf("an escaped backslash before u0000 is text, not NUL: %v", err)
	}
}

// FuzzWebhookBody: the parser never panics, refuses with an *EventError,
// and what it accepts has an id, a type, a date, and a payload that is a
// JSON object without the secret.
func FuzzWebhookBody(f *testing.F) {
	for _, s := range []string{
		`{"_id":"act_1","type":"emailsReplied","createdAt":"2026-05-11T09:00:00Z","campaignId":"cam_1","leadId":"lea_1","sequenceStep":1,"secret":"s"}`,
		`{"_id":"act_1","type":"emailsSent","createdAt":1715418000}`,
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","sequenceStep":1e3}`,
		`[]`, `null`, `{"_id":5}`, `{"_id":"a"} x`, "",
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","to":[{"name":"N\u0000"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseLemlistEvent(body)
		if err != nil {
			if _, ok := err.(*EventError); !ok {
				t.Fatalf("error %T %v, want *EventError", err, err)
			}
			return
		}
		if ev.ID == "" || ev.Type == "" || ev.CreatedAt.IsZero() {
			t.Fatalf("accepted %q with %+v", body, ev)
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(ev.Payload, &m) != nil || m == nil {
			t.Fatalf("payload %q is not an object", ev.Payload)
		}
		if _, ok := m["secret"]; ok {
			t.Fatalf("payload keeps the secret")
		}
		var decoded any
		if json.Unmarshal(ev.Payload, &decoded) != nil || strings.ContainsRune(fmt.Sprint(decoded), 0) {
			t.Fatalf("accepted a payload holding NUL, which Postgres cannot store: %q", ev.Payload)
		}
	})
}

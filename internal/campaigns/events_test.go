package campaigns

import (
	"encoding/json"
	"testing"
)

// FuzzWebhookBody: the parser never panics, refuses with an *EventError,
// and what it accepts has an id, a type, a date, and a payload that is a
// JSON object without the secret.
func FuzzWebhookBody(f *testing.F) {
	for _, s := range []string{
		`{"_id":"act_1","type":"emailsReplied","createdAt":"2026-05-11T09:00:00Z","campaignId":"cam_1","leadId":"lea_1","sequenceStep":1,"secret":"s"}`,
		`{"_id":"act_1","type":"emailsSent","createdAt":1715418000}`,
		`{"_id":"a","type":"x","createdAt":"2026-05-11T09:00:00Z","sequenceStep":1e3}`,
		`[]`, `null`, `{"_id":5}`, `{"_id":"a"} x`, "",
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
	})
}

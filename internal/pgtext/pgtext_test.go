package pgtext

import "testing"

func TestFindInJSON(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":"x\u0000"}`:                          "a",
		`{"to":[{"address":"a","name":"\u0000"}]}`: "to[0].name",
		`{"k\u0000":1}`:                            `"k\x00"`,
		`["ok","\u0000"]`:                          "[1]",
		`"\u0000"`:                                 "",
	} {
		if p, ok := FindInJSON([]byte(doc)); !ok || p != want {
			t.Errorf("%s: %q, %v; want %q", doc, p, ok, want)
		}
	}
	for _, doc := range []string{`{"a":"x\\u0000"}`, `{"a":"plain"}`, `{"a":"\u0000"`, ``} {
		if p, ok := FindInJSON([]byte(doc)); ok {
			t.Errorf("%s: found %q, want nothing", doc, p)
		}
	}
}

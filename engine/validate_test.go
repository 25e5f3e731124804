package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
)

// The broken workflow's diagnostics are the ones in testdata/broken.golden,
// which the CLI and the API tests hold their answers to as well.
func TestValidate(t *testing.T) {
	t.Parallel()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/broken.golden")
	if err != nil {
		t.Fatal(err)
	}
	v := engine.Validate("broken.yaml", data, cat)
	var got strings.Builder
	for _, d := range v.Diagnostics {
		got.WriteString(d.Text + "\n")
	}
	if v.Valid || got.String() != string(want) {
		t.Errorf("valid = %v, diagnostics:\n%s\nwant:\n%s", v.Valid, got.String(), want)
	}

	ok, err := os.ReadFile("../workflows/enrich-and-sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v = engine.Validate("enrich-and-sync.yaml", ok, cat)
	if !v.Valid || v.Name != "enrich-and-sync" || v.Version != 1 || len(v.Hash) != 64 ||
		strings.Join(v.Order, ",") != "enrich,score,sync" || len(v.Diagnostics) != 0 {
		t.Errorf("enrich-and-sync = %+v, want valid with its plan", v)
	}
}

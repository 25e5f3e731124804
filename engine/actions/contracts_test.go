package actions_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/engine/spec"
)

func TestBuiltinContracts(t *testing.T) {
	t.Parallel()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ai_generate", "create_icp_profile", "enrich_contacts", "enroll_in_campaign",
		"execute_company_search", "find_contacts", "http_webhook", "score_contacts", "sync_to_crm"}
	if got := cat.Names(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
}

// Every workflow of the shipped library validates against the contracts.
func TestLibraryValidates(t *testing.T) {
	t.Parallel()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../workflows/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("library has %d workflows, want at least 4", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		def, diags := spec.Load(filepath.Base(f), data, spec.Limits{}, cat)
		if len(diags) > 0 {
			t.Errorf("%s:\n%s", f, diags.Error())
			continue
		}
		if name := strings.TrimSuffix(filepath.Base(f), ".yaml"); def.Name != name {
			t.Errorf("%s is named %q, want the file's name", f, def.Name)
		}
	}
}

// A step whose literal inputs break the action's contract is refused
// with the input named.
func TestContractsRefuseBadInputs(t *testing.T) {
	t.Parallel()
	cat, err := actions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	doc := `workflow:
  metadata: {name: bad}
  steps:
    - id: ask
      action: ai_generate
      inputs: {prompt: "", max_tokens: 100000, temperature: 2}
    - id: hook
      action: http_webhook
      inputs: {url: "ftp://example.com", method: TRACE}
`
	_, diags := spec.Load("bad.yaml", []byte(doc), spec.Limits{}, cat)
	got := diags.Error()
	for _, want := range []string{"[ask] input prompt", "[ask] input max_tokens", "temperature", "[hook] input url", "[hook] input method"} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

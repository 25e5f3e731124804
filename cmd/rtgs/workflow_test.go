package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runRTGS(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) (string, bool) { return "", false }, &out, &errb)
	return out.String(), err
}

// The CLI prints the diagnostics POST /api/v1/workflows/validate returns:
// both are held to engine/testdata/broken.golden.
func TestWorkflowValidate(t *testing.T) {
	t.Parallel()
	out, err := runRTGS(t, "workflow", "validate", "../../engine/testdata/broken.yaml")
	want, rerr := os.ReadFile("../../engine/testdata/broken.golden")
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !errors.Is(err, errInvalid) || out != string(want) {
		t.Errorf("err = %v, output:\n%s\nwant:\n%s", err, out, want)
	}

	files, _ := filepath.Glob("../../workflows/*.yaml")
	out, err = runRTGS(t, append([]string{"workflow", "validate"}, files...)...)
	if err != nil || strings.Count(out, ": ok (") != len(files) || len(files) < 4 {
		t.Errorf("library: err = %v, output:\n%s", err, out)
	}

	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#"), 10<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runRTGS(t, "workflow", "validate", big); !errors.Is(err, errInvalid) || !strings.Contains(out, "larger than") {
		t.Errorf("10 MB file: err = %v, output %q; want it refused by size", err, out)
	}
	if _, err := runRTGS(t, "workflow", "validate"); !errors.Is(err, errUsage) {
		t.Errorf("no file: err = %v, want a usage error", err)
	}
	if _, err := runRTGS(t, "workflow", "validate", "no-such-file.yaml"); err == nil || errors.Is(err, errInvalid) {
		t.Errorf("missing file: err = %v, want the open error", err)
	}
}

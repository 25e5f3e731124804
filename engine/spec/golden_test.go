package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGolden loads every definition under testdata/valid and testdata/invalid and compares
// the plan (valid) or the diagnostics (invalid) with the .golden file beside it.
// UPDATE_GOLDEN=1 rewrites the golden files.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no test files in testdata/%s: %v", dir, err)
		}
		for _, file := range files {
			t.Run(dir+"/"+filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				def, ds := Load(filepath.Base(file), data, Limits{}, catalog)
				var got string
				switch {
				case dir == "valid" && len(ds) > 0:
					t.Fatalf("Load(%s) got diagnostics, want none:\n%s", file, ds.Error())
				case dir == "invalid" && len(ds) == 0:
					t.Fatalf("Load(%s) got no diagnostics, want some", file)
				case dir == "valid":
					got = plan(def)
				default:
					got = ds.Error() + "\n"
					checkDiagnostics(t, ds)
				}
				compareGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
			})
		}
	}
}

// checkDiagnostics asserts what every diagnostic must carry.
func checkDiagnostics(t *testing.T, ds Diagnostics) {
	t.Helper()
	for _, d := range ds {
		if d.Line <= 0 || d.Code == "" || d.Message == "" || d.File == "" {
			t.Errorf("diagnostic %+v: want file, line > 0, code and message", d)
		}
		if d.Message != strings.ToLower(d.Message[:1])+d.Message[1:] {
			t.Errorf("diagnostic message %q: want lower-case start", d.Message)
		}
	}
}

// plan summarises a definition: identity, order and each step's dependencies.
func plan(def *Definition) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nversion: %d\n", def.Name, def.Version)
	fmt.Fprintf(&b, "order: %s\n", strings.Join(def.Order(), ", "))
	fmt.Fprintf(&b, "roots: %s\n", strings.Join(def.Roots(), ", "))
	for _, id := range def.Order() {
		s := def.Step(id)
		fmt.Fprintf(&b, "step %s: kind=%s", id, s.Kind())
		if s.Action != "" {
			fmt.Fprintf(&b, " action=%s", s.Action)
		}
		fmt.Fprintf(&b, " deps=[%s] dependants=[%s]", strings.Join(def.Deps(id), " "),
			strings.Join(def.Dependants(id), " "))
		if s.OnError != "" {
			fmt.Fprintf(&b, " on_error=%s", s.OnError)
		}
		if s.Wait != nil {
			fmt.Fprintf(&b, " wait={duration=%v event=%q key=%q timeout=%v}", s.Wait.Duration, s.Wait.Event, s.Wait.Key, s.Wait.Timeout)
		}
		if s.Approval != nil {
			fmt.Fprintf(&b, " approval=%+v", *s.Approval)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// loadFile loads a testdata definition that must be valid.
func loadFile(t *testing.T, path string) *Definition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, ds := Load(filepath.Base(path), data, Limits{}, catalog)
	if len(ds) > 0 {
		t.Fatalf("Load(%s): %v", path, ds)
	}
	return def
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rtgs/sales-automation/engine"
	"github.com/rtgs/sales-automation/engine/actions"
	"github.com/rtgs/sales-automation/engine/spec"
)

// errInvalid: some file did not validate; its diagnostics are printed.
var errInvalid = errors.New("invalid workflow")

// runWorkflow is `rtgs workflow validate FILE...`: each file checked as
// POST /api/v1/workflows/validate checks it, one diagnostic per line.
func runWorkflow(args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "validate" {
		return fmt.Errorf("%w: workflow validate FILE...", errUsage)
	}
	cat, err := actions.Builtin()
	if err != nil {
		return err
	}
	bad := 0
	for _, path := range args[1:] {
		data, err := readLimited(path)
		if err != nil {
			return err
		}
		v := engine.Validate(filepath.Base(path), data, cat)
		if v.Valid {
			fmt.Fprintf(stdout, "%s: ok (%s v%d, %d steps)\n", path, v.Name, v.Version, len(v.Order))
			continue
		}
		bad++
		for _, d := range v.Diagnostics {
			fmt.Fprintln(stdout, d.Text)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d files", errInvalid, bad, len(args)-1)
	}
	return nil
}

// readLimited reads a file, at most one byte past the largest definition
// accepted, so a huge file is refused by the validator without being read
// whole.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, spec.DefaultMaxBytes+1))
}

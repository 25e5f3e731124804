// Package actions holds the contracts of the workflow engine's actions: the
// name, purpose and the JSON Schemas of each action's input and output.
// Validation (spec.Load) checks a workflow's steps against them; a dry run
// stubs each action by its output schema. The contracts live as JSON files
// under contracts/, one per action, so editors and the API can show them.
package actions

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/rtgs/sales-automation/engine/spec"
)

//go:embed contracts/*.json
var contractFiles embed.FS

// Contract is one action's declared shape.
type Contract struct {
	Name    string          `json:"name"`
	Summary string          `json:"summary"`
	Input   json.RawMessage `json:"input"`
	Output  json.RawMessage `json:"output"`
}

// Catalog is a set of contracts by name; it is the spec.Catalog validation
// uses.
type Catalog map[string]Contract

// Action implements spec.Catalog.
func (c Catalog) Action(name string) (spec.ActionSchema, bool) {
	a, ok := c[name]
	return spec.ActionSchema{Input: a.Input, Output: a.Output}, ok
}

// Names lists the catalog's actions in order.
func (c Catalog) Names() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Builtin returns the contracts of the platform's actions. Step kinds wait
// and approval are part of the format (spec), not actions.
func Builtin() (Catalog, error) {
	files, err := fs.Glob(contractFiles, "contracts/*.json")
	if err != nil {
		return nil, err
	}
	c := Catalog{}
	for _, f := range files {
		raw, err := contractFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var k Contract
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("action contract %s: %w", f, err)
		}
		k.Name = strings.TrimSuffix(path.Base(f), ".json")
		if k.Summary == "" || len(k.Input) == 0 || len(k.Output) == 0 {
			return nil, fmt.Errorf("action contract %s: summary, input and output are required", f)
		}
		c[k.Name] = k
	}
	return c, nil
}

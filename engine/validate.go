// Package engine is the B-mad workflow engine: engine/spec parses and
// validates definitions, engine/actions declares the actions' contracts,
// and this package puts them together for its callers.
package engine

import "github.com/rtgs/sales-automation/engine/spec"

// Diagnostic is one problem found in a definition; Text is the line
// `rtgs workflow validate` prints for it.
type Diagnostic struct {
	spec.Diagnostic
	Text string `json:"text" doc:"file:line:column: [step] message, as rtgs workflow validate prints it."`
}

// Validation is the verdict on a definition: valid with its plan, or every
// problem found.
type Validation struct {
	Valid       bool         `json:"valid"`
	Name        string       `json:"name,omitempty"`
	Version     int          `json:"version,omitempty"`
	Hash        string       `json:"hash,omitempty" doc:"SHA-256 of the file, which pins a run to this exact definition."`
	Order       []string     `json:"order,omitempty" doc:"Step ids in an order their dependencies allow."`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Validate checks one definition against cat. The CLI and the API both
// answer with it, so their answers are the same.
func Validate(filename string, data []byte, cat spec.Catalog) Validation {
	def, diags := spec.Load(filename, data, spec.Limits{}, cat)
	out := Validation{Valid: len(diags) == 0, Diagnostics: make([]Diagnostic, len(diags))}
	for i, d := range diags {
		out.Diagnostics[i] = Diagnostic{Diagnostic: d, Text: d.Error()}
	}
	if def != nil && out.Valid {
		out.Name, out.Version, out.Hash, out.Order = def.Name, def.Version, def.Hash, def.Order()
	}
	return out
}

package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic codes. They are stable: callers (the CLI, the validate endpoint, tests) may branch
// on them, so a code is never renamed once shipped.
const (
	CodeSyntax        = "syntax"         // the document is not well-formed YAML
	CodeLimit         = "limit"          // a size, depth, alias or count limit was exceeded
	CodeUnknownKey    = "unknown_key"    // a mapping key the format does not define
	CodeMissing       = "missing"        // a required key or value is absent
	CodeBadValue      = "bad_value"      // a value of the wrong type, pattern or range
	CodeDuplicate     = "duplicate"      // a duplicate step id or mapping key
	CodeCycle         = "cycle"          // depends_on forms a cycle
	CodeUnknownAction = "unknown_action" // the catalog has no such action
	CodeBadReference  = "bad_reference"  // a depends_on, expression or goto names a step it may not
	CodeBadExpression = "bad_expression" // an expression does not compile or uses a forbidden name
	CodeInputSchema   = "input_schema"   // a step's inputs fail the action's input schema
	CodeBadInput      = "bad_input"      // a run input is missing, unknown or of the wrong type
)

// Diagnostic is one problem found in a workflow definition, placed at the YAML node it concerns.
// Line and Column are 1-based; zero means the position is unknown (for example in BindInputs,
// which checks run inputs rather than the file).
type Diagnostic struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	StepID string `json:"step_id,omitempty"`
	// Input is the run input a diagnostic of BindInputs is about.
	Input   string `json:"input,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error formats the diagnostic as "file:line:col: [step id] message", leaving out the parts
// that are unknown.
func (d Diagnostic) Error() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteByte(':')
	}
	if d.Line > 0 {
		fmt.Fprintf(&b, "%d:", d.Line)
		if d.Column > 0 {
			fmt.Fprintf(&b, "%d:", d.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if d.StepID != "" {
		fmt.Fprintf(&b, "[%s] ", d.StepID)
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is every problem found in one definition. All diagnostics are errors: a
// definition with any diagnostic must not run.
type Diagnostics []Diagnostic

// Error joins the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns ds as an error, or nil when there are none (so that a nil slice never becomes a
// non-nil error interface).
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}

// HasCode reports whether any diagnostic carries code.
func (ds Diagnostics) HasCode(code string) bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Code == code })
}

// sorted sets File on every diagnostic and orders them by position, then message, dropping
// exact duplicates (an expression used twice in one value reports once).
func (ds Diagnostics) sorted(file string) Diagnostics {
	for i := range ds {
		ds[i].File = file
	}
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(ds)
}

// pos is a position in the source file.
type pos struct{ line, col int }

// diags collects diagnostics while a definition is decoded or validated.
type diags struct{ list Diagnostics }

func (d *diags) add(p pos, step, code, format string, args ...any) {
	d.list = append(d.list, Diagnostic{
		Line: p.line, Column: p.col, StepID: step, Code: code,
		Message: fmt.Sprintf(format, args...),
	})
}

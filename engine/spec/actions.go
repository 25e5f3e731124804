package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// checkActions reports unknown actions and inputs that fail their action's input schema.
// Each schema is compiled once per call.
func checkActions(wf *Workflow, cat Catalog, d *diags) {
	schemas := map[string]*jsonschema.Schema{}
	bad := map[string]bool{}
	for i := range wf.Steps {
		s := &wf.Steps[i]
		if s.Kind() != KindAction || s.Action == "" {
			continue
		}
		as, ok := cat.Action(s.Action)
		if !ok {
			d.add(s.keyPos("action"), s.ID, CodeUnknownAction, "unknown action %q", s.Action)
			continue
		}
		if len(bytes.TrimSpace(as.Input)) == 0 || bad[s.Action] {
			continue
		}
		sch, ok := schemas[s.Action]
		if !ok {
			var err error
			if sch, err = compileSchema("mem:///actions/"+s.Action+"/input.json", as.Input); err != nil {
				d.add(s.keyPos("action"), s.ID, CodeInputSchema, "action %s has an invalid input schema: %s",
					s.Action, firstLine(err.Error()))
				bad[s.Action] = true
				continue
			}
			schemas[s.Action] = sch
		}
		checkInputs(s, sch, d)
	}
}

// compileSchema compiles one JSON Schema document held in memory. Only the document itself
// is loaded: a $ref to anything else fails rather than reaching the network or disk.
func compileSchema(url string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not available: only the action's own schema is loaded", url)
}

var printer = message.NewPrinter(language.English)

// checkInputs validates a step's literal inputs. A value holding an expression counts as
// present but is not type-checked: its errors, and those of anything under it, are dropped.
func checkInputs(s *Step, sch *jsonschema.Schema, d *diags) {
	inputs := s.Inputs
	if inputs == nil {
		inputs = map[string]any{}
	}
	raw, err := json.Marshal(inputs)
	if err != nil {
		d.add(s.keyPos("inputs"), s.ID, CodeInputSchema, "inputs cannot be encoded as JSON: %v", err)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		d.add(s.keyPos("inputs"), s.ID, CodeInputSchema, "inputs cannot be encoded as JSON: %v", err)
		return
	}
	exprs := map[string]bool{}
	walkStrings(inputs, "", func(path, v string) {
		if isTemplate(v) {
			exprs[path] = true
		}
	})
	var verr *jsonschema.ValidationError
	if err := sch.Validate(inst); !errors.As(err, &verr) {
		return
	}
	for _, e := range leaves(verr, exprs) {
		path := pointer(e.InstanceLocation)
		p, ok := s.src.inputs[path]
		if !ok {
			p = s.keyPos("inputs")
		}
		name := "inputs"
		if path != "" {
			name = "input " + strings.ReplaceAll(path[1:], "/", ".")
		}
		d.add(p, s.ID, CodeInputSchema, "%s: %s", name, e.ErrorKind.LocalizedString(printer))
	}
}

func pointer(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	return "/" + strings.Join(loc, "/")
}

// leaves flattens a validation error into the failures to report. Failures at or below an
// expression are dropped; an anyOf/oneOf any of whose branches fails only because of
// expressions counts as satisfied.
func leaves(e *jsonschema.ValidationError, exprs map[string]bool) []*jsonschema.ValidationError {
	loc := ""
	for _, tok := range e.InstanceLocation {
		loc += "/" + tok
		if exprs[loc] {
			return nil
		}
	}
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		for _, cause := range e.Causes {
			if len(leaves(cause, exprs)) == 0 {
				return nil
			}
		}
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		out = append(out, leaves(cause, exprs)...)
	}
	return out
}

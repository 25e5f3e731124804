package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// Scope is what expressions can read while a run is evaluated: the bound run inputs, the
// state of the steps that have finished, the current foreach item and the run itself.
// Values must be plain data (maps, lists, strings, numbers, booleans, nil) as decoded from
// JSON; expressions cannot call methods, but they can read exported fields. Steps should
// hold every finished step, skipped ones included, so that reading a skipped step's status
// works rather than failing on a missing entry.
type Scope struct {
	Inputs map[string]any
	Steps  map[string]StepState
	Item   any
	Index  int
	Run    RunInfo
}

// StepState is a finished step as expressions see it: steps.<id>.status and steps.<id>.output.
type StepState struct {
	Status string
	Output any
}

// RunInfo is the run as expressions see it: run.id, run.name, run.version.
type RunInfo struct {
	ID      string
	Name    string
	Version int
}

func (s Scope) env() exprEnv {
	steps := make(map[string]any, len(s.Steps))
	for id, st := range s.Steps {
		steps[id] = map[string]any{"status": st.Status, "output": st.Output}
	}
	return exprEnv{
		Inputs: s.Inputs,
		Steps:  steps,
		Item:   s.Item,
		Index:  s.Index,
		Run:    map[string]any{"id": s.Run.ID, "name": s.Run.Name, "version": s.Run.Version},
	}
}

// Eval resolves every expression and from_step reference inside value (a step's Inputs, or
// any part of them), returning a copy with the results in place. A string that is exactly one
// ${{ }} becomes the expression's value, of whatever type; other strings with expressions
// become strings. Expressions validated by Load are taken from the Definition's cache;
// others are compiled on the spot with the same rules.
func (d *Definition) Eval(value any, scope Scope) (any, error) {
	env := scope.env()
	return d.eval(value, &env)
}

func (d *Definition) eval(value any, env *exprEnv) (any, error) {
	switch v := value.(type) {
	case string:
		if !isTemplate(v) {
			return v, nil
		}
		t, err := d.template(v)
		if err != nil {
			return nil, err
		}
		return t.run(env)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := d.eval(e, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := d.eval(e, env)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	}
	return value, nil
}

// EvalBool evaluates a `when` condition. An empty condition is true.
func (d *Definition) EvalBool(cond string, scope Scope) (bool, error) {
	if cond == "" {
		return true, nil
	}
	v, err := d.Eval(cond, scope)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %q gave %T, want a boolean", cond, v)
	}
	return b, nil
}

// EvalList evaluates a `foreach` expression into the items to run the step for. nil gives
// no items.
func (d *Definition) EvalList(list string, scope Scope) ([]any, error) {
	v, err := d.Eval(list, scope)
	if err != nil || v == nil {
		return nil, err
	}
	if l, ok := v.([]any); ok {
		return l, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("foreach %q gave %T, want a list", list, v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

// EvalOutputs evaluates the workflow outputs once the run has finished.
func (d *Definition) EvalOutputs(scope Scope) (map[string]any, error) {
	out := make(map[string]any, len(d.Workflow.Outputs))
	for name, src := range d.Workflow.Outputs {
		v, err := d.Eval(src, scope)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

// template returns the compiled template for s, from the cache when Load compiled it.
func (d *Definition) template(s string) (*template, error) {
	if t, ok := d.templates[s]; ok {
		return t, nil
	}
	return compileTemplate(s)
}

// run evaluates the template. Each evaluation gets its own VM (a VM is not safe for
// concurrent use) with the memory budget set.
func (t *template) run(env *exprEnv) (any, error) {
	if t.whole {
		return runProgram(t.segs[0].prog, env)
	}
	var b strings.Builder
	for _, s := range t.segs {
		if s.prog == nil {
			b.WriteString(s.lit)
			continue
		}
		v, err := runProgram(s.prog, env)
		if err != nil {
			return nil, err
		}
		b.WriteString(stringify(v))
	}
	return b.String(), nil
}

func runProgram(p *vm.Program, env *exprEnv) (any, error) {
	machine := vm.VM{MemoryBudget: MemoryBudget}
	v, err := machine.Run(p, *env)
	if err != nil {
		return nil, fmt.Errorf("evaluate %q: %s", p.Source().String(), firstLine(err.Error()))
	}
	return v, nil
}

// stringify formats a value interpolated into a string: text as is, nil as nothing, lists
// and maps as JSON.
func stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

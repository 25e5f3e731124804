package spec

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Catalog tells Validate which actions exist and what inputs they take. The action registry
// implements it; it is declared here, where it is used.
type Catalog interface {
	Action(name string) (ActionSchema, bool)
}

// ActionSchema describes an action's input and output as JSON Schema documents (draft
// 2020-12 unless they say otherwise). An empty Input accepts any inputs.
type ActionSchema struct {
	Input  json.RawMessage
	Output json.RawMessage
}

// Validate checks a parsed workflow: step ids and dependencies, cycles, actions and their
// inputs, expressions and the steps and inputs they refer to, on_error targets. A nil
// Catalog skips the action checks. It returns every problem, sorted by position.
func Validate(wf *Workflow, cat Catalog) Diagnostics {
	_, d := check(wf, cat)
	return d.list.sorted(wf.src.file)
}

// checked is what validation produced that a Definition keeps.
type checked struct {
	g         *graph
	templates map[string]*template
}

// check runs every validation; the graph is nil when it could not be ordered.
func check(wf *Workflow, cat Catalog) (*checked, *diags) {
	d := &diags{}
	c := &checked{templates: map[string]*template{}}
	c.g = buildGraph(wf, d)
	if cat != nil {
		checkActions(wf, cat, d)
	}
	for i := range wf.Steps {
		s := &wf.Steps[i]
		c.checkGoto(wf, i, d)
		for _, st := range stepSites(s) {
			c.checkSite(wf, i, st, d)
		}
	}
	names := make([]string, 0, len(wf.Outputs))
	for name := range wf.Outputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := wf.src.outputs[name]
		c.checkSite(wf, -1, site{where: "output " + name, value: wf.Outputs[name], at: p}, d)
	}
	return c, d
}

// site is one string that may hold expressions, with where it is.
type site struct {
	where string // "inputs", "when", "foreach", "output <name>"
	value string
	at    pos
	whole bool // must be exactly one ${{ }} (when, foreach)
}

// stepSites lists a step's expression-bearing strings.
func stepSites(s *Step) []site {
	var out []site
	if s.When != "" {
		out = append(out, site{where: "when", value: s.When, at: s.keyPos("when"), whole: true})
	}
	if s.Foreach != "" {
		out = append(out, site{where: "foreach", value: s.Foreach, at: s.keyPos("foreach"), whole: true})
	}
	if s.Approval != nil {
		p, ok := s.src.keys["approval"]
		if !ok {
			p = s.keyPos("inputs") // written as action: approval
		}
		out = append(out, site{where: "approval.message", value: s.Approval.Message, at: p})
	}
	if s.Wait != nil && s.Wait.Key != "" {
		out = append(out, site{where: "wait.key", value: s.Wait.Key, at: s.Wait.keyAt})
	}
	walkStrings(s.Inputs, "", func(path, v string) {
		p, ok := s.src.inputs[path]
		if !ok {
			p = s.keyPos("inputs")
		}
		out = append(out, site{where: "inputs", value: v, at: p})
	})
	return out
}

// walkStrings calls fn for every string inside v with its JSON pointer.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(x[k], path+"/"+k, fn)
		}
	case []any:
		for i, e := range x {
			walkStrings(e, fmt.Sprintf("%s/%d", path, i), fn)
		}
	}
}

// checkSite compiles one string's expressions and checks what they refer to. step is the
// index of the step it belongs to, or -1 for workflow outputs.
func (c *checked) checkSite(wf *Workflow, step int, st site, d *diags) {
	var id string
	if step >= 0 {
		id = wf.Steps[step].ID
	}
	if !isTemplate(st.value) {
		if st.whole {
			d.add(st.at, id, CodeBadExpression, "%s must be a single ${{ expression }}", st.where)
		}
		return
	}
	t, ok := c.templates[st.value]
	if !ok {
		var err error
		if t, err = compileTemplate(st.value); err != nil {
			d.add(st.at, id, CodeBadExpression, "%s: %v", st.where, err)
			return
		}
		c.templates[st.value] = t
	}
	if st.whole && !t.whole {
		d.add(st.at, id, CodeBadExpression, "%s must be a single ${{ expression }}", st.where)
	}
	for _, name := range t.refs.inputs {
		if _, ok := wf.Inputs[name]; !ok {
			d.add(st.at, id, CodeBadExpression, "%s: inputs.%s is not a declared input", st.where, name)
		}
	}
	if t.refs.item && (step < 0 || wf.Steps[step].Foreach == "" || st.where != "inputs") {
		d.add(st.at, id, CodeBadExpression, "%s: item and index are only available in the inputs of a foreach step", st.where)
	}
	for _, ref := range t.refs.steps {
		c.checkStepRef(wf, step, ref, st, d)
	}
}

// checkStepRef checks that a step an expression reads exists and has finished before the
// step that reads it starts.
func (c *checked) checkStepRef(wf *Workflow, step int, ref string, st site, d *diags) {
	var id string
	if step >= 0 {
		id = wf.Steps[step].ID
	}
	j, known := -1, false
	for k := range wf.Steps {
		if wf.Steps[k].ID == ref {
			j, known = k, true
			break
		}
	}
	switch {
	case !known:
		d.add(st.at, id, CodeBadReference, "%s: unknown step %q", st.where, ref)
	case step < 0 || c.g == nil:
		// Outputs are read when the run ends; without a graph there is no order to check.
	case j == step:
		d.add(st.at, id, CodeBadReference, "%s: a step cannot refer to its own output", st.where)
	case !c.g.ancestors[step][j]:
		d.add(st.at, id, CodeBadReference, "%s: step %s cannot have run before step %s; add it to depends_on",
			st.where, ref, id)
	}
}

// checkGoto checks an on_error goto target: a known step that is neither this step nor an
// ancestor of it, so failure handling never loops.
func (c *checked) checkGoto(wf *Workflow, i int, d *diags) {
	s := &wf.Steps[i]
	target := s.GotoTarget()
	if target == "" {
		return
	}
	p := s.keyPos("on_error")
	j := -1
	for k := range wf.Steps {
		if wf.Steps[k].ID == target {
			j = k
		}
	}
	switch {
	case j < 0:
		d.add(p, s.ID, CodeBadReference, "on_error goto names unknown step %q", target)
	case j == i || (c.g != nil && c.g.ancestors[i][j]):
		d.add(p, s.ID, CodeBadReference, "on_error goto %q would loop: it is this step or runs before it", target)
	}
}

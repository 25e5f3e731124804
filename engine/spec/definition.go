package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
)

// Definition is a validated workflow ready to run: the workflow as written, its plan and its
// compiled expressions. It is immutable after Load and safe for concurrent use.
type Definition struct {
	Workflow *Workflow
	// Name and Version identify the definition a run is pinned to.
	Name    string
	Version int
	// Hash is the hex SHA-256 of the source bytes, so a run can tell whether a stored
	// definition with the same name and version is the one it started with.
	Hash string

	order      []string
	deps       map[string][]string
	dependants map[string][]string
	templates  map[string]*template // compiled expressions, by source string
}

// Load parses, validates and plans a definition. The Definition is nil whenever there are
// diagnostics.
func Load(filename string, data []byte, lim Limits, cat Catalog) (*Definition, Diagnostics) {
	wf, ds := Parse(filename, data, lim)
	if wf == nil || ds.HasCode(CodeLimit) {
		return nil, ds
	}
	// Validate even a workflow Parse found problems in, so that one pass reports everything;
	// values Parse refused were left empty and are not reported twice.
	c, d := check(wf, cat)
	if all := append(ds, d.list...); len(all) > 0 || c.g == nil {
		return nil, all.sorted(filename)
	}
	sum := sha256.Sum256(data)
	def := &Definition{
		Workflow:   wf,
		Name:       wf.Metadata.Name,
		Version:    wf.Metadata.Version,
		Hash:       hex.EncodeToString(sum[:]),
		deps:       map[string][]string{},
		dependants: map[string][]string{},
		templates:  c.templates,
	}
	for _, i := range c.g.order {
		def.order = append(def.order, c.g.ids[i])
	}
	for i, id := range c.g.ids {
		def.deps[id] = names(c.g.ids, c.g.deps[i])
		def.dependants[id] = names(c.g.ids, c.g.dependants[i])
	}
	return def, nil
}

func names(ids []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = ids[j]
	}
	return out
}

// Order returns the step ids in a topological order: every step after all its dependencies,
// ties broken by position in the file.
func (d *Definition) Order() []string { return append([]string(nil), d.order...) }

// Step returns the step with id, or nil.
func (d *Definition) Step(id string) *Step {
	for i := range d.Workflow.Steps {
		if d.Workflow.Steps[i].ID == id {
			return &d.Workflow.Steps[i]
		}
	}
	return nil
}

// Deps returns the ids of the steps id waits for.
func (d *Definition) Deps(id string) []string { return append([]string(nil), d.deps[id]...) }

// Dependants returns the ids of the steps that wait for id.
func (d *Definition) Dependants(id string) []string {
	return append([]string(nil), d.dependants[id]...)
}

// Roots returns the steps with no dependencies, which a run starts with, in file order.
func (d *Definition) Roots() []string { return d.Ready(nil) }

// Ready returns the steps not in done whose dependencies are all in done, in topological
// order. done holds every step that has finished, whatever its outcome (succeeded, skipped,
// failed with on_error continue): the runtime decides what counts as finished.
func (d *Definition) Ready(done map[string]bool) []string {
	var out []string
	for _, id := range d.order {
		if done[id] {
			continue
		}
		ready := true
		for _, dep := range d.deps[id] {
			ready = ready && done[dep]
		}
		if ready {
			out = append(out, id)
		}
	}
	return out
}

// BindInputs checks run inputs against the declarations and applies defaults. Every
// problem names the input: a missing required input, an undeclared one, or a value of the
// wrong type. Values are expected as decoded from JSON or YAML.
func (d *Definition) BindInputs(given map[string]any) (map[string]any, Diagnostics) {
	var ds diags
	bad := func(name, format string, args ...any) {
		ds.add(pos{}, "", CodeBadInput, format, args...)
		ds.list[len(ds.list)-1].Input = name
	}
	out := make(map[string]any, len(d.Workflow.Inputs))
	for name, v := range given {
		decl, ok := d.Workflow.Inputs[name]
		switch {
		case !ok:
			bad(name, "input %q is not declared by workflow %s", name, d.Name)
		case !hasType(v, decl.Type):
			bad(name, "input %q must be of type %s, got %s", name, decl.Type, typeName(v))
		default:
			out[name] = v
		}
	}
	for name, decl := range d.Workflow.Inputs {
		if _, ok := given[name]; ok {
			continue
		}
		switch {
		case decl.Default != nil:
			out[name] = decl.Default
		case decl.Required:
			bad(name, "input %q is required", name)
		}
	}
	sort.SliceStable(ds.list, func(i, j int) bool { return ds.list[i].Message < ds.list[j].Message })
	if len(ds.list) > 0 {
		return nil, ds.list
	}
	return out, nil
}

// typeName names a value's type in the input type vocabulary.
func typeName(v any) string {
	for _, t := range inputTypes {
		if t != TypeNumber && hasType(v, t) {
			return t
		}
	}
	if hasType(v, TypeNumber) {
		return TypeNumber
	}
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

package spec

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Parse decodes a workflow definition. filename is used in diagnostics only. It refuses a
// document over lim.MaxBytes before parsing, parses into a yaml.Node tree, checks depth,
// aliases and node count on that tree (see Limits), and only then decodes into the typed
// structs, rejecting unknown keys. It returns every problem found; the Workflow is nil when the
// document could not be decoded at all, and must not be used when there are diagnostics.
func Parse(filename string, data []byte, lim Limits) (*Workflow, Diagnostics) {
	wf, d := parse(data, lim.withDefaults())
	if wf != nil {
		wf.src.file = filename
	}
	return wf, d.list.sorted(filename)
}

func parse(data []byte, lim Limits) (*Workflow, *diags) {
	d := &diags{}
	if len(data) > lim.MaxBytes {
		d.add(pos{1, 1}, "", CodeLimit, "document is larger than the limit of %d bytes", lim.MaxBytes)
		return nil, d
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(pos{1, 1}, "", CodeMissing, "empty document: expected a top-level \"workflow\" key")
		} else {
			d.add(pos{syntaxLine(err), 0}, "", CodeSyntax, "%s", syntaxMessage(err))
		}
		return nil, d
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		d.add(pos{max(extra.Line, 1), max(extra.Column, 1)}, "", CodeSyntax, "only one YAML document is allowed")
		return nil, d
	}
	if !(&treeCheck{lim: lim, d: d}).check(&doc) || len(d.list) > 0 {
		return nil, d
	}
	dc := &decoder{d: d}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = resolve(root.Content[0])
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		d.add(pos{max(root.Line, 1), max(root.Column, 1)}, "", CodeMissing,
			"empty document: expected a top-level \"workflow\" key")
		return nil, d
	}
	top, ok := dc.fields(root, "document", "workflow")
	if !ok {
		return nil, d
	}
	w, ok := top["workflow"]
	if !ok {
		dc.errf(root, CodeMissing, "missing top-level key \"workflow\"")
		return nil, d
	}
	return dc.workflow(w.val, lim), d
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// syntaxLine extracts the line from a yaml.v3 error ("yaml: line 3: ..."), or 1 when the
// error names none, so that every diagnostic points into the file.
func syntaxLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			return n
		}
	}
	return 1
}

// syntaxMessage strips yaml.v3's "yaml: line N: " prefix, since the position is printed anyway.
func syntaxMessage(err error) string {
	msg := lineRE.ReplaceAllString(err.Error(), "")
	msg = regexp.MustCompile(`^yaml:\s*(:\s*)?`).ReplaceAllString(msg, "")
	return "invalid yaml: " + msg
}

// workflow decodes the mapping under the top-level "workflow" key.
func (dc *decoder) workflow(n *yaml.Node, lim Limits) *Workflow {
	f, ok := dc.fields(n, "workflow", "metadata", "inputs", "steps", "outputs")
	if !ok {
		return nil
	}
	wf := &Workflow{src: workflowSource{keys: map[string]pos{}, outputs: map[string]pos{}}}
	if m, ok := f["metadata"]; ok {
		dc.metadata(m.val, &wf.Metadata)
	} else {
		dc.errf(n, CodeMissing, "workflow has no metadata")
	}
	if in, ok := f["inputs"]; ok {
		dc.inputs(in.val, wf)
	}
	if s, ok := f["steps"]; ok {
		dc.steps(s.val, wf, lim)
	} else {
		dc.errf(n, CodeMissing, "workflow has no steps")
	}
	if out, ok := f["outputs"]; ok {
		if fs, ok := dc.fields(out.val, "outputs"); ok {
			wf.Outputs = make(map[string]string, len(fs))
			for name, kv := range fs {
				wf.src.keys["outputs."+name] = at(kv.key)
				wf.src.outputs[name] = at(resolve(kv.val))
				if !namePattern.MatchString(name) {
					dc.errf(kv.key, CodeBadValue, "output name %q must match %s", name, namePattern)
				}
				if s, ok := dc.str(kv.val, "output "+name); ok {
					wf.Outputs[name] = s
				}
			}
		}
	}
	return wf
}

func (dc *decoder) metadata(n *yaml.Node, m *Metadata) {
	f, ok := dc.fields(n, "metadata", "name", "title", "description", "version")
	if !ok {
		return
	}
	if v, ok := f["name"]; ok {
		m.Name, _ = dc.match(v.val, "metadata.name", idPattern)
	} else {
		dc.errf(n, CodeMissing, "metadata has no name")
	}
	if v, ok := f["title"]; ok {
		m.Title, _ = dc.str(v.val, "metadata.title")
	}
	if v, ok := f["description"]; ok {
		m.Description, _ = dc.str(v.val, "metadata.description")
	}
	m.Version = 1
	if v, ok := f["version"]; ok {
		m.Version, _ = dc.integer(v.val, "metadata.version", 1, 1<<30)
	}
}

var inputTypes = []string{TypeString, TypeNumber, TypeInteger, TypeBoolean, TypeObject, TypeArray}

func (dc *decoder) inputs(n *yaml.Node, wf *Workflow) {
	fs, ok := dc.fields(n, "inputs")
	if !ok {
		return
	}
	wf.Inputs = make(map[string]InputDecl, len(fs))
	for name, kv := range fs {
		wf.src.keys["inputs."+name] = at(kv.key)
		if !namePattern.MatchString(name) {
			dc.errf(kv.key, CodeBadValue, "input name %q must match %s", name, namePattern)
		}
		what := "input " + name
		f, ok := dc.fields(kv.val, what, "type", "required", "default", "description")
		if !ok {
			continue
		}
		var decl InputDecl
		if t, ok := f["type"]; ok {
			if decl.Type, ok = dc.str(t.val, what+" type"); ok && !validType(decl.Type) {
				dc.errf(t.val, CodeBadValue, "%s has type %q; want one of %v", what, decl.Type, inputTypes)
			}
		} else {
			dc.errf(kv.val, CodeMissing, "%s has no type", what)
		}
		if r, ok := f["required"]; ok {
			decl.Required, _ = dc.boolean(r.val, what+" required")
		}
		if s, ok := f["description"]; ok {
			decl.Description, _ = dc.str(s.val, what+" description")
		}
		if v, ok := f["default"]; ok {
			decl.Default = dc.value(v.val, "", nil)
			if validType(decl.Type) && !hasType(decl.Default, decl.Type) {
				dc.errf(v.val, CodeBadValue, "%s default is not of type %s", what, decl.Type)
			}
		}
		wf.Inputs[name] = decl
	}
}

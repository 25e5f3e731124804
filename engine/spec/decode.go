package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Name rules, shared with workflows/schema.json (keep the two in step).
var (
	// idPattern is for step ids and workflow names: lower-case, dashes allowed, as in the
	// original "define-icp".
	idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	// namePattern is for input and output names, which expressions reach as inputs.<name>,
	// so they must be expression identifiers.
	namePattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	// actionPattern is for action names.
	actionPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)
)

// decoder turns a checked yaml.Node tree into the typed structs, reporting every problem
// with its position instead of stopping at the first.
type decoder struct {
	d    *diags
	step string // id of the step being decoded, for diagnostics
}

func at(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (dc *decoder) errf(n *yaml.Node, code, format string, args ...any) {
	dc.d.add(at(n), dc.step, code, format, args...)
}

// field is one key/value pair of a mapping.
type field struct{ key, val *yaml.Node }

// fields checks that n is a mapping holding only allowed keys, each once, and returns the
// pairs by key. what names the mapping in messages ("step", "retry").
func (dc *decoder) fields(n *yaml.Node, what string, allowed ...string) (map[string]field, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		dc.errf(n, CodeBadValue, "%s must be a mapping", what)
		return nil, false
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, ok := dc.key(k)
		if !ok {
			continue
		}
		if allowed != nil && !slices.Contains(allowed, name) {
			dc.errf(k, CodeUnknownKey, "unknown key %q in %s (allowed: %s)", name, what,
				strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[name]; dup {
			dc.errf(k, CodeDuplicate, "duplicate key %q in %s", name, what)
			continue
		}
		out[name] = field{k, v}
	}
	return out, true
}

// key returns a mapping key as a string, refusing merge keys and non-scalar keys.
func (dc *decoder) key(k *yaml.Node) (string, bool) {
	k = resolve(k)
	switch {
	case k.Kind != yaml.ScalarNode:
		dc.errf(k, CodeBadValue, "mapping keys must be strings")
		return "", false
	case k.Tag == "!!merge":
		dc.errf(k, CodeBadValue, "merge keys (<<) are not supported")
		return "", false
	}
	return k.Value, true
}

// str decodes a string scalar.
func (dc *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		dc.errf(n, CodeBadValue, "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

// match decodes a string that must match re, returning "" when it does not (so that later
// checks do not report the same bad value again).
func (dc *decoder) match(n *yaml.Node, what string, re *regexp.Regexp) (string, bool) {
	s, ok := dc.str(n, what)
	if ok && !re.MatchString(s) {
		dc.errf(n, CodeBadValue, "%s %q must match %s", what, s, re)
		return "", false
	}
	return s, ok
}

// integer decodes an integer scalar within [lo, hi].
func (dc *decoder) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	n = resolve(n)
	var i int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
		dc.errf(n, CodeBadValue, "%s must be an integer", what)
		return 0, false
	}
	if i < lo || i > hi {
		dc.errf(n, CodeBadValue, "%s must be between %d and %d, got %d", what, lo, hi, i)
		return 0, false
	}
	return i, true
}

// boolean decodes a boolean scalar.
func (dc *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		dc.errf(n, CodeBadValue, "%s must be true or false", what)
		return false, false
	}
	return b, true
}

// duration decodes a positive Go duration string such as "2m" or "72h".
func (dc *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	n = resolve(n)
	s := n.Value
	d, err := time.ParseDuration(s)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || err != nil || d <= 0 {
		dc.errf(n, CodeBadValue, "%s %q must be a positive duration such as \"90s\", \"2m\" or \"72h\"", what, s)
		return 0, false
	}
	return d, true
}

// list decodes a list of strings, returning each entry's position too.
func (dc *decoder) list(n *yaml.Node, what string, re *regexp.Regexp) ([]string, []pos) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		dc.errf(n, CodeBadValue, "%s must be a list", what)
		return nil, nil
	}
	var out []string
	var at []pos
	for _, e := range n.Content {
		if s, ok := dc.match(e, what+" entry", re); ok {
			out = append(out, s)
			at = append(at, pos{resolve(e).Line, resolve(e).Column})
		}
	}
	return out, at
}

// value decodes free-form data (step inputs, input defaults) into maps, lists and scalars,
// recording the position of every value by its JSON pointer in paths when paths is not nil.
func (dc *decoder) value(n *yaml.Node, path string, paths map[string]pos) any {
	n = resolve(n)
	if paths != nil {
		paths[path] = at(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, ok := dc.key(n.Content[i])
			if !ok {
				continue
			}
			if _, dup := m[k]; dup {
				dc.errf(n.Content[i], CodeDuplicate, "duplicate key %q", k)
				continue
			}
			m[k] = dc.value(n.Content[i+1], path+"/"+k, paths)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			l[i] = dc.value(e, fmt.Sprintf("%s/%d", path, i), paths)
		}
		return l
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err == nil {
			return v
		}
	}
	// Strings, and timestamps or binary kept as the text written: the runtime sees JSON-like
	// data only.
	return n.Value
}

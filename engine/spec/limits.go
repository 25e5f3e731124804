package spec

import (
	"cmp"

	"gopkg.in/yaml.v3"
)

// Limits bound what Parse accepts. A zero field takes its default, so Limits{} is the
// normal setting; definitions come from users, so every limit is on by default.
type Limits struct {
	// MaxBytes is the largest document accepted; larger ones are refused before any YAML
	// parsing. Default 1 MiB.
	MaxBytes int
	// MaxDepth is the deepest nesting of mappings and lists, counting through aliases.
	// Default 32.
	MaxDepth int
	// MaxAliases is how many alias nodes (*name) a document may hold. Default 8: enough for
	// sharing a block of inputs, far too few for an exponential "billion laughs" expansion.
	MaxAliases int
	// MaxNodes is the number of YAML nodes after expanding aliases. Default 100,000.
	MaxNodes int
	// MaxSteps is the number of steps a workflow may have. Default 200.
	MaxSteps int
}

// Default limits; see Limits.
const (
	DefaultMaxBytes   = 1 << 20
	DefaultMaxDepth   = 32
	DefaultMaxAliases = 8
	DefaultMaxNodes   = 100_000
	DefaultMaxSteps   = 200
)

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	l.MaxBytes = cmp.Or(l.MaxBytes, DefaultMaxBytes)
	l.MaxDepth = cmp.Or(l.MaxDepth, DefaultMaxDepth)
	l.MaxAliases = cmp.Or(l.MaxAliases, DefaultMaxAliases)
	l.MaxNodes = cmp.Or(l.MaxNodes, DefaultMaxNodes)
	l.MaxSteps = cmp.Or(l.MaxSteps, DefaultMaxSteps)
	return l
}

// treeCheck walks a parsed document before anything decodes it. It counts alias nodes, the
// depth and the node count with aliases expanded (memoised per anchor, so a bomb costs time
// linear in its text, not in its expansion), and refuses explicit YAML tags (!!python/...,
// !custom): the format has no use for them and the original engine refused them too.
type treeCheck struct {
	lim     Limits
	d       *diags
	aliases int
	sizes   map[*yaml.Node][2]int // anchor -> expanded {nodes, depth}
	active  map[*yaml.Node]bool   // anchors being measured, to stop self-reference
	failed  bool                  // a limit was hit: stop reporting more
}

// check reports limit and tag problems and whether decoding may go ahead.
func (c *treeCheck) check(doc *yaml.Node) bool {
	c.sizes = map[*yaml.Node][2]int{}
	c.active = map[*yaml.Node]bool{}
	nodes, depth := c.measure(doc, 0)
	if c.failed {
		return false
	}
	switch {
	case nodes > c.lim.MaxNodes:
		c.limit(doc, "document expands to more than %d nodes", c.lim.MaxNodes)
	case depth > c.lim.MaxDepth:
		c.limit(doc, "document nests deeper than %d levels", c.lim.MaxDepth)
	}
	return !c.failed
}

func (c *treeCheck) limit(n *yaml.Node, format string, args ...any) {
	c.failed = true
	c.d.add(pos{max(n.Line, 1), max(n.Column, 1)}, "", CodeLimit, format, args...)
}

// measure returns the expanded node count and depth below n, stopping early (with the
// failure recorded) as soon as a limit is passed.
func (c *treeCheck) measure(n *yaml.Node, level int) (nodes, depth int) {
	if c.failed || n == nil {
		return 0, 0
	}
	if level > c.lim.MaxDepth {
		c.limit(n, "document nests deeper than %d levels", c.lim.MaxDepth)
		return 0, 0
	}
	if n.Style&yaml.TaggedStyle != 0 {
		c.d.add(pos{n.Line, n.Column}, "", CodeBadValue, "yaml tag %s is not allowed", n.Tag)
	}
	if n.Kind == yaml.AliasNode {
		c.aliases++
		if c.aliases > c.lim.MaxAliases {
			c.limit(n, "document has more than %d aliases", c.lim.MaxAliases)
			return 0, 0
		}
		if s, ok := c.sizes[n.Alias]; ok {
			return s[0], s[1]
		}
		if c.active[n.Alias] {
			c.limit(n, "alias *%s refers to itself", n.Value)
			return 0, 0
		}
		c.active[n.Alias] = true
		nodes, depth = c.measure(n.Alias, level)
		delete(c.active, n.Alias)
		c.sizes[n.Alias] = [2]int{nodes, depth}
		return nodes, depth
	}
	nodes = 1
	for _, child := range n.Content {
		cn, cd := c.measure(child, level+1)
		nodes += cn
		depth = max(depth, cd+1)
		if nodes > c.lim.MaxNodes && !c.failed {
			c.limit(n, "document expands to more than %d nodes", c.lim.MaxNodes)
		}
	}
	return nodes, depth
}

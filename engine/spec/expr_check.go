package spec

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr/ast"
)

// exprCheck walks a compiled expression's AST. It records which steps and inputs the
// expression reads, so Validate can check them against the graph and the declarations, and
// refuses what the environment type alone would let through: $env (the whole environment,
// which would hide references), calls that are not expr builtins (methods on values), `let`,
// and step references that are not literal ids.
type exprCheck struct {
	refs  refs
	bases map[ast.Node]bool // nodes that are the object of a member access
	err   error
}

// Visit implements ast.Visitor.
func (c *exprCheck) Visit(np *ast.Node) {
	if c.err != nil {
		return
	}
	switch n := (*np).(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "$env":
			c.err = errors.New("$env is not available; use inputs, steps, item, index or run")
		case "item", "index":
			c.refs.item = true
		}
	case *ast.CallNode:
		c.err = fmt.Errorf("call of %s is not allowed; only expr builtins may be called", n.Callee)
	case *ast.VariableDeclaratorNode:
		c.err = errors.New("let is not allowed")
	case *ast.MemberNode:
		c.bases[n.Node] = true
		c.member(n)
	}
}

// member checks steps.<id>, steps.<id>.<field> and inputs.<name>.
func (c *exprCheck) member(n *ast.MemberNode) {
	prop, literal := n.Property.(*ast.StringNode)
	if id, ok := n.Node.(*ast.IdentifierNode); ok {
		switch id.Value {
		case "steps":
			if !literal {
				c.err = errors.New("steps must be followed by a literal step id, as in steps.search.output")
				return
			}
			c.refs.steps = append(c.refs.steps, prop.Value)
		case "inputs":
			if !literal {
				c.err = errors.New("inputs must be followed by a literal input name, as in inputs.industry")
				return
			}
			c.refs.inputs = append(c.refs.inputs, prop.Value)
		}
		return
	}
	inner, ok := n.Node.(*ast.MemberNode)
	if !ok {
		return
	}
	if id, ok := inner.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
		if !literal || (prop.Value != "output" && prop.Value != "status") {
			c.err = fmt.Errorf("a step has only output and status, not %s", n.Property)
		}
	}
}

// bareNames refuses `steps` used other than as steps.<id>: a step set the checks cannot see
// would defeat the dependency rules.
func (c *exprCheck) bareNames(root ast.Node) error {
	var err error
	ast.Walk(&root, visitFunc(func(n ast.Node) {
		if id, ok := n.(*ast.IdentifierNode); ok && id.Value == "steps" && !c.bases[n] && err == nil {
			err = errors.New("steps must be followed by a step id, as in steps.search.output")
		}
	}))
	return err
}

type visitFunc func(ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(*n) }

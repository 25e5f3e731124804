package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Expression bounds. Cost is bounded at compile time by the source length and AST node count,
// by refusing `let` (with it, each binding can double a string, so a short expression could
// build an exponentially large value the VM does not count) and the builtins listed in
// disabledBuiltins; at run time by the VM's memory budget, which counts the ranges and the
// per-item scopes of map/filter/all/... and so bounds every loop.
const (
	MaxExprLen   = 1024    // bytes of one ${{ }} expression
	MaxExprNodes = 256     // AST nodes of one expression
	MemoryBudget = 100_000 // expr VM memory units for one evaluation
)

// disabledBuiltins reach outside the run or escape the budget: now/date/timezone read the
// clock or the time zone database (and would make replays differ), repeat allocates its
// result before charging it to the budget, reduce's accumulator grows without being counted.
var disabledBuiltins = []string{"now", "date", "timezone", "repeat", "reduce"}

// exprEnv is the only thing an expression can see. Inputs holds the declared run inputs; Steps
// maps a step id to {"output": ..., "status": ...}; Item and Index are set inside foreach.
type exprEnv struct {
	Inputs map[string]any `expr:"inputs"`
	Steps  map[string]any `expr:"steps"`
	Item   any            `expr:"item"`
	Index  int            `expr:"index"`
	Run    map[string]any `expr:"run"`
}

// fromStepPrefix marks the original engine's "that step's output" reference.
const fromStepPrefix = "from_step_"

// segment is a literal piece of a template or one compiled expression.
type segment struct {
	lit  string
	prog *vm.Program
}

// template is a string value holding expressions. When whole, the string is exactly one
// expression and evaluates to its value; otherwise the pieces are joined as a string.
type template struct {
	segs  []segment
	whole bool
	refs  refs
}

// refs are the names an expression uses, for the reference checks.
type refs struct {
	steps  []string // step ids, in order of use
	inputs []string // input names
	item   bool     // uses item or index
}

// isTemplate reports whether s holds an expression or a from_step reference.
func isTemplate(s string) bool {
	return strings.Contains(s, "${{") || fromStepID(s) != ""
}

// fromStepID returns the id in "from_step_<id>", or "".
func fromStepID(s string) string {
	id, ok := strings.CutPrefix(s, fromStepPrefix)
	if ok && idPattern.MatchString(id) {
		return id
	}
	return ""
}

// compileTemplate splits s into literals and ${{ }} expressions and compiles each one.
func compileTemplate(s string) (*template, error) {
	if id := fromStepID(s); id != "" {
		return compileParts([]string{"", fmt.Sprintf("steps[%q].output", id)}, true)
	}
	var parts []string // literal, expr, literal, expr, ..., literal
	rest := s
	for {
		open := strings.Index(rest, "${{")
		if open < 0 {
			parts = append(parts, rest)
			break
		}
		end := strings.Index(rest[open+3:], "}}")
		if end < 0 {
			return nil, errors.New("unterminated ${{ (missing }})")
		}
		parts = append(parts, rest[:open], strings.TrimSpace(rest[open+3:open+3+end]))
		rest = rest[open+3+end+2:]
	}
	whole := len(parts) == 3 && parts[0] == "" && parts[2] == ""
	return compileParts(parts, whole)
}

func compileParts(parts []string, whole bool) (*template, error) {
	t := &template{whole: whole}
	for i, p := range parts {
		if i%2 == 0 {
			if p != "" {
				t.segs = append(t.segs, segment{lit: p})
			}
			continue
		}
		prog, r, err := compileExpr(p)
		if err != nil {
			return nil, err
		}
		t.segs = append(t.segs, segment{prog: prog})
		t.refs.steps = append(t.refs.steps, r.steps...)
		t.refs.inputs = append(t.refs.inputs, r.inputs...)
		t.refs.item = t.refs.item || r.item
	}
	return t, nil
}

// compileExpr compiles one expression against exprEnv and checks what it touches.
func compileExpr(src string) (*vm.Program, refs, error) {
	switch {
	case src == "":
		return nil, refs{}, errors.New("empty expression")
	case len(src) > MaxExprLen:
		return nil, refs{}, fmt.Errorf("expression is longer than %d bytes", MaxExprLen)
	}
	opts := []expr.Option{expr.Env(exprEnv{}), expr.MaxNodes(MaxExprNodes)}
	for _, name := range disabledBuiltins {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	prog, err := expr.Compile(dashedSteps(src), opts...)
	if err != nil {
		return nil, refs{}, fmt.Errorf("expression %q: %s", src, firstLine(err.Error()))
	}
	node := prog.Node()
	c := &exprCheck{bases: map[ast.Node]bool{}}
	ast.Walk(&node, c)
	if c.err == nil {
		c.err = c.bareNames(node)
	}
	if c.err != nil {
		return nil, refs{}, fmt.Errorf("expression %q: %w", src, c.err)
	}
	return prog, c.refs, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// dashedSteps rewrites steps.<id> to steps["<id>"] when the id has a dash, outside string
// literals, so that the ids of the original format ("steps.define-icp.output") are not read
// as a subtraction.
func dashedSteps(src string) string {
	if !strings.Contains(src, "-") {
		return src
	}
	var b strings.Builder
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			b.WriteString(src[i:j])
			i = j
		case strings.HasPrefix(src[i:], "steps.") && (i == 0 || !isIdentByte(src[i-1]) && src[i-1] != '.'):
			j := i + len("steps.")
			k := j
			for k < len(src) && (isIdentByte(src[k]) || src[k] == '-') {
				k++
			}
			id := strings.TrimRight(src[j:k], "-")
			if strings.Contains(id, "-") {
				fmt.Fprintf(&b, "steps[%q]", id)
				i = j + len(id)
			} else {
				b.WriteString(src[i:j])
				i = j
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

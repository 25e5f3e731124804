package spec

import (
	"slices"
	"strings"
)

// graph is the step dependency graph, by step index.
type graph struct {
	ids        []string
	index      map[string]int
	deps       [][]int
	dependants [][]int
	order      []int    // topological, ties broken by position in the file
	ancestors  [][]bool // ancestors[i][j]: step j always finishes before step i starts
}

// buildGraph indexes the steps and checks ids and depends_on. It returns nil when the graph
// cannot be ordered (duplicate ids, unknown dependencies or cycles).
func buildGraph(wf *Workflow, d *diags) *graph {
	g := &graph{index: map[string]int{}}
	ok := true
	for i := range wf.Steps {
		s := &wf.Steps[i]
		g.ids = append(g.ids, s.ID)
		if s.src.keys == nil && !idPattern.MatchString(s.ID) {
			// Built in code: Parse has not checked the id.
			d.add(s.src.at, s.ID, CodeBadValue, "step %d: id %q must match %s", i+1, s.ID, idPattern)
		}
		if s.ID == "" {
			ok = false
			continue
		}
		if first, dup := g.index[s.ID]; dup {
			d.add(s.keyPos("id"), s.ID, CodeDuplicate, "duplicate step id %q (first used at line %d)",
				s.ID, wf.Steps[first].src.at.line)
			ok = false
			continue
		}
		g.index[s.ID] = i
	}
	g.deps = make([][]int, len(wf.Steps))
	g.dependants = make([][]int, len(wf.Steps))
	for i := range wf.Steps {
		s := &wf.Steps[i]
		if s.DependsOn == nil && i > 0 {
			// The original engine ran steps in file order.
			g.link(i, i-1)
			continue
		}
		for k, dep := range s.DependsOn {
			p := s.keyPos("depends_on")
			if k < len(s.src.dependsOn) {
				p = s.src.dependsOn[k]
			}
			j, known := g.index[dep]
			switch {
			case !known:
				d.add(p, s.ID, CodeBadReference, "depends_on names unknown step %q", dep)
				ok = false
			case !slices.Contains(g.deps[i], j):
				g.link(i, j)
			}
		}
	}
	if !ok || !g.acyclic(wf, d) {
		return nil
	}
	g.sort()
	return g
}

func (g *graph) link(step, dep int) {
	g.deps[step] = append(g.deps[step], dep)
	g.dependants[dep] = append(g.dependants[dep], step)
}

// acyclic reports each cycle once, at the first step of the cycle in the file, as
// "a -> b -> a" where each arrow reads "depends on".
func (g *graph) acyclic(wf *Workflow, d *diags) bool {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(g.ids))
	var path []int
	seen := map[string]bool{}
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		path = append(path, i)
		for _, j := range g.deps[i] {
			switch color[j] {
			case white:
				visit(j)
			case grey:
				cycle := slices.Clone(path[slices.Index(path, j):])
				first := slices.Index(cycle, slices.Min(cycle))
				cycle = append(cycle[first:], cycle[:first]...)
				names := make([]string, 0, len(cycle)+1)
				for _, k := range append(cycle, cycle[0]) {
					names = append(names, g.ids[k])
				}
				key := strings.Join(names, " -> ")
				if !seen[key] {
					seen[key] = true
					s := &wf.Steps[cycle[0]]
					d.add(s.keyPos("depends_on"), s.ID, CodeCycle, "depends_on cycle: %s", key)
				}
			}
		}
		path = path[:len(path)-1]
		color[i] = black
	}
	for i := range g.ids {
		if color[i] == white {
			visit(i)
		}
	}
	return len(seen) == 0
}

// sort computes the topological order (earliest step in the file first among the ready ones)
// and every step's ancestors.
func (g *graph) sort() {
	n := len(g.ids)
	pending := make([]int, n)
	for i := range n {
		pending[i] = len(g.deps[i])
	}
	g.ancestors = make([][]bool, n)
	for len(g.order) < n {
		next := slices.Index(pending, 0) // finished steps are -1; the graph is acyclic
		pending[next] = -1
		g.order = append(g.order, next)
		anc := make([]bool, n)
		for _, j := range g.deps[next] {
			anc[j] = true
			for k, a := range g.ancestors[j] {
				anc[k] = anc[k] || a
			}
		}
		g.ancestors[next] = anc
		for _, k := range g.dependants[next] {
			pending[k]--
		}
	}
}

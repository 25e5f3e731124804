// Package spec parses and validates B-mad workflow definitions.
//
// A definition is YAML under a top-level `workflow:` key (see DESIGN.md section 6 and
// workflows/schema.json). Parse turns bytes into a Workflow, refusing oversized or hostile
// documents before decoding; Validate checks a Workflow against an action Catalog; Load does
// both and returns a Definition: the plan (dependency graph, order) plus the compiled
// expressions the runtime evaluates with Eval, EvalBool and EvalList.
//
// Representation choices, fixed here so that the runtime and the JSON Schema agree:
//
//   - A step is one of three kinds: an action step (`action:` + `inputs:`), a wait step
//     (`wait: {duration}` or `wait: {event, key, timeout}`) or an approval step
//     (`approval: {message, timeout}`). Only action steps may have foreach. The spelling `action: wait` / `action: approval` with the
//     same keys under `inputs:` is accepted too and normalised by Parse into Step.Wait /
//     Step.Approval with Action left empty, so the runtime looks only at Kind().
//   - on_error is one string: "fail" (the default), "continue" (the step counts as finished
//     and its dependants run) or "goto:<step-id>" (the run continues at that step, which must
//     not be the step itself or one of its ancestors, so no loop can form).
//   - A step without depends_on depends on the step before it, which is how the original
//     sequential engine ran every step; depends_on lists a step's dependencies instead, and
//     `depends_on: []` makes it a root. Steps with no path between them run in parallel. An
//     expression may read only steps that are ancestors in this graph.
//
// Expressions are written `${{ expr }}` (github.com/expr-lang/expr) in any string of a step's
// inputs, in when and foreach (which must be exactly one expression), in approval.message,
// wait.key and in workflow outputs. A string that is exactly one expression evaluates to its value; any
// other string interpolates. The original `from_step_<id>` string means
// `${{ steps.<id>.output }}`. Expressions see only:
//
//   - inputs.<name>: the declared run inputs (an undeclared name is an error);
//   - steps.<id>.output and steps.<id>.status (ids with dashes work: steps.define-icp.output);
//   - item and index: the current element in the inputs of a foreach step (not in its when or
//     foreach, which are evaluated once for the step);
//   - run.id, run.name, run.version.
//
// expr's pure builtins are available except now, date and timezone (clock and time zone
// database: outside the run, and replays would differ), repeat and reduce (they can build
// values the memory budget does not count); calls of anything else, `let` and `$env` are
// refused. See MaxExprLen, MaxExprNodes and MemoryBudget
// for what bounds an expression's cost.
package spec

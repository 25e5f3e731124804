package spec

import (
	"strings"

	"gopkg.in/yaml.v3"
)

var stepKeys = []string{"id", "action", "inputs", "depends_on", "when", "foreach", "concurrency",
	"retry", "timeout", "on_error", "wait", "approval"}

// maxConcurrency caps a foreach step's concurrency.
const maxConcurrency = 1000

func (dc *decoder) steps(n *yaml.Node, wf *Workflow, lim Limits) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		dc.errf(n, CodeBadValue, "steps must be a list")
		return
	}
	if len(n.Content) == 0 {
		dc.errf(n, CodeMissing, "workflow has no steps")
		return
	}
	if len(n.Content) > lim.MaxSteps {
		dc.errf(n, CodeLimit, "workflow has %d steps, more than the limit of %d", len(n.Content), lim.MaxSteps)
		return
	}
	wf.Steps = make([]Step, 0, len(n.Content))
	for _, sn := range n.Content {
		if s, ok := dc.stepNode(sn); ok {
			wf.Steps = append(wf.Steps, s)
		}
	}
}

// stepNode decodes one step; ok is false only when the node is not a mapping at all.
func (dc *decoder) stepNode(n *yaml.Node) (Step, bool) {
	n = resolve(n)
	s := Step{src: stepSource{at: at(n), keys: map[string]pos{}}}
	dc.step = ""
	defer func() { dc.step = "" }()
	if n.Kind == yaml.MappingNode {
		// Read the id first so that every later diagnostic names the step.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := resolve(n.Content[i]); k.Value == "id" {
				if id, ok := dc.match(n.Content[i+1], "step id", idPattern); ok {
					s.ID = id
				}
			}
		}
		dc.step = s.ID
	}
	f, ok := dc.fields(n, "step", stepKeys...)
	if !ok {
		return s, false
	}
	for k, kv := range f {
		s.src.keys[k] = at(resolve(kv.val))
	}
	if _, ok := f["id"]; !ok {
		dc.errf(n, CodeMissing, "step has no id")
	}
	dc.stepKind(n, f, &s)
	if v, ok := f["depends_on"]; ok {
		s.DependsOn, s.src.dependsOn = dc.list(v.val, "depends_on", idPattern)
		if s.DependsOn == nil {
			s.DependsOn = []string{} // present, even if empty: the step is a root
		}
	}
	if v, ok := f["when"]; ok {
		s.When, _ = dc.str(v.val, "when")
	}
	if v, ok := f["foreach"]; ok {
		s.Foreach, _ = dc.str(v.val, "foreach")
		if s.Wait != nil || s.Approval != nil {
			dc.errf(v.val, CodeBadValue, "foreach is for action steps, not a wait or an approval")
		}
	}
	if v, ok := f["concurrency"]; ok {
		s.Concurrency, _ = dc.integer(v.val, "concurrency", 1, maxConcurrency)
		if _, each := f["foreach"]; !each {
			dc.errf(v.val, CodeBadValue, "concurrency needs foreach")
		}
	}
	if v, ok := f["retry"]; ok {
		s.Retry = dc.retry(v.val)
	}
	if v, ok := f["timeout"]; ok {
		s.Timeout, _ = dc.duration(v.val, "timeout")
	}
	if v, ok := f["on_error"]; ok {
		onErr, _ := dc.str(v.val, "on_error")
		target, isGoto := strings.CutPrefix(onErr, OnErrorGoto)
		switch {
		case onErr == OnErrorFail || onErr == OnErrorContinue || isGoto && idPattern.MatchString(target):
			s.OnError = onErr
		default:
			dc.errf(v.val, CodeBadValue, "on_error %q must be \"fail\", \"continue\" or \"goto:<step-id>\"", onErr)
		}
	}
	return s, true
}

// stepKind decodes action/inputs, wait or approval: exactly one must be present.
// `action: wait` and `action: approval` read their settings from inputs.
func (dc *decoder) stepKind(n *yaml.Node, f map[string]field, s *Step) {
	act, hasAct := f["action"]
	wait, hasWait := f["wait"]
	appr, hasAppr := f["approval"]
	in, hasIn := f["inputs"]
	switch kinds := btoi(hasAct) + btoi(hasWait) + btoi(hasAppr); {
	case kinds == 0:
		dc.errf(n, CodeMissing, "step needs one of action, wait or approval")
		return
	case kinds > 1:
		dc.errf(n, CodeBadValue, "step may have only one of action, wait or approval")
		return
	}
	switch {
	case hasWait:
		s.Wait = dc.wait(wait.val)
	case hasAppr:
		s.Approval = dc.approval(appr.val)
	default:
		s.Action, _ = dc.match(act.val, "action", actionPattern)
		switch s.Action {
		case KindWait, KindApproval:
			if !hasIn {
				dc.errf(act.val, CodeMissing, "action %s needs inputs", s.Action)
				return
			}
			if s.Action == KindWait {
				s.Wait = dc.wait(in.val)
			} else {
				s.Approval = dc.approval(in.val)
			}
			s.Action = ""
			return
		}
	}
	if !hasIn {
		return
	}
	if !hasAct {
		dc.errf(in.key, CodeBadValue, "inputs are only for action steps")
		return
	}
	if resolve(in.val).Kind != yaml.MappingNode {
		dc.errf(in.val, CodeBadValue, "inputs must be a mapping")
		return
	}
	s.src.inputs = map[string]pos{}
	s.Inputs, _ = dc.value(in.val, "", s.src.inputs).(map[string]any)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (dc *decoder) retry(n *yaml.Node) *Retry {
	f, ok := dc.fields(n, "retry", "max_attempts", "backoff", "delay")
	if !ok {
		return nil
	}
	r := &Retry{Backoff: BackoffExponential}
	if v, ok := f["max_attempts"]; ok {
		r.MaxAttempts, _ = dc.integer(v.val, "retry.max_attempts", 1, 100)
	} else {
		dc.errf(n, CodeMissing, "retry has no max_attempts")
	}
	if v, ok := f["backoff"]; ok {
		if r.Backoff, ok = dc.str(v.val, "retry.backoff"); ok && r.Backoff != BackoffFixed && r.Backoff != BackoffExponential {
			dc.errf(v.val, CodeBadValue, "retry.backoff %q must be \"fixed\" or \"exponential\"", r.Backoff)
		}
	}
	if v, ok := f["delay"]; ok {
		r.Delay, _ = dc.duration(v.val, "retry.delay")
	}
	return r
}

func (dc *decoder) wait(n *yaml.Node) *Wait {
	f, ok := dc.fields(n, "wait", "duration", "event", "key", "timeout")
	if !ok {
		return nil
	}
	w := &Wait{}
	dur, hasDur := f["duration"]
	ev, hasEv := f["event"]
	switch {
	case hasDur == hasEv:
		dc.errf(n, CodeBadValue, "wait needs exactly one of duration or event")
	case hasDur:
		w.Duration, _ = dc.duration(dur.val, "wait.duration")
	default:
		w.Event, _ = dc.match(ev.val, "wait.event", actionPattern)
	}
	if v, ok := f["key"]; ok {
		w.Key, _ = dc.str(v.val, "wait.key")
		w.keyAt = pos{v.val.Line, v.val.Column}
		if !hasEv {
			dc.errf(v.val, CodeBadValue, "wait.key is only for an event wait")
		}
	}
	if v, ok := f["timeout"]; ok {
		w.Timeout, _ = dc.duration(v.val, "wait.timeout")
		if !hasEv {
			dc.errf(v.val, CodeBadValue, "wait.timeout is only for an event wait")
		}
	}
	return w
}

func (dc *decoder) approval(n *yaml.Node) *Approval {
	f, ok := dc.fields(n, "approval", "message", "timeout")
	if !ok {
		return nil
	}
	a := &Approval{}
	if v, ok := f["message"]; ok {
		a.Message, _ = dc.str(v.val, "approval.message")
	} else {
		dc.errf(n, CodeMissing, "approval has no message")
	}
	if v, ok := f["timeout"]; ok {
		a.Timeout, _ = dc.duration(v.val, "approval.timeout")
	}
	return a
}

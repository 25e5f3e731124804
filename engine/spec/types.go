package spec

import (
	"encoding/json"
	"strings"
	"time"
)

// Workflow is a decoded definition, as written: Parse fills it, Validate checks it.
type Workflow struct {
	Metadata Metadata             `yaml:"metadata" json:"metadata"`
	Inputs   map[string]InputDecl `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	Steps    []Step               `yaml:"steps" json:"steps"`
	Outputs  map[string]string    `yaml:"outputs,omitempty" json:"outputs,omitempty"`

	// src holds positions for diagnostics; it is empty for a Workflow built in code.
	src workflowSource
}

// Metadata names and versions a workflow. A missing version means 1.
type Metadata struct {
	Name        string `yaml:"name" json:"name"`
	Title       string `yaml:"title,omitempty" json:"title,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Version     int    `yaml:"version,omitempty" json:"version,omitempty"`
}

// Input types a workflow may declare.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	TypeObject  = "object"
	TypeArray   = "array"
)

// InputDecl declares one run input. Default, when set, already has Type.
type InputDecl struct {
	Type        string `yaml:"type" json:"type"`
	Required    bool   `yaml:"required,omitempty" json:"required,omitempty"`
	Default     any    `yaml:"default,omitempty" json:"default,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Step is one node of the workflow graph. Inputs values are plain YAML data (maps, lists,
// strings, numbers, booleans, nil) in which strings may hold `${{ expr }}` templates or the
// original `from_step_<id>` references.
//
// When is evaluated once, before any item; a false condition skips the step. Foreach runs the step once per element,
// at most Concurrency at a time (0 leaves it to the runtime). Retry and Timeout apply to each
// attempt of each item. OnError is empty when not written, which means OnErrorFail.
type Step struct {
	ID          string         `yaml:"id" json:"id"`
	Action      string         `yaml:"action,omitempty" json:"action,omitempty"`
	Inputs      map[string]any `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	DependsOn   []string       `yaml:"depends_on,omitempty" json:"depends_on,omitempty"`
	When        string         `yaml:"when,omitempty" json:"when,omitempty"`
	Foreach     string         `yaml:"foreach,omitempty" json:"foreach,omitempty"`
	Concurrency int            `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	Retry       *Retry         `yaml:"retry,omitempty" json:"retry,omitempty"`
	Timeout     time.Duration  `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	OnError     string         `yaml:"on_error,omitempty" json:"on_error,omitempty"`
	Wait        *Wait          `yaml:"wait,omitempty" json:"wait,omitempty"`
	Approval    *Approval      `yaml:"approval,omitempty" json:"approval,omitempty"`

	src stepSource
}

// Step kinds returned by Step.Kind.
const (
	KindAction   = "action"
	KindWait     = "wait"
	KindApproval = "approval"
)

// Kind says whether the step runs an action, waits, or waits for an approval.
func (s *Step) Kind() string {
	switch {
	case s.Wait != nil:
		return KindWait
	case s.Approval != nil:
		return KindApproval
	}
	return KindAction
}

// on_error values; a goto is OnErrorGoto followed by a step id.
const (
	OnErrorFail     = "fail"
	OnErrorContinue = "continue"
	OnErrorGoto     = "goto:"
)

// GotoTarget returns the step id of an "goto:<id>" on_error, or "" for any other value.
func (s *Step) GotoTarget() string {
	if id, ok := strings.CutPrefix(s.OnError, OnErrorGoto); ok {
		return id
	}
	return ""
}

// Retry backoff strategies.
const (
	BackoffFixed       = "fixed"
	BackoffExponential = "exponential"
)

// Retry is a step's retry policy. MaxAttempts counts the first attempt; Delay is the wait
// before the second attempt (doubled each time with exponential backoff).
type Retry struct {
	MaxAttempts int           `yaml:"max_attempts" json:"max_attempts"`
	Backoff     string        `yaml:"backoff,omitempty" json:"backoff,omitempty"`
	Delay       time.Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
}

// Wait pauses a run durably: either for Duration, or until Event (such as "reply") arrives
// for this run, giving up after Timeout when it is set.
type Wait struct {
	Duration time.Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
	Event    string        `yaml:"event,omitempty" json:"event,omitempty"`
	// Key, optional, narrows an event wait to the events signalled with
	// that key (an enrollment or contact id, say); it may hold expressions.
	Key     string        `yaml:"key,omitempty" json:"key,omitempty"`
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`

	keyAt pos
}

// Approval pauses a run until a person approves or rejects it, with Message shown to them;
// after Timeout, when set, the step fails.
type Approval struct {
	Message string        `yaml:"message" json:"message"`
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// workflowSource keeps the YAML positions Validate reports against.
type workflowSource struct {
	file    string         // the filename given to Parse
	keys    map[string]pos // "inputs.<name>", "outputs.<name>" and top-level keys
	outputs map[string]pos // position of each output's value
}

// stepSource keeps the YAML positions of one step.
type stepSource struct {
	at        pos            // the step's mapping (the "- id:" line)
	keys      map[string]pos // position of each key's value, by key name
	inputs    map[string]pos // position of every inputs value, by JSON pointer ("" is inputs)
	dependsOn []pos          // position of each depends_on entry
}

// keyPos returns where key's value is, falling back to the step itself.
func (s *Step) keyPos(key string) pos {
	if p, ok := s.src.keys[key]; ok {
		return p
	}
	return s.src.at
}

// validType reports whether t is one of the input types.
func validType(t string) bool {
	switch t {
	case TypeString, TypeNumber, TypeInteger, TypeBoolean, TypeObject, TypeArray:
		return true
	}
	return false
}

// hasType reports whether v, decoded from YAML or JSON, is of input type t.
func hasType(v any, t string) bool {
	switch t {
	case TypeString:
		_, ok := v.(string)
		return ok
	case TypeBoolean:
		_, ok := v.(bool)
		return ok
	case TypeObject:
		_, ok := v.(map[string]any)
		return ok
	case TypeArray:
		_, ok := v.([]any)
		return ok
	case TypeNumber:
		_, ok := number(v)
		return ok
	case TypeInteger:
		f, ok := number(v)
		return ok && f == float64(int64(f))
	}
	return false
}

// number converts the numeric types YAML and JSON decoding produce.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

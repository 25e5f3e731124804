package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// BatchResult is a batch call's outcome per input. HubSpot answers 200/201
// when every input succeeded and 207 when some failed; either way the
// successes are in Results and the failures in Errors, each mapped back to
// the inputs it concerns, so a caller retries only Failed().
type BatchResult struct {
	Status  string // COMPLETE, PENDING, PROCESSING or CANCELED
	Results []Result
	Errors  []InputError
	n       int
}

// Result is one object written or read, with the index of its input (-1
// when it could not be matched to one).
type Result struct {
	Input int
	Object
}

// InputError is HubSpot's error for some inputs of a batch (HubSpot groups
// several ids in one error when they fail the same way). Inputs is empty
// when the error could not be matched to an input.
type InputError struct {
	Inputs      []int
	Category    string // VALIDATION_ERROR, CONFLICT, OBJECT_NOT_FOUND, ...
	SubCategory string
	Message     string
	Context     map[string][]string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("hubspot: inputs %v: %s: %s", e.Inputs, e.Category, e.Message)
}

// Failed lists, in order, the inputs that have no result: those named by an
// error and those HubSpot did not answer for. Retrying them (by upsert) is
// what a caller should do after a 207.
func (r *BatchResult) Failed() []int {
	done := make([]bool, r.n)
	for _, res := range r.Results {
		if res.Input >= 0 {
			done[res.Input] = true
		}
	}
	var out []int
	for i, ok := range done {
		if !ok {
			out = append(out, i)
		}
	}
	return out
}

// ErrorFor returns the error naming input i, or nil.
func (r *BatchResult) ErrorFor(i int) *InputError {
	for k := range r.Errors {
		if slices.Contains(r.Errors[k].Inputs, i) {
			return &r.Errors[k]
		}
	}
	return nil
}

// ResultFor returns the result of input i, or nil.
func (r *BatchResult) ResultFor(i int) *Result {
	for k := range r.Results {
		if r.Results[k].Input == i {
			return &r.Results[k]
		}
	}
	return nil
}

type inputsBody struct {
	Inputs any `json:"inputs"`
}

type batchResponse struct {
	Status    string      `json:"status"`
	Results   []Object    `json:"results"`
	NumErrors int         `json:"numErrors"`
	Errors    []wireError `json:"errors"`
}

// wireError is HubSpot's StandardError.
type wireError struct {
	Status      string              `json:"status"`
	Category    string              `json:"category"`
	SubCategory string              `json:"subCategory"`
	Message     string              `json:"message"`
	Context     map[string][]string `json:"context"`
}

func (s *ObjectsService) batch(ctx context.Context, op string, body any, ix *inputIndex, idProperty string) (*BatchResult, error) {
	var resp batchResponse
	if err := s.c.do(ctx, BucketDefault, http.MethodPost, s.path(op), nil, body, &resp); err != nil {
		return nil, err
	}
	out := &BatchResult{Status: resp.Status, n: ix.n}
	for _, o := range resp.Results {
		i := ix.resultInput(o, idProperty)
		if ix.generated[o.ObjectWriteTraceID] {
			o.ObjectWriteTraceID = ""
		}
		out.Results = append(out.Results, Result{Input: i, Object: o})
	}
	for _, e := range resp.Errors {
		out.Errors = append(out.Errors, ix.inputError(e))
	}
	return out, nil
}

// inputIndex matches HubSpot's results and errors to the inputs sent: by
// objectWriteTraceId first (the client sets one on every write input that
// has none, and HubSpot echoes it), then by id or unique property value.
type inputIndex struct {
	n         int
	traces    map[string]int // -1 when several inputs share the trace
	generated map[string]bool
	keys      map[string][]int
}

func newInputIndex(n int) *inputIndex {
	return &inputIndex{n: n, traces: make(map[string]int), generated: make(map[string]bool), keys: make(map[string][]int)}
}

// trace returns the trace id to send with input i.
func (ix *inputIndex) trace(i int, given string) string {
	if given == "" {
		given = "rtgs-input-" + strconv.Itoa(i)
		ix.generated[given] = true
	}
	if _, dup := ix.traces[given]; dup {
		ix.traces[given] = -1
	} else {
		ix.traces[given] = i
	}
	return given
}

func (ix *inputIndex) addKey(i int, key string) {
	k := strings.ToLower(key)
	ix.keys[k] = append(ix.keys[k], i)
}

func (ix *inputIndex) byKey(key string) int {
	if is := ix.keys[strings.ToLower(key)]; len(is) == 1 {
		return is[0]
	}
	return -1
}

func (ix *inputIndex) resultInput(o Object, idProperty string) int {
	if i, ok := ix.traces[o.ObjectWriteTraceID]; ok && i >= 0 {
		return i
	}
	if idProperty != "" && idProperty != "hs_object_id" {
		if v := o.Properties[idProperty]; v != "" {
			return ix.byKey(v)
		}
	}
	return ix.byKey(o.ID)
}

func (ix *inputIndex) inputError(e wireError) InputError {
	out := InputError{Category: e.Category, SubCategory: e.SubCategory, Message: e.Message, Context: e.Context}
	add := func(i int) {
		if i >= 0 && !slices.Contains(out.Inputs, i) {
			out.Inputs = append(out.Inputs, i)
		}
	}
	for _, t := range e.Context["objectWriteTraceId"] {
		if i, ok := ix.traces[t]; ok {
			add(i)
		}
	}
	for _, id := range e.Context["ids"] {
		add(ix.byKey(id))
	}
	slices.Sort(out.Inputs)
	return out
}

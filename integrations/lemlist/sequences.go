package lemlist

import (
	"context"
	"net/http"
	"net/url"
	"sort"
)

// SequenceStep is one step of a campaign's sequence.
type SequenceStep struct {
	ID           string `json:"_id"`
	Type         string `json:"type"`
	Delay        int    `json:"delay"`
	Index        int    `json:"index"` // 1-based position
	SequenceID   string `json:"sequenceId"`
	SequenceStep int    `json:"sequenceStep"` // 0-based position
	Subject      string `json:"subject,omitempty"`
	Message      string `json:"message,omitempty"`
}

// Sequence is a campaign's sequence with its steps in order.
type Sequence struct {
	ID    string         `json:"_id"`
	Steps []SequenceStep `json:"steps"`
}

// CampaignSequences returns the sequences of a campaign (GET
// /campaigns/{id}/sequences, an object keyed by sequence id), ordered by id.
// The main sequence is the campaign's sequenceId; conditions add others.
func (c *Client) CampaignSequences(ctx context.Context, campaignID string) ([]Sequence, error) {
	const op = "campaign sequences"
	if campaignID == "" {
		return nil, invalid(op, "campaign id is empty")
	}
	var out map[string]Sequence
	if err := c.do(ctx, http.MethodGet, "/campaigns/"+url.PathEscape(campaignID)+"/sequences", nil, nil, &out); err != nil {
		return nil, wrap(op, err)
	}
	seqs := make([]Sequence, 0, len(out))
	for id, s := range out {
		if s.ID == "" {
			s.ID = id
		}
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i].ID < seqs[j].ID })
	return seqs, nil
}

// AddStepRequest is the body of POST /sequences/{id}/steps. Index is the
// 1-based position (0 appends); Delay is days after the previous step.
type AddStepRequest struct {
	Type    string `json:"type"`
	Subject string `json:"subject,omitempty"`
	Message string `json:"message,omitempty"`
	Delay   int    `json:"delay"`
	Index   int    `json:"index,omitempty"`
}

// AddSequenceStep adds a step to a sequence.
func (c *Client) AddSequenceStep(ctx context.Context, sequenceID string, req AddStepRequest) (*SequenceStep, error) {
	const op = "add sequence step"
	switch {
	case sequenceID == "":
		return nil, invalid(op, "sequence id is empty")
	case req.Type == "":
		return nil, invalid(op, "step type is empty")
	case req.Delay < 0:
		return nil, invalid(op, "delay %d is negative", req.Delay)
	}
	var out SequenceStep
	if err := c.do(ctx, http.MethodPost, "/sequences/"+url.PathEscape(sequenceID)+"/steps", nil, req, &out); err != nil {
		return nil, wrap(op, err)
	}
	return &out, nil
}

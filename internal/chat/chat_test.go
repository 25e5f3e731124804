package chat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/chat"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

const testKey = "test-ai-key"

// models are the real Models over a simulator on a real listener, by
// vendor.
func models(t *testing.T) map[string]chat.Model {
	t.Helper()
	srv := httptest.NewServer(vendorsim.New(vendorsim.Options{}, vendorsim.NewAnthropic(testKey), vendorsim.NewGemini(testKey)).Handler())
	t.Cleanup(srv.Close)
	a, err := anthropic.NewClient(anthropic.Config{APIKey: testKey, BaseURL: srv.URL + "/anthropic"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gemini.NewClient(gemini.Config{APIKey: testKey, BaseURL: srv.URL + "/gemini"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]chat.Model{"anthropic": chat.Anthropic{Client: a}, "gemini": chat.Gemini{Client: g}}
}

// spyModel records the noTools flag of each call to the real model it
// wraps. With ignoreBan it drops the flag, so the vendor may call tools:
// a vendor that ignores tool_choice none.
type spyModel struct {
	chat.Model
	ignoreBan bool
	noTools   []bool
}

func (m *spyModel) Next(ctx context.Context, system string, turns []chat.Turn, tools []chat.ToolSpec, noTools bool, maxTokens int) (string, []chat.Call, error) {
	m.noTools = append(m.noTools, noTools)
	return m.Model.Next(ctx, system, turns, tools, noTools && !m.ignoreBan, maxTokens)
}

// TestReplyRounds: a model that answers after a round of tools is not
// constrained; one that keeps calling tools gets, after MaxToolRounds
// rounds, a call that forbids them and its text is the answer; a vendor
// that calls tools even then fails the reply with ErrTooManyRounds. Over
// both vendors' real clients and simulators.
func TestReplyRounds(t *testing.T) {
	t.Parallel()
	pool := dbtest.Pool(t)
	tools := chat.NewTools(pool)
	id := uuid.New()
	title := fmt.Sprintf(`%s contact_status {"contact_id":"%s"}`, vendorsim.AIToolCallMarker, id)
	if _, err := pool.Exec(t.Context(), `INSERT INTO contacts (id, email, title) VALUES ($1, 'loop@acme.test', $2)`, id, title); err != nil {
		t.Fatal(err)
	}
	looping := fmt.Sprintf("What is the status of contact %s?", id)
	forced := append(slices.Repeat([]bool{false}, chat.MaxToolRounds), true)

	for vendor, model := range models(t) {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			tests := []struct {
				name      string
				question  string
				ignoreBan bool
				rounds    int
				noTools   []bool // the flag of each model call
				answer    string // contained in the answer
				err       error
			}{
				// One round of tools, then the model answers by itself.
				{"answers within the rounds", "How many contacts are in the pipeline?", false, 1, []bool{false, false}, "From pipeline_counts", nil},
				// The model would call contact_status forever; the call
				// after the last round forbids tools and it answers from
				// the last results.
				{"forced answer after the last round", looping, false, chat.MaxToolRounds, forced, "From contact_status", nil},
				// A vendor that calls tools even when forbidden.
				{"vendor ignoring the ban", looping, true, chat.MaxToolRounds, forced, "", chat.ErrTooManyRounds},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					spy := &spyModel{Model: model, ignoreBan: tt.ignoreBan}
					a, err := chat.Reply(t.Context(), spy, tools, []chat.Turn{{Role: store.ChatRoleUser, Text: tt.question}})
					if !errors.Is(err, tt.err) {
						t.Fatalf("Reply: got error %v, want %v", err, tt.err)
					}
					if len(a.Rounds) != tt.rounds || !slices.Equal(spy.noTools, tt.noTools) {
						t.Errorf("got %d rounds and calls with noTools %v, want %d and %v", len(a.Rounds), spy.noTools, tt.rounds, tt.noTools)
					}
					for i, r := range a.Rounds {
						if len(r) != 1 || r[0].IsError {
							t.Errorf("round %d: %+v, want one successful call", i, r)
						}
					}
					if !strings.Contains(a.Text, tt.answer) || (tt.err != nil && a.Text != "") {
						t.Errorf("answer %q, want one holding %q", a.Text, tt.answer)
					}
				})
			}
		})
	}
}

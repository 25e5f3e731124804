package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/chat"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// PostChatRequest asks the assistant a question.
type PostChatRequest struct {
	Body struct {
		ConversationID string `json:"conversation_id,omitempty" format:"uuid" doc:"A conversation of the caller's key to continue; absent starts a new one."`
		Message        string `json:"message" minLength:"1" maxLength:"4000" doc:"The question, 1 to 4000 characters, not only white space."`
	}
}

// PostChatResponse names the conversation and the question; poll the
// conversation for the reply.
type PostChatResponse struct {
	Location string `header:"Location"`
	Body     struct {
		ConversationID uuid.UUID `json:"conversation_id"`
		MessageID      uuid.UUID `json:"message_id"`
	}
}

// ChatConversationParam names one conversation.
type ChatConversationParam struct {
	Conversation uuid.UUID `path:"conversation" doc:"Conversation id"`
}

// ChatMessage is one message of a conversation.
type ChatMessage struct {
	ID        uuid.UUID      `json:"id"`
	Role      string         `json:"role" enum:"user,assistant,tool"`
	Text      string         `json:"text,omitempty"`
	ReplyTo   *uuid.UUID     `json:"reply_to,omitempty" doc:"Assistant and tool messages: the question answered."`
	Status    string         `json:"status,omitempty" enum:"pending,ready,failed" doc:"User messages: the status of the reply."`
	Error     string         `json:"error,omitempty" doc:"Why the reply failed."`
	ToolCalls []ChatToolCall `json:"tool_calls,omitempty" doc:"Tool messages: the read-only tools the assistant called in one round."`
	CreatedAt time.Time      `json:"created_at"`
}

// ChatToolCall is a tool the assistant called (never its result).
type ChatToolCall struct {
	Name    string `json:"name"`
	Input   any    `json:"input"`
	IsError bool   `json:"is_error"`
}

// ChatConversationResponse is a conversation with its messages.
type ChatConversationResponse struct {
	Body struct {
		ID          uuid.UUID     `json:"id"`
		CreatedAt   time.Time     `json:"created_at"`
		ReplyStatus string        `json:"reply_status" enum:"pending,ready,failed" doc:"The status of the reply to the latest question."`
		Messages    []ChatMessage `json:"messages"`
	}
}

func (s *Server) registerChat() {
	read := map[string]any{metaScope: auth.ContactsRead}
	tags := []string{"chat"}
	register(s, huma.Operation{
		OperationID: "post-chat", Method: http.MethodPost, Path: "/api/v1/chat",
		Summary: "Ask the assistant", Tags: tags, Metadata: read, DefaultStatus: http.StatusAccepted,
		Description: fmt.Sprintf("Stores the question and queues the reply: the assistant answers questions about the "+
			"pipeline, contacts and campaigns through read-only tools, and never changes anything. Poll "+
			"GET /api/v1/chat/{conversation} until the question's status is ready or failed. A conversation belongs "+
			"to the key that started it and holds at most %d questions (then 409: start a new one).", chat.MaxUserMessages),
	}, func(ctx context.Context, in *PostChatRequest) (*PostChatResponse, error) {
		if msg := chat.CheckMessage(in.Body.Message); msg != "" {
			return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
				&huma.ErrorDetail{Location: "body.message", Message: msg})
		}
		var to *uuid.UUID
		if in.Body.ConversationID != "" {
			id, err := uuid.Parse(in.Body.ConversationID)
			if err != nil {
				return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
					&huma.ErrorDetail{Location: "body.conversation_id", Message: "must be a UUID", Value: in.Body.ConversationID})
			}
			to = &id
		}
		owner, err := chatOwner(ctx)
		if err != nil {
			return nil, err
		}
		var conv, msg uuid.UUID
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			conv, msg, err = store.NewChats(tx).Post(ctx, owner, to, in.Body.Message, chat.MaxUserMessages)
			if err != nil {
				return err
			}
			_, err = s.river.InsertTx(ctx, tx, jobs.AIChatReplyArgs{ConversationID: conv, MessageID: msg}, nil)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, problem(http.StatusNotFound, codeNotFound, "no such conversation",
				&huma.ErrorDetail{Location: "body.conversation_id", Message: "no such conversation", Value: in.Body.ConversationID})
		case errors.Is(err, store.ErrConversationFull):
			return nil, problem(http.StatusConflict, codeConflict,
				fmt.Sprintf("the conversation already holds %d questions; start a new one", chat.MaxUserMessages),
				&huma.ErrorDetail{Location: "body.conversation_id", Message: "conversation is full", Value: in.Body.ConversationID})
		case err != nil:
			return nil, err
		}
		out := &PostChatResponse{Location: "/api/v1/chat/" + conv.String()}
		out.Body.ConversationID, out.Body.MessageID = conv, msg
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-chat", Method: http.MethodGet, Path: "/api/v1/chat/{conversation}",
		Summary: "Read a conversation", Tags: tags, Metadata: read,
		Description: "The conversation's messages, oldest first: questions (with their reply's status), the assistant's " +
			"answers, and the tools it called. Another key's conversation is a 404.",
	}, func(ctx context.Context, in *ChatConversationParam) (*ChatConversationResponse, error) {
		owner, err := chatOwner(ctx)
		if err != nil {
			return nil, err
		}
		created, msgs, err := store.NewChats(s.pool).Owned(ctx, owner, in.Conversation)
		if err != nil {
			return nil, err
		}
		out := &ChatConversationResponse{}
		out.Body.ID, out.Body.CreatedAt = in.Conversation, created
		out.Body.Messages = make([]ChatMessage, len(msgs))
		for i, m := range msgs {
			out.Body.Messages[i] = chatMessageView(m)
			if m.Role == store.ChatRoleUser {
				out.Body.ReplyStatus = m.Status
			}
		}
		return out, nil
	})
}

// chatOwner is the key a conversation belongs to: the caller's API key, or
// the key a session was minted from.
func chatOwner(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || p.KeyID == uuid.Nil {
		return uuid.Nil, auth.ErrUnauthenticated
	}
	return p.KeyID, nil
}

func chatMessageView(m store.ChatMessage) ChatMessage {
	v := ChatMessage{ID: m.ID, Role: m.Role, Text: m.Text, ReplyTo: m.ReplyTo, Error: m.Error, CreatedAt: m.CreatedAt}
	if m.Role == store.ChatRoleUser {
		v.Status = m.Status
	}
	if len(m.ToolCalls) > 0 {
		var calls []store.ChatToolCall
		if json.Unmarshal(m.ToolCalls, &calls) == nil {
			for _, c := range calls {
				var input any
				_ = json.Unmarshal(c.Input, &input)
				v.ToolCalls = append(v.ToolCalls, ChatToolCall{Name: c.Name, Input: input, IsError: c.IsError})
			}
		}
	}
	return v
}

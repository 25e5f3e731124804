package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrConversationFull means a conversation holds as many user messages as
// it may; the caller starts a new one.
var ErrConversationFull = errors.New("conversation is full")

// Chat message roles and reply statuses (chat_messages.role, .status).
const (
	ChatRoleUser      = "user"
	ChatRoleAssistant = "assistant"
	ChatRoleTool      = "tool"

	ChatPending = "pending"
	ChatReady   = "ready"
	ChatFailed  = "failed"
)

// ChatMessage is one row of chat_messages.
type ChatMessage struct {
	ID             uuid.UUID
	ConversationID uuid.UUID
	Role           string
	ReplyTo        *uuid.UUID // assistant and tool rows: the user message answered
	Text           string
	ToolCalls      json.RawMessage // tool rows: the round's calls
	Status         string          // user rows: the reply's status
	Error          string
	CreatedAt      time.Time
}

// ChatToolCall is one call of a tool row, as stored: never the result,
// which may hold contact data the conversation need not keep.
type ChatToolCall struct {
	Name    string          `json:"name"`
	Input   json.RawMessage `json:"input"`
	IsError bool            `json:"is_error"`
}

// Chats reads and writes conversations and their messages.
type Chats struct{ db DBTX }

// NewChats returns the chat store over db.
func NewChats(db DBTX) *Chats { return &Chats{db: db} }

// Post adds a user message, pending its reply, to the conversation of
// owner with id conv, or to a new conversation when conv is nil, and
// returns both ids. Run it in the transaction that enqueues the reply. A
// conversation that does not exist or belongs to another key is
// ErrNotFound; one already holding maxUserMessages user messages is
// ErrConversationFull.
func (c *Chats) Post(ctx context.Context, owner uuid.UUID, conv *uuid.UUID, text string, maxUserMessages int) (convID, msgID uuid.UUID, err error) {
	if conv == nil {
		if err := c.db.QueryRow(ctx, `INSERT INTO chat_conversations (owner_key_id) VALUES ($1) RETURNING id`, owner).Scan(&convID); err != nil {
			return uuid.Nil, uuid.Nil, fmt.Errorf("insert chat conversation: %w", err)
		}
	} else {
		// The row lock serialises posts to one conversation, so two
		// concurrent posts cannot both pass the count.
		err := c.db.QueryRow(ctx, `
			UPDATE chat_conversations SET updated_at = now()
			WHERE id = $1 AND owner_key_id = $2 RETURNING id`, *conv, owner).Scan(&convID)
		if errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, uuid.Nil, ErrNotFound
		} else if err != nil {
			return uuid.Nil, uuid.Nil, fmt.Errorf("lock chat conversation: %w", err)
		}
		var n int
		if err := c.db.QueryRow(ctx, `SELECT count(*) FROM chat_messages WHERE conversation_id = $1 AND role = 'user'`,
			convID).Scan(&n); err != nil {
			return uuid.Nil, uuid.Nil, fmt.Errorf("count chat messages: %w", err)
		}
		if n >= maxUserMessages {
			return uuid.Nil, uuid.Nil, ErrConversationFull
		}
	}
	if err := c.db.QueryRow(ctx, `
		INSERT INTO chat_messages (conversation_id, role, text, status) VALUES ($1, 'user', $2, 'pending')
		RETURNING id`, convID, text).Scan(&msgID); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("insert chat message: %w", err)
	}
	return convID, msgID, nil
}

// Owned returns the messages of owner's conversation id in order; another
// key's conversation is ErrNotFound, as is one that does not exist.
func (c *Chats) Owned(ctx context.Context, owner, id uuid.UUID) (created time.Time, msgs []ChatMessage, err error) {
	err = c.db.QueryRow(ctx, `SELECT created_at FROM chat_conversations WHERE id = $1 AND owner_key_id = $2`, id, owner).Scan(&created)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil, ErrNotFound
	} else if err != nil {
		return time.Time{}, nil, fmt.Errorf("read chat conversation: %w", err)
	}
	msgs, err = c.Messages(ctx, id)
	return created, msgs, err
}

// Messages returns every message of a conversation, oldest first.
func (c *Chats) Messages(ctx context.Context, conv uuid.UUID) ([]ChatMessage, error) {
	rows, err := c.db.Query(ctx, `
		SELECT id, conversation_id, role, reply_to, text, tool_calls, status, error, created_at
		FROM chat_messages WHERE conversation_id = $1 ORDER BY seq`, conv)
	if err != nil {
		return nil, fmt.Errorf("list chat messages: %w", err)
	}
	out := []ChatMessage{}
	var m ChatMessage
	if _, err := pgx.ForEachRow(rows, []any{&m.ID, &m.ConversationID, &m.Role, &m.ReplyTo, &m.Text, &m.ToolCalls,
		&m.Status, &m.Error, &m.CreatedAt}, func() error {
		out = append(out, m)
		m = ChatMessage{}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list chat messages: %w", err)
	}
	return out, nil
}

// StoreReply stores the reply to the pending user message msg: a tool row
// per round of calls, then the assistant's text, and marks msg ready. A
// message no longer pending (a repeated job) is left alone and false is
// returned.
func (c *Chats) StoreReply(ctx context.Context, msg ChatMessage, rounds [][]ChatToolCall, text string) (bool, error) {
	tag, err := c.db.Exec(ctx, `UPDATE chat_messages SET status = 'ready', error = '' WHERE id = $1 AND status = 'pending'`, msg.ID)
	if err != nil {
		return false, fmt.Errorf("mark chat message ready: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	for _, r := range rounds {
		calls, err := json.Marshal(r)
		if err != nil {
			return false, fmt.Errorf("encode tool calls: %w", err)
		}
		if _, err := c.db.Exec(ctx, `
			INSERT INTO chat_messages (conversation_id, role, reply_to, tool_calls) VALUES ($1, 'tool', $2, $3)`,
			msg.ConversationID, msg.ID, calls); err != nil {
			return false, fmt.Errorf("insert tool message: %w", err)
		}
	}
	if _, err := c.db.Exec(ctx, `
		INSERT INTO chat_messages (conversation_id, role, reply_to, text) VALUES ($1, 'assistant', $2, $3)`,
		msg.ConversationID, msg.ID, text); err != nil {
		return false, fmt.Errorf("insert assistant message: %w", err)
	}
	return true, nil
}

// FailReply marks the pending user message id failed with reason, which a
// client sees: keep it free of vendor bodies and data.
func (c *Chats) FailReply(ctx context.Context, id uuid.UUID, reason string) error {
	if _, err := c.db.Exec(ctx, `UPDATE chat_messages SET status = 'failed', error = $2 WHERE id = $1 AND status = 'pending'`,
		id, reason); err != nil {
		return fmt.Errorf("mark chat message failed: %w", err)
	}
	return nil
}

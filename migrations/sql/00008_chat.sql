-- The chat assistant (issue 6): conversations owned by the API key that
-- started them, and their messages. A user message carries the status of
-- its reply (pending until the ai_chat_reply job stores the assistant's
-- message, then ready, or failed with the reason); tool rows record the
-- read-only tool calls the model made while answering.

-- +goose Up
CREATE TABLE chat_conversations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_conversations_owner_idx ON chat_conversations (owner_key_id, created_at);

CREATE TABLE chat_messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id uuid NOT NULL REFERENCES chat_conversations (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    -- reply_to is the user message an assistant or tool row answers.
    reply_to        uuid REFERENCES chat_messages (id) ON DELETE CASCADE,
    text            text NOT NULL DEFAULT '' CHECK (length(text) <= 100000),
    -- tool rows: [{"name", "input", "is_error"}] of one round of calls.
    tool_calls      jsonb,
    -- user rows: the reply's status; others are ready when written.
    status          text NOT NULL DEFAULT 'ready' CHECK (status IN ('pending', 'ready', 'failed')),
    error           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_conversation_idx ON chat_messages (conversation_id, seq);

-- +goose Down
DROP TABLE chat_messages;
DROP TABLE chat_conversations;

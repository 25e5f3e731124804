package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/chat"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// KindAIChatReply answers a chat message.
const KindAIChatReply = "ai_chat_reply"

// aiChatMaxAttempts bounds the retries of a reply: a user is waiting, and
// after the last one the question is marked failed.
const aiChatMaxAttempts = 5

// AIChatReplyArgs asks for the assistant's reply to one user message. It
// carries ids only; the text stays in chat_messages.
type AIChatReplyArgs struct {
	ConversationID uuid.UUID `json:"conversation_id"`
	MessageID      uuid.UUID `json:"message_id"`
}

// Kind implements river.JobArgs.
func (AIChatReplyArgs) Kind() string { return KindAIChatReply }

// InsertOpts implements river.JobArgsWithInsertOpts: the ai queue, and
// one job per message.
func (AIChatReplyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAI, MaxAttempts: aiChatMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AIChatReplyWorker works AIChatReplyArgs: it sends the conversation to the
// configured AI vendor with the read-only tools of package chat, runs the
// tools the model calls, and stores the answer (and a record of the calls)
// in the transaction that completes the job. A rate limit or open breaker
// snoozes; a vendor's refusal, too many tool rounds or the last failed
// attempt marks the question failed.
type AIChatReplyWorker struct {
	river.WorkerDefaults[AIChatReplyArgs]

	pool   *pgxpool.Pool
	model  chat.Model // nil: no AI vendor configured
	tools  *chat.Tools
	logger *slog.Logger
}

// newAIChatReplyWorker picks the model as the configuration says
// (AI_PROVIDER), falling back to the other vendor when only it is set up.
func newAIChatReplyWorker(deps Deps) *AIChatReplyWorker {
	w := &AIChatReplyWorker{pool: deps.Pool, tools: chat.NewTools(deps.Pool), logger: deps.Logger}
	w.model = chatModel(deps.Vendors, deps.AIProvider)
	return w
}

func chatModel(v *vendors.Set, provider string) chat.Model {
	if v == nil {
		return nil
	}
	useGemini := provider == vendors.Gemini || v.Anthropic == nil
	switch {
	case useGemini && v.Gemini != nil:
		return chat.Gemini{Client: v.Gemini}
	case v.Anthropic != nil:
		return chat.Anthropic{Client: v.Anthropic}
	}
	return nil
}

// Work answers the message; see the type's comment.
func (w *AIChatReplyWorker) Work(ctx context.Context, job *river.Job[AIChatReplyArgs]) error {
	log := obs.Logger(ctx, w.logger)
	msgs, err := store.NewChats(w.pool).Messages(ctx, job.Args.ConversationID)
	if err != nil {
		return err
	}
	var msg *store.ChatMessage
	for i := range msgs {
		if msgs[i].ID == job.Args.MessageID && msgs[i].Role == store.ChatRoleUser {
			msg = &msgs[i]
		}
	}
	if msg == nil || msg.Status != store.ChatPending {
		log.InfoContext(ctx, "chat reply not needed", slog.Bool("message_exists", msg != nil))
		return w.complete(ctx, job, nil)
	}
	if w.model == nil {
		return w.fail(ctx, job, "no AI provider is configured", river.JobCancel(vendors.ErrNotConfigured))
	}

	answer, err := chat.Reply(ctx, &patientModel{Model: w.model}, w.tools, chat.Prompt(msgs, *msg))
	if err != nil {
		wait, refused := classifyVendorError(err)
		switch {
		case wait > 0:
			return river.JobSnooze(wait)
		case refused:
			return w.fail(ctx, job, "the AI provider refused the request", river.JobCancel(err))
		case errors.Is(err, chat.ErrTooManyRounds):
			return w.fail(ctx, job, fmt.Sprintf("the assistant made more than %d rounds of tool calls without answering", chat.MaxToolRounds),
				river.JobCancel(err))
		case job.Attempt >= job.MaxAttempts:
			return w.fail(ctx, job, "the AI provider could not be reached; ask again later", err)
		}
		return err
	}
	stored := false
	err = w.complete(ctx, job, func(tx pgx.Tx) error {
		stored, err = store.NewChats(tx).StoreReply(ctx, *msg, answer.Rounds, answer.Text)
		return err
	})
	if err == nil {
		log.InfoContext(ctx, "chat reply stored", slog.Bool("stored", stored), slog.Int("tool_rounds", len(answer.Rounds)))
	}
	return err
}

// complete runs write (if any) and completes the job in one transaction.
func (w *AIChatReplyWorker) complete(ctx context.Context, job *river.Job[AIChatReplyArgs], write func(pgx.Tx) error) error {
	return completeWith(ctx, w.pool, job, write)
}

// fail marks the question failed with reason (shown to the client, so
// never a vendor's text) and returns outcome for River.
func (w *AIChatReplyWorker) fail(ctx context.Context, job *river.Job[AIChatReplyArgs], reason string, outcome error) error {
	if err := store.NewChats(w.pool).FailReply(ctx, job.Args.MessageID, reason); err != nil {
		return err
	}
	obs.Logger(ctx, w.logger).WarnContext(ctx, "chat reply failed", slog.String("reason", reason), slog.Any("error", outcome))
	return outcome
}

// chatMidTurnWait bounds how long a reply waits in process for a rate-limit
// token once it has made its first call.
const chatMidTurnWait = 5 * time.Second

// patientModel lets one reply's later calls (after tool rounds) wait out a
// short rate-limit or breaker wait in process instead of snoozing: a snooze
// restarts the reply from its first call, and under a limit spacing calls
// further apart than VENDOR_MAX_WAIT (Anthropic's 50 a minute is one per
// 1.2 s) a reply of two calls would then never finish. The first call
// still snoozes, holding no worker slot while the vendor is busy.
type patientModel struct {
	chat.Model
	calls int
}

func (m *patientModel) Next(ctx context.Context, system string, turns []chat.Turn, tools []chat.ToolSpec, noTools bool, maxTokens int) (string, []chat.Call, error) {
	m.calls++
	for tries := 0; ; tries++ {
		text, calls, err := m.Model.Next(ctx, system, turns, tools, noTools, maxTokens)
		wait, _ := classifyVendorError(err)
		if err == nil || m.calls == 1 || wait == 0 || wait > chatMidTurnWait || tries == 3 {
			return text, calls, err
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

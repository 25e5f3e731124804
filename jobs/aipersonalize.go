package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/integrations/anthropic"
	"github.com/rtgs/sales-automation/integrations/gemini"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/internal/vendors"
)

// KindAIPersonalize writes an enrollment's personalised custom field.
const KindAIPersonalize = "ai_personalize"

const (
	// aiPersonalizeMaxAttempts bounds the retries of transient vendor
	// failures; after the last the personalisation fails (ai_unavailable)
	// and the template's on_failure decides what happens to the lead.
	aiPersonalizeMaxAttempts = 5
	// aiPersonalizeMaxTokens caps the answer: 300 characters are about 75
	// tokens, so an answer that needs more is too long anyway.
	aiPersonalizeMaxTokens = 150
)

// AIPersonalizeArgs personalises one enrollment. It carries the id only:
// the contact's data is read when the job runs.
type AIPersonalizeArgs struct {
	EnrollmentID uuid.UUID `json:"enrollment_id"`
}

// Kind is "ai_personalize".
func (AIPersonalizeArgs) Kind() string { return KindAIPersonalize }

// InsertOpts puts the job on the ai queue.
func (AIPersonalizeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAI, MaxAttempts: aiPersonalizeMaxAttempts}
}

// AIPersonalizeWorker works AIPersonalizeArgs:
//
//  1. an enrollment that is gone, ended, already sent, or whose
//     personalisation is no longer pending (a person wrote the text)
//     completes the job without a call;
//  2. the prompt is the template's instructions and the contact's fields
//     and enrichment as JSON inside a delimited data block
//     (campaigns.Personalization.Prompt), sent to the configured AI
//     vendor;
//  3. a rate limit or open breaker snoozes; a vendor's refusal fails the
//     personalisation (ai_refused) and cancels; other errors are retried
//     up to the job's attempts, the last failing it (ai_unavailable);
//  4. the answer is checked by campaigns.CheckText: rejected text is never
//     stored, the personalisation fails with the reason code;
//  5. the text (or the failure) is stored, a waiting outreach_enroll job
//     woken when the lead may now go, and the job completed, in one
//     transaction.
//
// Logs carry ids, statuses and reason codes, never the contact's data or
// the text.
type AIPersonalizeWorker struct {
	river.WorkerDefaults[AIPersonalizeArgs]

	db     txBeginner
	model  textModel // nil: no AI vendor configured
	now    func() time.Time
	logger *slog.Logger
}

func newAIPersonalizeWorker(deps Deps) *AIPersonalizeWorker {
	return &AIPersonalizeWorker{db: deps.Pool, model: personalizeModel(deps.Vendors, deps.AIProvider),
		now: deps.Now, logger: deps.Logger}
}

// Work personalises the enrollment; see the type's comment.
func (w *AIPersonalizeWorker) Work(ctx context.Context, job *river.Job[AIPersonalizeArgs]) error {
	log := obs.Logger(ctx, w.logger).With(slog.String("enrollment_id", job.Args.EnrollmentID.String()))
	p, system, prompt, err := w.load(ctx, job.Args.EnrollmentID)
	if err != nil || p == nil {
		if err == nil {
			log.InfoContext(ctx, "personalization not needed")
			return w.settle(ctx, job, nil, nil)
		}
		return err
	}
	if w.model == nil {
		return w.fail(ctx, job, *p, "", campaigns.ReasonAINotConfigured, river.JobCancel(vendors.ErrNotConfigured))
	}
	ans, err := w.model.complete(ctx, system, prompt, aiPersonalizeMaxTokens)
	if err != nil {
		wait, refused := classifyVendorError(err)
		switch {
		case wait > 0:
			return river.JobSnooze(wait)
		case refused:
			return w.fail(ctx, job, *p, ans.model, campaigns.ReasonAIRefused, river.JobCancel(err))
		case job.Attempt >= job.MaxAttempts:
			return w.fail(ctx, job, *p, ans.model, campaigns.ReasonAIUnavailable, err)
		}
		return err
	}
	text, reason := ans.text, ans.incomplete
	if reason == "" {
		var terr error
		if text, terr = campaigns.CheckText(ans.text); terr != nil {
			var te *campaigns.TextError
			reason = campaigns.TextRefusal
			if errors.As(terr, &te) {
				reason = te.Code
			}
		}
	}
	if reason != "" {
		log.WarnContext(ctx, "personalization rejected", slog.String("reason", reason), slog.String("model", ans.model))
		return w.fail(ctx, job, *p, ans.model, reason, nil)
	}
	err = w.settle(ctx, job, p, &store.PersonalizationUpdate{Field: p.field, Status: campaigns.PersonalReady, Text: text,
		Model: ans.model, From: []string{campaigns.PersonalPending}})
	if err == nil {
		log.InfoContext(ctx, "personalization ready", slog.String("model", ans.model), slog.Bool("review", p.settings.Review))
	}
	return err
}

// personalizeTarget is the enrollment a job personalises, with its
// template's setting.
type personalizeTarget struct {
	id       uuid.UUID
	field    string
	settings campaigns.Personalization
}

// load reads what the call needs; a nil target means there is nothing to
// do.
func (w *AIPersonalizeWorker) load(ctx context.Context, id uuid.UUID) (*personalizeTarget, string, string, error) {
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return nil, "", "", fmt.Errorf("begin ai_personalize: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	e, err := store.NewEnrollments(tx).Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", "", nil
	} else if err != nil {
		return nil, "", "", err
	}
	if e.EnrolledAt != nil || (e.Status != campaigns.EnrollmentPending && e.Status != campaigns.EnrollmentPaused) {
		return nil, "", "", nil
	}
	t, err := store.NewCampaignTemplates(tx).Get(ctx, e.TemplateID)
	if err != nil {
		return nil, "", "", err
	}
	set := t.Settings.Personalization
	if set == nil {
		return nil, "", "", nil
	}
	p, err := store.NewEnrollments(tx).GetPersonalization(ctx, id, set.Field, false)
	if err != nil {
		return nil, "", "", err
	}
	if p.Status != campaigns.PersonalPending {
		return nil, "", "", nil
	}
	c, err := store.NewContacts(tx).ByID(ctx, e.ContactID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", "", nil
	} else if err != nil {
		return nil, "", "", err
	}
	pc := campaigns.PromptContact{FirstName: c.FirstName, LastName: c.LastName, Title: c.Title, Seniority: c.Seniority,
		Company: c.CompanyName, Domain: c.Domain, Country: c.Country, CustomFields: c.CustomFields, Enrichment: c.Enrichment}
	if c.CompanyID != nil {
		co, err := store.NewCompanies(tx).ByID(ctx, *c.CompanyID)
		switch {
		case err == nil:
			pc.Industry, pc.EmployeeCount = co.Industry, co.EmployeeCount
			if pc.Company == "" {
				pc.Company = co.Name
			}
		case !errors.Is(err, store.ErrNotFound):
			return nil, "", "", err
		}
	}
	system, prompt := set.Prompt(pc)
	return &personalizeTarget{id: id, field: set.Field, settings: *set}, system, prompt, nil
}

// fail stores a failed personalisation with reason (rejected text is not
// kept) and completes the job, or, when outcome is set, returns outcome
// for River after storing.
func (w *AIPersonalizeWorker) fail(ctx context.Context, job *river.Job[AIPersonalizeArgs], p personalizeTarget, model, reason string, outcome error) error {
	u := &store.PersonalizationUpdate{Field: p.field, Status: campaigns.PersonalFailed, Model: model, Reason: reason,
		From: []string{campaigns.PersonalPending}}
	if outcome == nil {
		return w.settle(ctx, job, &p, u)
	}
	err := pgx.BeginFunc(ctx, w.db, func(tx pgx.Tx) error {
		return w.store(ctx, tx, p, u)
	})
	if err != nil {
		return err
	}
	obs.Logger(ctx, w.logger).WarnContext(ctx, "personalization failed", slog.String("enrollment_id", p.id.String()),
		slog.String("reason", reason))
	return outcome
}

// settle applies u (when set) and completes the job in one transaction.
func (w *AIPersonalizeWorker) settle(ctx context.Context, job *river.Job[AIPersonalizeArgs], p *personalizeTarget, u *store.PersonalizationUpdate) error {
	var write func(pgx.Tx) error
	if u != nil {
		write = func(tx pgx.Tx) error { return w.store(ctx, tx, *p, u) }
	}
	return completeWith(ctx, w.db, job, write)
}

// store writes u unless the personalisation moved on meanwhile (a person
// wrote the text while the model was answering: theirs wins), and wakes
// the lead's outreach_enroll job when the lead may go now.
func (w *AIPersonalizeWorker) store(ctx context.Context, tx pgx.Tx, p personalizeTarget, u *store.PersonalizationUpdate) error {
	done, err := store.NewEnrollments(tx).SetPersonalization(ctx, p.id, *u, w.now())
	if err != nil || !done {
		return err
	}
	switch p.settings.Decide(u.Status, u.Text) {
	case campaigns.GateSend, campaigns.GateSendWithout:
		return WakeOutreachEnroll(ctx, tx, nil, p.id)
	}
	return nil
}

// startPersonalization marks the new enrollments pending personalisation
// when their template has it, reporting whether it does.
func startPersonalization(ctx context.Context, tx pgx.Tx, templateID uuid.UUID, enrolled []store.NewEnrollment) (bool, error) {
	if len(enrolled) == 0 {
		return false, nil
	}
	t, err := store.NewCampaignTemplates(tx).Get(ctx, templateID)
	if err != nil {
		return false, err
	}
	if t.Settings.Personalization == nil {
		return false, nil
	}
	ids := make([]uuid.UUID, len(enrolled))
	for i, e := range enrolled {
		ids[i] = e.ID
	}
	return true, store.NewEnrollments(tx).StartPersonalization(ctx, ids, time.Now())
}

// WakeOutreachEnroll makes the enrollment's snoozed outreach_enroll job
// available now, on tx, so a lead whose text became usable (AI text
// without review, an approval, a person's text) goes without waiting out
// its snooze. A job that is running is left alone; it looks again after
// its snooze at the latest. client is the caller's River client; nil takes
// the worker's from ctx.
func WakeOutreachEnroll(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], enrollmentID uuid.UUID) error {
	c := client
	if c == nil {
		var err error
		if c, err = river.ClientFromContextSafely[pgx.Tx](ctx); err != nil {
			return fmt.Errorf("wake outreach_enroll: %w", err)
		}
	}
	filter, _ := json.Marshal(OutreachEnrollArgs{EnrollmentID: enrollmentID})
	res, err := c.JobListTx(ctx, tx, river.NewJobListParams().Kinds(KindOutreachEnroll).
		States(rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		Where("args @> @filter::jsonb", river.NamedArgs{"filter": string(filter)}).First(10))
	if err != nil {
		return fmt.Errorf("find outreach_enroll job: %w", err)
	}
	for _, j := range res.Jobs {
		if _, err := c.JobRetryTx(ctx, tx, j.ID); err != nil {
			return fmt.Errorf("wake outreach_enroll job: %w", err)
		}
	}
	return nil
}

// Waits of an outreach_enroll job whose lead's personalisation is not
// settled.
const (
	// personalAIWait is the snooze while the ai_personalize job works:
	// seconds to minutes, and the job wakes the lead when it is done.
	personalAIWait = time.Minute
	// personalPersonWait is the snooze while a person must write or
	// approve the text; the API wakes the lead when they do, so this only
	// bounds a wake-up missed while the job was running.
	personalPersonWait = 30 * time.Minute
)

// gatePersonalization decides whether the lead of e may be sent given its
// template's personalisation (campaigns.Personalization.Decide), on tx
// where e is locked. It returns how long to snooze instead (0: send) and
// whether tx holds writes to commit first: a personalisation never started
// (the template gained the setting after enrolling) is started here. When
// the lead may go, e.Personalization holds the text under the field, or
// nil so the variable takes its fallback (never the contact's own field
// of that name).
func gatePersonalization(ctx context.Context, tx pgx.Tx, t campaigns.Template, e *store.Enrollment, now time.Time) (time.Duration, bool, error) {
	set := t.Settings.Personalization
	if set == nil {
		return 0, false, nil
	}
	enr := store.NewEnrollments(tx)
	p, err := enr.GetPersonalization(ctx, e.ID, set.Field, false)
	if err != nil {
		return 0, false, err
	}
	overlay := make(map[string]any, len(e.Personalization)+1)
	for k, v := range e.Personalization {
		overlay[k] = v
	}
	switch set.Decide(p.Status, p.Text) {
	case campaigns.GateSend:
		text, _ := campaigns.CheckText(p.Text)
		overlay[set.Field] = text
	case campaigns.GateSendWithout:
		overlay[set.Field] = nil
	case campaigns.GateStart:
		if err := enr.StartPersonalization(ctx, []uuid.UUID{e.ID}, now); err != nil {
			return 0, false, err
		}
		c, err := river.ClientFromContextSafely[pgx.Tx](ctx)
		if err != nil {
			return 0, false, err
		}
		if _, err := c.InsertTx(ctx, tx, AIPersonalizeArgs{EnrollmentID: e.ID}, nil); err != nil {
			return 0, false, fmt.Errorf("enqueue %s: %w", KindAIPersonalize, err)
		}
		return personalAIWait, true, nil
	case campaigns.GateWaitAI:
		return personalAIWait, false, nil
	default:
		return personalPersonWait, false, nil
	}
	e.Personalization = overlay
	return 0, false, nil
}

// textModel is one plain completion from the configured AI vendor.
type textModel interface {
	complete(ctx context.Context, system, prompt string, maxTokens int) (aiAnswer, error)
}

// aiAnswer is a model's answer: its text, "vendor/model", and the reason
// code when the model did not finish its answer (cut by the token cap,
// stopped for safety, refused).
type aiAnswer struct {
	text, model, incomplete string
}

// personalizeModel picks the vendor as AI_PROVIDER says, falling back to
// the other when only it is configured; nil when neither is.
func personalizeModel(v *vendors.Set, provider string) textModel {
	if v == nil {
		return nil
	}
	useGemini := provider == vendors.Gemini || v.Anthropic == nil
	switch {
	case useGemini && v.Gemini != nil:
		return geminiText{v.Gemini}
	case v.Anthropic != nil:
		return anthropicText{v.Anthropic}
	}
	return nil
}

type anthropicText struct{ c *anthropic.Client }

func (m anthropicText) complete(ctx context.Context, system, prompt string, maxTokens int) (aiAnswer, error) {
	r, err := m.c.Complete(ctx, anthropic.Request{System: system, Prompt: prompt, MaxTokens: maxTokens})
	a := aiAnswer{text: r.Text, model: "anthropic/" + r.Model}
	switch r.StopReason {
	case anthropic.StopEndTurn, anthropic.StopSequence:
	case anthropic.StopRefusal:
		a.incomplete = campaigns.TextRefusal
	default:
		a.incomplete = campaigns.TextTruncated
	}
	if err != nil {
		a.model = "anthropic"
	}
	return a, err
}

type geminiText struct{ c *gemini.Client }

func (m geminiText) complete(ctx context.Context, system, prompt string, maxTokens int) (aiAnswer, error) {
	r, err := m.c.Complete(ctx, gemini.Request{System: system, Prompt: prompt, MaxTokens: maxTokens})
	a := aiAnswer{text: r.Text, model: "gemini/" + r.Model}
	switch r.StopReason {
	case gemini.StopFinished:
	case gemini.StopSafety:
		a.incomplete = campaigns.TextRefusal
	default:
		a.incomplete = campaigns.TextTruncated
	}
	if err != nil {
		a.model = "gemini"
	}
	return a, err
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// Personalization is an enrollment's AI personalisation as the API shows
// it: the text written for its template's custom field and where it
// stands.
type Personalization struct {
	EnrollmentID uuid.UUID  `json:"enrollment_id"`
	Field        string     `json:"field,omitempty" doc:"The custom field, {{custom.<field>}} in the template."`
	Status       string     `json:"status" enum:"none,pending,ready,approved,edited,failed" doc:"none: the template has no personalisation; pending: the AI job has not answered; ready: AI text that passed the checks (waits for approval when the template asks for review); approved; edited: written by a person, counts as approved; failed: no usable text, see reason."`
	Text         string     `json:"text,omitempty" doc:"The text; never AI output that failed the checks."`
	Reason       string     `json:"reason,omitempty" doc:"Why it failed: empty, too_long, placeholder, html, url, multiline, control_chars, refusal, truncated, invalid_utf8, ai_refused, ai_unavailable, ai_not_configured."`
	Model        string     `json:"model,omitempty" doc:"vendor/model of the AI text."`
	Review       bool       `json:"review" doc:"The template asks a person to approve AI text before the lead is sent."`
	OnFailure    string     `json:"on_failure,omitempty" enum:"wait,send_without"`
	Sent         bool       `json:"sent" doc:"The lead is in lemlist; its text can no longer change."`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// PersonalizationResponse is one enrollment's personalisation.
type PersonalizationResponse struct {
	Body Personalization
}

// EditPersonalizationRequest writes an enrollment's text by hand.
type EditPersonalizationRequest struct {
	ID   uuid.UUID `path:"id" doc:"Enrollment id"`
	Body struct {
		Text string `json:"text" maxLength:"2000" doc:"Plain text, at most 300 characters, at most one line break; no {{ }}, HTML, links, or text that reads like an error or refusal."`
	}
}

func (s *Server) registerPersonalization() {
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.CampaignsWrite}
	tags := []string{"enrollments"}
	const path = "/api/v1/enrollments/{id}/personalization"
	register(s, huma.Operation{
		OperationID: "get-enrollment-personalization", Method: http.MethodGet, Path: path,
		Summary: "Get an enrollment's AI personalisation", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *EnrollmentIDParam) (*PersonalizationResponse, error) {
		var out Personalization
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			set, p, err := loadPersonalization(ctx, tx, in.ID, false)
			if err == nil {
				out = personalizationOut(in.ID, set, p)
			}
			if errors.Is(err, errNoPersonalization) {
				out, err = Personalization{EnrollmentID: in.ID, Status: "none"}, nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		return &PersonalizationResponse{Body: out}, nil
	})
	register(s, huma.Operation{
		OperationID: "edit-enrollment-personalization", Method: http.MethodPut, Path: path,
		Summary: "Write an enrollment's personalised text", Tags: tags, Metadata: write,
		Description: "A person writes or replaces the text (status edited, which counts as approved); the lead is then " +
			"sent with it. The text is checked by the same rules as AI text: a refused text is a 422 at body.text " +
			"whose value is the reason code. 409 when the lead is already in lemlist or the enrollment has ended.",
	}, func(ctx context.Context, in *EditPersonalizationRequest) (*PersonalizationResponse, error) {
		text, err := campaigns.CheckText(in.Body.Text)
		var te *campaigns.TextError
		if errors.As(err, &te) {
			return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "the text cannot be used: "+te.Message,
				&huma.ErrorDetail{Location: "body.text", Message: te.Message, Value: te.Code})
		}
		return s.changePersonalization(ctx, in.ID, func(store.Personalization) (*store.PersonalizationUpdate, string) {
			return &store.PersonalizationUpdate{Status: campaigns.PersonalEdited, Text: text, Model: "",
				From: []string{"", campaigns.PersonalPending, campaigns.PersonalReady, campaigns.PersonalApproved,
					campaigns.PersonalEdited, campaigns.PersonalFailed}}, ""
		})
	})
	register(s, huma.Operation{
		OperationID: "approve-enrollment-personalization", Method: http.MethodPost, Path: path + "/approve",
		Summary: "Approve an enrollment's AI text", Tags: tags, Metadata: write,
		Description: "ready → approved: the lead is then sent with the text. Any other status is a 409 (edit the " +
			"text with PUT instead); so is a lead already in lemlist.",
	}, func(ctx context.Context, in *EnrollmentIDParam) (*PersonalizationResponse, error) {
		return s.changePersonalization(ctx, in.ID, func(p store.Personalization) (*store.PersonalizationUpdate, string) {
			if p.Status != campaigns.PersonalReady {
				return nil, fmt.Sprintf("the personalisation is %s; only ready text can be approved", cmpNone(p.Status))
			}
			return &store.PersonalizationUpdate{Status: campaigns.PersonalApproved, Text: p.Text, Model: p.Model,
				From: []string{campaigns.PersonalReady}}, ""
		})
	})
}

// errNoPersonalization: the enrollment's template has no personalisation.
var errNoPersonalization = errors.New("the enrollment's template has no AI personalisation")

// loadPersonalization reads the enrollment's template setting and its
// personalisation, the row locked with lock.
func loadPersonalization(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock bool) (*campaigns.Personalization, store.Personalization, error) {
	e, err := store.NewEnrollments(tx).Get(ctx, id)
	if err != nil {
		return nil, store.Personalization{}, err
	}
	t, err := store.NewCampaignTemplates(tx).Get(ctx, e.TemplateID)
	if err != nil {
		return nil, store.Personalization{}, err
	}
	set := t.Settings.Personalization
	if set == nil {
		return nil, store.Personalization{}, errNoPersonalization
	}
	p, err := store.NewEnrollments(tx).GetPersonalization(ctx, id, set.Field, lock)
	return set, p, err
}

// changePersonalization applies what decide makes of the enrollment's
// locked personalisation, or answers 409 with decide's reason, and wakes
// the lead's outreach_enroll job when the lead may now go, in one
// transaction.
func (s *Server) changePersonalization(ctx context.Context, id uuid.UUID,
	decide func(store.Personalization) (*store.PersonalizationUpdate, string)) (*PersonalizationResponse, error) {
	var out Personalization
	var conflict string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		set, p, err := loadPersonalization(ctx, tx, id, true)
		if errors.Is(err, errNoPersonalization) {
			conflict = err.Error()
			return nil
		} else if err != nil {
			return err
		}
		live := p.EnrollmentStatus == campaigns.EnrollmentPending || p.EnrollmentStatus == campaigns.EnrollmentPaused
		if p.Sent || !live {
			conflict = fmt.Sprintf("the enrollment is %s and its lead %s; its text can no longer change",
				p.EnrollmentStatus, map[bool]string{true: "is in lemlist", false: "was never sent"}[p.Sent])
			return nil
		}
		u, why := decide(p)
		if u == nil {
			conflict = why
			return nil
		}
		u.Field = set.Field
		now := time.Now()
		if _, err := store.NewEnrollments(tx).SetPersonalization(ctx, id, *u, now); err != nil {
			return err
		}
		if g := set.Decide(u.Status, u.Text); g == campaigns.GateSend || g == campaigns.GateSendWithout {
			if err := jobs.WakeOutreachEnroll(ctx, tx, s.river, id); err != nil {
				return err
			}
		}
		p.Status, p.Text, p.Model, p.Reason, p.UpdatedAt = u.Status, u.Text, u.Model, u.Reason, &now
		out = personalizationOut(id, set, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if conflict != "" {
		return nil, problem(http.StatusConflict, codeConflict, conflict,
			&huma.ErrorDetail{Location: "path.id", Message: conflict, Value: id})
	}
	return &PersonalizationResponse{Body: out}, nil
}

func personalizationOut(id uuid.UUID, set *campaigns.Personalization, p store.Personalization) Personalization {
	return Personalization{EnrollmentID: id, Field: set.Field, Status: cmpNone(p.Status), Text: p.Text, Reason: p.Reason,
		Model: p.Model, Review: set.Review, OnFailure: set.OnFailure, Sent: p.Sent, UpdatedAt: p.UpdatedAt}
}

// cmpNone is a personalisation status, "none" for one never started.
func cmpNone(status string) string {
	if status == "" {
		return "none"
	}
	return status
}

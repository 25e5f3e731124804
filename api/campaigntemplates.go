package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// CampaignTemplate is a campaign template as the API shows it.
type CampaignTemplate struct {
	ID            uuid.UUID        `json:"id"`
	Name          string           `json:"name"`
	Description   string           `json:"description"`
	EmailSequence []CampaignStep   `json:"email_sequence"`
	Settings      CampaignSettings `json:"settings"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// CampaignStep is one email of a sequence.
type CampaignStep struct {
	Subject   string            `json:"subject" doc:"Plain text, one line, at most 300 characters; variables allowed."`
	Body      string            `json:"body" doc:"HTML, at most 100 KiB: text formatting, lists, tables, links (http, https, mailto, tel) and images. No script, style, iframe, object, embed or form elements, no on* attributes, no javascript: or data: URLs. Variables allowed in text and attribute values, not in style or event attributes, and not at the very start of a URL."`
	DelayDays int               `json:"delay_days,omitempty" doc:"Whole days after the previous step (the first step: after enrollment), sent at the next opening of the sending window. 0 to 365 for the first step, 1 to 365 after."`
	Variants  []CampaignVariant `json:"variants,omitempty" doc:"At most 5. An A/B test: each enrollment gets one variant, chosen by weight; a variant's empty subject or body is the step's."`
}

// CampaignVariant is one arm of a step's A/B test.
type CampaignVariant struct {
	Name    string `json:"name" doc:"1 to 50 letters, digits, spaces, _ or -; unique within the step in any case."`
	Subject string `json:"subject,omitempty" doc:"Empty: the step's subject."`
	Body    string `json:"body,omitempty" doc:"Empty: the step's body."`
	Weight  *int   `json:"weight,omitempty" doc:"1 to 100, relative to the step's other variants; absent is 1."`
}

// CampaignSettings say when a template's instances send and what stops a
// sequence. Absent fields take their defaults.
type CampaignSettings struct {
	SendingWindow *SendingWindow `json:"sending_window,omitempty"`
	DailyCap      *int           `json:"daily_cap,omitempty" doc:"1 to 10000 emails a day; the default cap of instances made from the template. Absent is 100."`
	StopRules     *StopRules     `json:"stop_rules,omitempty"`
	// Personalization has an AI write a custom field of each enrollment.
	Personalization *CampaignPersonalization `json:"personalization,omitempty" doc:"AI personalisation: an ai_personalize job writes a custom field of each enrollment before its lead is sent. Absent: none."`
}

// CampaignPersonalization is a template's AI personalisation setting.
type CampaignPersonalization struct {
	Field        string `json:"field" doc:"The custom field the AI writes, used in the template as {{custom.<field>}}: 1 to 100 letters, digits, _ or -. The template must use it." example:"opening_line"`
	Instructions string `json:"instructions" doc:"What the model is asked to write, 1 to 2000 characters. The contact's fields and enrichment are given to the model as data, never as instructions."`
	OnFailure    string `json:"on_failure,omitempty" enum:"wait,send_without" doc:"Without usable AI text (empty, too long, markup, links, placeholders, an error or refusal): wait holds the lead until a person writes the text (PUT /api/v1/enrollments/{id}/personalization); send_without sends it with the variable's fallback, so every use needs one ({{custom.opening_line|Hi}}). Absent is wait."`
	Review       *bool  `json:"review,omitempty" doc:"A person approves each AI text (POST /api/v1/enrollments/{id}/personalization/approve) before its lead is sent; absent is false."`
}

// SendingWindow is when emails go out, on the prospect's clock: a lead is
// added to lemlist only inside it, and a lemlist campaign the platform
// creates gets it as its schedule.
type SendingWindow struct {
	Start    string   `json:"start,omitempty" doc:"HH:MM, 24-hour; absent is 09:00." example:"09:00"`
	End      string   `json:"end,omitempty" doc:"HH:MM, after start (a window does not span midnight; 24:00 runs to it); absent is 17:00." example:"17:00"`
	Weekdays []string `json:"weekdays,omitempty" doc:"mon, tue, wed, thu, fri, sat, sun; absent is mon to fri."`
	Timezone string   `json:"timezone,omitempty" doc:"IANA time zone for prospects whose own is unknown; absent is UTC." example:"Europe/Berlin"`
}

// StopRules say which events end a prospect's sequence.
type StopRules struct {
	OnReply            *bool `json:"on_reply,omitempty" doc:"A reply stops the sequence; absent is true."`
	OnBounce           *bool `json:"on_bounce,omitempty" doc:"Always true: a bounce stops the sequence (false is refused)."`
	OnUnsubscribe      *bool `json:"on_unsubscribe,omitempty" doc:"Always true: an unsubscribe stops the sequence (false is refused)."`
	StopCompanyOnReply *bool `json:"stop_company_on_reply,omitempty" doc:"A reply also stops the enrollments of everyone else at the replier's company; absent is false."`
}

// CampaignTemplateBody creates or replaces a template.
type CampaignTemplateBody struct {
	Name          string            `json:"name" doc:"1 to 200 characters."`
	Description   string            `json:"description,omitempty" doc:"At most 10000 characters."`
	EmailSequence []CampaignStep    `json:"email_sequence" doc:"1 to 20 steps, sent in order."`
	Settings      *CampaignSettings `json:"settings,omitempty"`
}

// TemplateProblem is the value of each error of a refused template: what
// is wrong and where, for a client to point at.
type TemplateProblem struct {
	Code    string `json:"code" doc:"Stable: unknown_variable, unclosed_variable, unsafe_tag, unsafe_url, too_long, ..."`
	Step    *int   `json:"step,omitempty" doc:"Index of the step."`
	Variant string `json:"variant,omitempty" doc:"Name of the variant."`
	Field   string `json:"field" doc:"subject, body, delay_days, name, ..."`
	Line    int    `json:"line,omitempty" doc:"1-based line inside the text."`
	Column  int    `json:"column,omitempty" doc:"1-based column inside the line, in characters."`
}

// CreateCampaignTemplateRequest creates a template.
type CreateCampaignTemplateRequest struct {
	Body CampaignTemplateBody
}

// ReplaceCampaignTemplateRequest replaces a template whole.
type ReplaceCampaignTemplateRequest struct {
	ID   uuid.UUID `path:"id" doc:"Campaign template id"`
	Body CampaignTemplateBody
}

// CampaignTemplateIDParam names one template.
type CampaignTemplateIDParam struct {
	ID uuid.UUID `path:"id" doc:"Campaign template id"`
}

// CampaignTemplateListRequest pages through templates, oldest first.
type CampaignTemplateListRequest struct {
	PageParams
}

// CampaignTemplateResponse is one template.
type CampaignTemplateResponse struct {
	Body CampaignTemplate
}

// CreatedCampaignTemplateResponse is a new template and where it lives.
type CreatedCampaignTemplateResponse struct {
	Location string `header:"Location"`
	Body     CampaignTemplate
}

// CampaignTemplateListResponse is a page of templates.
type CampaignTemplateListResponse struct {
	Body struct {
		Items      []CampaignTemplate `json:"items"`
		NextCursor string             `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// PreviewContact is a contact given inline to a preview.
type PreviewContact struct {
	FirstName    string         `json:"first_name,omitempty"`
	LastName     string         `json:"last_name,omitempty"`
	Email        string         `json:"email,omitempty"`
	Title        string         `json:"title,omitempty"`
	Seniority    string         `json:"seniority,omitempty"`
	CompanyName  string         `json:"company_name,omitempty" doc:"{{company}}"`
	Domain       string         `json:"domain,omitempty"`
	Phone        string         `json:"phone,omitempty"`
	LinkedInURL  string         `json:"linkedin_url,omitempty"`
	Country      string         `json:"country,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty" doc:"{{custom.<key>}}"`
}

// PreviewCampaignTemplateRequest renders a template for one contact.
type PreviewCampaignTemplateRequest struct {
	ID   uuid.UUID `path:"id" doc:"Campaign template id"`
	Body struct {
		ContactID *uuid.UUID      `json:"contact_id,omitempty" doc:"A stored contact; give this or contact."`
		Contact   *PreviewContact `json:"contact,omitempty" doc:"A contact given inline; give this or contact_id."`
		Custom    map[string]any  `json:"custom,omitempty" doc:"Fields laid over the contact's custom fields, as an enrollment's personalisation (an AI opening line) will be."`
	}
}

// RenderedCampaignStep is one step rendered for a contact.
type RenderedCampaignStep struct {
	Index     int                       `json:"index"`
	DelayDays int                       `json:"delay_days"`
	Subject   string                    `json:"subject"`
	Body      string                    `json:"body"`
	Variants  []RenderedCampaignVariant `json:"variants,omitempty"`
	Missing   []string                  `json:"missing,omitempty" doc:"Variables of the step without a value or fallback, rendered as nothing."`
}

// RenderedCampaignVariant is one variant rendered for a contact.
type RenderedCampaignVariant struct {
	Name    string `json:"name"`
	Weight  int    `json:"weight"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// PreviewCampaignTemplateResponse is the rendered sequence.
type PreviewCampaignTemplateResponse struct {
	Body struct {
		Steps []RenderedCampaignStep `json:"steps"`
	}
}

func (s *Server) registerCampaignTemplates() {
	templates := store.NewCampaignTemplates(s.pool)
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.CampaignsWrite}
	tags := []string{"campaign-templates"}
	const invalid = " An invalid template is a 422 listing every problem: each error's location is the field " +
		"(body.email_sequence[1].variants[0].body), its message starts with the line and column inside that text " +
		"(\"line 3, column 14: unknown variable {{frist_name}}\") and its value is {code, step, variant, field, line, column}."
	register(s, huma.Operation{
		OperationID: "create-campaign-template", Method: http.MethodPost, Path: "/api/v1/campaign-templates",
		Summary: "Create a campaign template", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
		Description: "Variables: {{first_name}}, {{last_name}}, {{full_name}}, {{email}}, {{title}}, {{seniority}}, " +
			"{{company}}, {{domain}}, {{phone}}, {{linkedin_url}}, {{country}} and {{custom.<field>}}, each with an " +
			"optional fallback used when the value is missing: {{first_name|there}}." + invalid,
	}, func(ctx context.Context, in *CreateCampaignTemplateRequest) (*CreatedCampaignTemplateResponse, error) {
		t, err := templates.Create(ctx, in.Body.domain())
		if err != nil {
			return nil, templateError(err)
		}
		return &CreatedCampaignTemplateResponse{Location: "/api/v1/campaign-templates/" + t.ID.String(), Body: templateView(t)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-campaign-templates", Method: http.MethodGet, Path: "/api/v1/campaign-templates",
		Summary: "List campaign templates", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CampaignTemplateListRequest) (*CampaignTemplateListResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		rows, err := templates.List(ctx, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &CampaignTemplateListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, templateView,
			func(t store.CampaignTemplate) string {
				return encodeCursor(store.Cursor{CreatedAt: t.CreatedAt, ID: t.ID})
			})
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-campaign-template", Method: http.MethodGet, Path: "/api/v1/campaign-templates/{id}",
		Summary: "Get a campaign template", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CampaignTemplateIDParam) (*CampaignTemplateResponse, error) {
		t, err := templates.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &CampaignTemplateResponse{Body: templateView(t)}, nil
	})
	register(s, huma.Operation{
		OperationID: "replace-campaign-template", Method: http.MethodPut, Path: "/api/v1/campaign-templates/{id}",
		Summary: "Replace a campaign template", Tags: tags, Metadata: write,
		Description: "The body is a whole template, as to create one: a sequence's steps depend on each other, so " +
			"they change together. Instances made from the template send the new steps from their next send, and the " +
			"lemlist campaigns the platform created for its unfinished instances are set up again by an " +
			"outreach_campaign_sync job queued in the same transaction: the new sending window becomes their " +
			"schedule and steps added at the end are appended (lemlist keeps the delays of steps it already has)." + invalid,
	}, func(ctx context.Context, in *ReplaceCampaignTemplateRequest) (*CampaignTemplateResponse, error) {
		var t store.CampaignTemplate
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			if t, err = store.NewCampaignTemplates(tx).Replace(ctx, in.ID, in.Body.domain()); err != nil {
				return err
			}
			ids, err := store.NewCampaignInstances(tx).ResetLemlistSetup(ctx, in.ID)
			if err != nil || len(ids) == 0 {
				return err
			}
			params := make([]river.InsertManyParams, len(ids))
			for i, id := range ids {
				params[i] = river.InsertManyParams{Args: jobs.OutreachCampaignSyncArgs{InstanceID: id}}
			}
			_, err = s.river.InsertManyTx(ctx, tx, params)
			return err
		})
		if err != nil {
			return nil, templateError(err)
		}
		return &CampaignTemplateResponse{Body: templateView(t)}, nil
	})
	register(s, huma.Operation{
		OperationID: "delete-campaign-template", Method: http.MethodDelete, Path: "/api/v1/campaign-templates/{id}",
		Summary: "Delete a campaign template", Tags: tags, Metadata: write, DefaultStatus: http.StatusNoContent,
		Description: "A template campaign instances were made from is kept: 409.",
	}, func(ctx context.Context, in *CampaignTemplateIDParam) (*struct{}, error) {
		err := templates.Delete(ctx, in.ID)
		if errors.Is(err, store.ErrTemplateInUse) {
			n, cerr := templates.CountInstances(ctx, in.ID)
			if cerr != nil {
				return nil, cerr
			}
			return nil, problem(http.StatusConflict, codeConflict,
				fmt.Sprintf("the template is used by %d campaign instances; it cannot be deleted", n),
				&huma.ErrorDetail{Location: "path.id", Message: "in use by campaign instances", Value: in.ID})
		}
		return nil, err
	})
	register(s, huma.Operation{
		OperationID: "preview-campaign-template", Method: http.MethodPost, Path: "/api/v1/campaign-templates/{id}/preview",
		Summary: "Render a campaign template for a contact", Tags: tags, Metadata: read,
		Description: "Renders every step and variant for a stored contact (contact_id) or one given inline (contact), " +
			"exactly as it would be sent: values HTML-escaped in bodies, a missing value replaced by its fallback or " +
			"by nothing (listed in the step's missing). Nothing is stored or sent.",
	}, func(ctx context.Context, in *PreviewCampaignTemplateRequest) (*PreviewCampaignTemplateResponse, error) {
		c, custom, err := s.previewContact(ctx, in)
		if err != nil {
			return nil, err
		}
		t, err := templates.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		r, err := campaigns.Render(t.Template, c, custom)
		if err != nil {
			return nil, err // a stored template validates; this is a bug, answered as a 500
		}
		out := &PreviewCampaignTemplateResponse{}
		out.Body.Steps = make([]RenderedCampaignStep, len(r.Steps))
		for i, st := range r.Steps {
			rs := RenderedCampaignStep{Index: i, DelayDays: st.DelayDays, Subject: st.Subject, Body: st.Body, Missing: st.Missing}
			for _, v := range st.Variants {
				rs.Variants = append(rs.Variants, RenderedCampaignVariant(v))
			}
			out.Body.Steps[i] = rs
		}
		return out, nil
	})
}

// previewContact is the contact a preview renders for, and its custom
// fields with the request's laid over them.
func (s *Server) previewContact(ctx context.Context, in *PreviewCampaignTemplateRequest) (campaigns.Contact, map[string]any, error) {
	b := in.Body
	if (b.ContactID == nil) == (b.Contact == nil) {
		return campaigns.Contact{}, nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
			&huma.ErrorDetail{Location: "body", Message: "give exactly one of contact_id and contact"})
	}
	var c campaigns.Contact
	custom := map[string]any{}
	if b.ContactID != nil {
		sc, err := store.NewContacts(s.pool).ByID(ctx, *b.ContactID)
		if errors.Is(err, store.ErrNotFound) {
			return c, nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
				&huma.ErrorDetail{Location: "body.contact_id", Message: "no such contact", Value: b.ContactID})
		} else if err != nil {
			return c, nil, err
		}
		c = campaigns.Contact{FirstName: sc.FirstName, LastName: sc.LastName, Email: sc.Email, Title: sc.Title,
			Seniority: sc.Seniority, Company: sc.CompanyName, Domain: sc.Domain, Phone: sc.Phone,
			LinkedInURL: sc.LinkedInURL, Country: sc.Country}
		for k, v := range sc.CustomFields {
			custom[k] = v
		}
	} else {
		p := b.Contact
		c = campaigns.Contact{FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Title: p.Title,
			Seniority: p.Seniority, Company: p.CompanyName, Domain: p.Domain, Phone: p.Phone,
			LinkedInURL: p.LinkedInURL, Country: p.Country}
		for k, v := range p.CustomFields {
			custom[k] = v
		}
	}
	for k, v := range b.Custom {
		custom[k] = v
	}
	return c, custom, nil
}

// domain is the template the body describes, absent settings and weights
// at their defaults.
func (b CampaignTemplateBody) domain() campaigns.Template {
	t := campaigns.Template{Name: b.Name, Description: b.Description, Settings: campaigns.DefaultSettings()}
	t.Steps = make([]campaigns.Step, len(b.EmailSequence))
	for i, st := range b.EmailSequence {
		ds := campaigns.Step{Subject: st.Subject, Body: st.Body, DelayDays: st.DelayDays}
		for _, v := range st.Variants {
			ds.Variants = append(ds.Variants, campaigns.Variant{Name: v.Name, Subject: v.Subject, Body: v.Body, Weight: deref(v.Weight, 1)})
		}
		t.Steps[i] = ds
	}
	if s := b.Settings; s != nil {
		ds := &t.Settings
		if w := s.SendingWindow; w != nil {
			if w.Start != "" {
				ds.SendingWindow.Start = w.Start
			}
			if w.End != "" {
				ds.SendingWindow.End = w.End
			}
			if w.Weekdays != nil {
				ds.SendingWindow.Weekdays = w.Weekdays
			}
			if w.Timezone != "" {
				ds.SendingWindow.Timezone = w.Timezone
			}
		}
		ds.DailyCap = deref(s.DailyCap, ds.DailyCap)
		if r := s.StopRules; r != nil {
			ds.StopRules = campaigns.StopRules{
				OnReply: deref(r.OnReply, true), OnBounce: deref(r.OnBounce, true),
				OnUnsubscribe: deref(r.OnUnsubscribe, true), StopCompanyOnReply: deref(r.StopCompanyOnReply, false),
			}
		}
		if p := s.Personalization; p != nil {
			ds.Personalization = &campaigns.Personalization{Field: p.Field, Instructions: p.Instructions,
				OnFailure: cmp.Or(p.OnFailure, campaigns.OnFailureWait), Review: deref(p.Review, false)}
		}
	}
	return t
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func templateView(t store.CampaignTemplate) CampaignTemplate {
	steps := make([]CampaignStep, len(t.Steps))
	for i, st := range t.Steps {
		cs := CampaignStep{Subject: st.Subject, Body: st.Body, DelayDays: st.DelayDays}
		for _, v := range st.Variants {
			cs.Variants = append(cs.Variants, CampaignVariant{Name: v.Name, Subject: v.Subject, Body: v.Body, Weight: &v.Weight})
		}
		steps[i] = cs
	}
	w, r := t.Settings.SendingWindow, t.Settings.StopRules
	return CampaignTemplate{
		ID: t.ID, Name: t.Name, Description: t.Description, EmailSequence: steps,
		Settings: CampaignSettings{
			SendingWindow: &SendingWindow{Start: w.Start, End: w.End, Weekdays: w.Weekdays, Timezone: w.Timezone},
			DailyCap:      &t.Settings.DailyCap,
			StopRules: &StopRules{OnReply: &r.OnReply, OnBounce: &r.OnBounce, OnUnsubscribe: &r.OnUnsubscribe,
				StopCompanyOnReply: &r.StopCompanyOnReply},
			Personalization: personalizationView(t.Settings.Personalization),
		},
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

func personalizationView(p *campaigns.Personalization) *CampaignPersonalization {
	if p == nil {
		return nil
	}
	return &CampaignPersonalization{Field: p.Field, Instructions: p.Instructions, OnFailure: p.OnFailure, Review: &p.Review}
}

// templateError answers a refused template with 422, one error per
// problem, located under body.
func templateError(err error) error {
	var ve *campaigns.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	details := make([]*huma.ErrorDetail, len(ve.Problems))
	for i, p := range ve.Problems {
		tp := TemplateProblem{Code: p.Code, Variant: p.Variant, Field: p.Field, Line: p.Line, Column: p.Column}
		if p.Step >= 0 {
			tp.Step = &p.Step
		}
		loc := "body"
		if p.Path != "" {
			loc += "." + p.Path
		}
		details[i] = &huma.ErrorDetail{Location: loc, Message: p.Detail(), Value: tp}
	}
	return problem(http.StatusUnprocessableEntity, codeInvalid, "the campaign template is invalid", details...)
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// ICPProfile is an ideal-customer profile as the API shows it.
type ICPProfile struct {
	ID          uuid.UUID   `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Criteria    ICPCriteria `json:"criteria"`
	MinScore    int         `json:"min_score" doc:"The score (0-100) a contact needs to count as a fit; fits are synced to the CRM."`
	Active      bool        `json:"active" doc:"Only active profiles score new contacts."`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// ICPCriteria is what an ideal customer looks like; it mirrors icp.Criteria
// with the API's documentation. Each group matches when any of its values
// does; a group without values takes no part. At most 200 values of at
// most 200 characters per group.
type ICPCriteria struct {
	Industries     []string        `json:"industries,omitempty" doc:"Whole words of the company's industry: \"software\" matches \"Computer Software\"."`
	EmployeeRanges []EmployeeRange `json:"employee_ranges,omitempty" doc:"Head-count bands of the company; a vendor bucket straddling them earns the share they cover."`
	Countries      []string        `json:"countries,omitempty" doc:"ISO 3166-1 alpha-2 codes or English names (\"DE\", \"Germany\"); the contact's country, else the company's."`
	Titles         []string        `json:"titles,omitempty" doc:"Matched from the start of a word of the contact's title: \"sales\" matches \"VP of Sales\"."`
	Seniorities    []string        `json:"seniorities,omitempty" doc:"owner, founder, c_suite, partner, vp, head, director, manager, senior, entry, intern (vendor spellings such as \"cxo\" accepted); guessed from the title when the contact has none."`
	Keywords       []string        `json:"keywords,omitempty" doc:"Looked for in the company's description, keywords and industry."`
	Technologies   []string        `json:"technologies,omitempty" doc:"Whole words of the company's technologies."`
	Weights        map[string]int  `json:"weights,omitempty" doc:"0-100 per group, keyed by the group's field name (industries, employee_ranges, ...); a group with values and no weight weighs 10. The score is 100 x points earned / sum of the weights of the groups with values."`
	Required       []string        `json:"required,omitempty" enum:"industries,employee_ranges,countries,titles,seniorities,keywords,technologies" doc:"Groups a contact must match; failing one scores 0. With weight 0 a group is a pure filter."`
}

func (c ICPCriteria) domain() icp.Criteria {
	ranges := make([]icp.EmployeeRange, len(c.EmployeeRanges))
	for i, r := range c.EmployeeRanges {
		ranges[i] = icp.EmployeeRange(r)
	}
	return icp.Criteria{
		Industries: c.Industries, EmployeeRanges: ranges, Countries: c.Countries, Titles: c.Titles,
		Seniorities: c.Seniorities, Keywords: c.Keywords, Technologies: c.Technologies,
		Weights: c.Weights, Required: c.Required,
	}
}

func criteriaView(c icp.Criteria) ICPCriteria {
	ranges := make([]EmployeeRange, len(c.EmployeeRanges))
	for i, r := range c.EmployeeRanges {
		ranges[i] = EmployeeRange(r)
	}
	return ICPCriteria{
		Industries: c.Industries, EmployeeRanges: ranges, Countries: c.Countries, Titles: c.Titles,
		Seniorities: c.Seniorities, Keywords: c.Keywords, Technologies: c.Technologies,
		Weights: c.Weights, Required: c.Required,
	}
}

// EmployeeRange is icp.EmployeeRange on the wire: read from a vendor
// bucket string or an object, written as the object.
type EmployeeRange icp.EmployeeRange

// UnmarshalJSON reads either form; see icp.EmployeeRange.
func (r *EmployeeRange) UnmarshalJSON(b []byte) error {
	return (*icp.EmployeeRange)(r).UnmarshalJSON(b)
}

// MarshalJSON writes the object form.
func (r EmployeeRange) MarshalJSON() ([]byte, error) { return icp.EmployeeRange(r).MarshalJSON() }

// Schema registers the two spellings as one component, oneOf a string and
// an object. Bounds are left to the profile's validation, which names the
// element and says what is wrong rather than "matched no schema".
func (EmployeeRange) Schema(r huma.Registry) *huma.Schema {
	const name = "EmployeeRange"
	if _, ok := r.Map()[name]; !ok {
		one, fifty := 1, 50
		s := &huma.Schema{
			Description: `A head-count band, both ends included: a vendor bucket such as "51-200", "10001+" ` +
				`or "1,001-5,000", or {"min":51,"max":200}. Max 0 or absent is no upper bound. Answers use the object.`,
			OneOf: []*huma.Schema{
				{Type: huma.TypeString, MinLength: &one, MaxLength: &fifty, Examples: []any{"51-200", "10001+"}},
				{Type: huma.TypeObject, AdditionalProperties: false, Required: []string{"min"},
					Properties: map[string]*huma.Schema{
						"min": {Type: huma.TypeInteger, Description: "Fewest employees, 0 to 100000000."},
						"max": {Type: huma.TypeInteger, Description: "Most employees, at least min; 0 or absent for no upper bound."},
					}},
			},
		}
		s.PrecomputeMessages()
		r.Map()[name] = s
	}
	return &huma.Schema{Ref: "#/components/schemas/" + name}
}

// ICPExplanation is a contact's stored score explanation (contacts'
// icp_explanation), passed through as stored and documented as
// ScoreExplanation.
type ICPExplanation json.RawMessage

// MarshalJSON writes the stored document as it is.
func (e ICPExplanation) MarshalJSON() ([]byte, error) {
	if len(e) == 0 {
		return []byte("null"), nil
	}
	return e, nil
}

// Schema is a reference to ScoreExplanation.
func (ICPExplanation) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[ScoreExplanation](), true, "")
}

// ScoreExplanation documents icp.Explanation, the JSON a contact's score is
// stored and shown with.
type ScoreExplanation struct {
	Profile      string       `json:"profile" doc:"The profile's name when the contact was scored (its id is icp_profile_id)."`
	MinScore     int          `json:"min_score" doc:"The profile's bar."`
	Qualified    bool         `json:"qualified" doc:"The score reached min_score and no required criterion failed; the contact is synced to the CRM."`
	Score        int          `json:"score" doc:"0-100: 100 x sum of points / sum of the weights of the criteria with values."`
	Disqualified bool         `json:"disqualified,omitempty" doc:"A required criterion did not match, so the score is 0."`
	Matches      []ScoreMatch `json:"matches" doc:"One per criterion with values, in a fixed order."`
}

// ScoreMatch documents icp.Match, one criterion's part in a score.
type ScoreMatch struct {
	Criterion     string   `json:"criterion" enum:"industries,employee_ranges,countries,titles,seniorities,keywords,technologies"`
	Matched       bool     `json:"matched"`
	Required      bool     `json:"required,omitempty"`
	Weight        int      `json:"weight" doc:"The criterion's weight in the profile."`
	Points        float64  `json:"points" doc:"Points earned, 0 to weight; part of it only for an employee band straddling the ranges."`
	Value         string   `json:"value,omitempty" doc:"The contact's or company's value compared (\"Computer Software\", \"51-200\", \"DE\", \"vp\"); absent when unknown or long."`
	MatchedValues []string `json:"matched_values,omitempty" doc:"The profile's values that matched."`
	Detail        string   `json:"detail" doc:"One sentence on what was compared and how it came out; \"no data\" when the contact or company lacks the field, which counts as a miss."`
}

// ICPProfileBody is the body that creates a profile.
type ICPProfileBody struct {
	Name        string      `json:"name" minLength:"1" maxLength:"200" doc:"Unique, case-insensitively."`
	Description string      `json:"description,omitempty" maxLength:"10000"`
	Criteria    ICPCriteria `json:"criteria"`
	MinScore    *int        `json:"min_score,omitempty" minimum:"0" maximum:"100" default:"60"`
	Active      *bool       `json:"active,omitempty" default:"true"`
}

// CreateICPProfileRequest creates a profile.
type CreateICPProfileRequest struct {
	Body ICPProfileBody
}

// PatchICPProfileRequest changes the fields it carries; criteria, when
// sent, replace the stored criteria whole.
type PatchICPProfileRequest struct {
	ID   uuid.UUID `path:"id" doc:"ICP profile id"`
	Body struct {
		Name        *string      `json:"name,omitempty" minLength:"1" maxLength:"200"`
		Description *string      `json:"description,omitempty" maxLength:"10000"`
		Criteria    *ICPCriteria `json:"criteria,omitempty" doc:"Replaces the criteria whole."`
		MinScore    *int         `json:"min_score,omitempty" minimum:"0" maximum:"100"`
		Active      *bool        `json:"active,omitempty"`
	}
}

// ICPProfileIDParam names one profile.
type ICPProfileIDParam struct {
	ID uuid.UUID `path:"id" doc:"ICP profile id"`
}

// ICPProfileListRequest pages through profiles, oldest first.
type ICPProfileListRequest struct {
	PageParams
}

// ICPProfileResponse is one profile.
type ICPProfileResponse struct {
	Body ICPProfile
}

// CreatedICPProfileResponse is a new profile and where it lives.
type CreatedICPProfileResponse struct {
	Location string `header:"Location"`
	Body     ICPProfile
}

// ICPProfileListResponse is a page of profiles.
type ICPProfileListResponse struct {
	Body struct {
		Items      []ICPProfile `json:"items"`
		NextCursor string       `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// ScoreICPProfileRequest scores a selection of contacts against a profile.
type ScoreICPProfileRequest struct {
	ID   uuid.UUID `path:"id" doc:"ICP profile id"`
	Body ContactSelection
}

// ScoreICPProfileResponse says how much scoring was queued.
type ScoreICPProfileResponse struct {
	Body struct {
		Selected int `json:"selected" doc:"Contacts the selection named."`
		Enqueued int `json:"enqueued" doc:"score_contact jobs queued; a contact whose scoring against this profile is already queued is not queued twice."`
	}
}

func (s *Server) registerICPProfiles() {
	profiles := store.NewICPProfiles(s.pool)
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.ContactsWrite}
	tags := []string{"icp-profiles"}
	register(s, huma.Operation{
		OperationID: "create-icp-profile", Method: http.MethodPost, Path: "/api/v1/icp-profiles",
		Summary: "Create an ICP profile", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
		Description: "The name must be unused in any case (409). Bad criteria are a 422 naming each field " +
			"(body.criteria.employee_ranges[1].max, body.criteria.weights.titles, ...).",
	}, func(ctx context.Context, in *CreateICPProfileRequest) (*CreatedICPProfileResponse, error) {
		b := in.Body
		p, err := profiles.Create(ctx, store.Profile{Name: b.Name, Description: b.Description,
			Criteria: b.Criteria.domain(), MinScore: *b.MinScore, Active: *b.Active})
		if err != nil {
			return nil, profileError(err, &b.Name)
		}
		return &CreatedICPProfileResponse{Location: "/api/v1/icp-profiles/" + p.ID.String(), Body: profileView(p)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-icp-profiles", Method: http.MethodGet, Path: "/api/v1/icp-profiles",
		Summary: "List ICP profiles", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ICPProfileListRequest) (*ICPProfileListResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		rows, err := profiles.List(ctx, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &ICPProfileListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, profileView,
			func(p store.Profile) string { return encodeCursor(store.Cursor{CreatedAt: p.CreatedAt, ID: p.ID}) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-icp-profile", Method: http.MethodGet, Path: "/api/v1/icp-profiles/{id}",
		Summary: "Get an ICP profile", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ICPProfileIDParam) (*ICPProfileResponse, error) {
		p, err := profiles.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &ICPProfileResponse{Body: profileView(p)}, nil
	})
	register(s, huma.Operation{
		OperationID: "patch-icp-profile", Method: http.MethodPatch, Path: "/api/v1/icp-profiles/{id}",
		Summary: "Change an ICP profile", Tags: tags, Metadata: write,
		Description: "Fields absent from the body are kept; criteria, when sent, replace the stored ones whole. " +
			"Contacts keep their scores until scored again.",
	}, func(ctx context.Context, in *PatchICPProfileRequest) (*ICPProfileResponse, error) {
		b := in.Body
		patch := store.ProfilePatch{Name: b.Name, Description: b.Description, MinScore: b.MinScore, Active: b.Active}
		if b.Criteria != nil {
			c := b.Criteria.domain()
			patch.Criteria = &c
		}
		p, err := profiles.Update(ctx, in.ID, patch)
		if err != nil {
			return nil, profileError(err, b.Name)
		}
		return &ICPProfileResponse{Body: profileView(p)}, nil
	})
	register(s, huma.Operation{
		OperationID: "delete-icp-profile", Method: http.MethodDelete, Path: "/api/v1/icp-profiles/{id}",
		Summary: "Delete an ICP profile", Tags: tags, Metadata: write, DefaultStatus: http.StatusNoContent,
		Description: "Contacts scored against it keep their score and explanation and lose the link; " +
			"queued scorings against it are cancelled when they run.",
	}, func(ctx context.Context, in *ICPProfileIDParam) (*struct{}, error) {
		return nil, profiles.Delete(ctx, in.ID)
	})
	register(s, huma.Operation{
		OperationID: "score-icp-profile", Method: http.MethodPost, Path: "/api/v1/icp-profiles/{id}/score",
		Summary: "Score contacts against an ICP profile", Tags: tags, Metadata: write, DefaultStatus: http.StatusAccepted,
		Description: "Queues one score_contact job per selected contact, all in one transaction. Each job stores the " +
			"contact's score against this profile, replacing its previous score, and requests a CRM sync when " +
			"the contact qualifies. The profile must be active (422 otherwise).",
	}, func(ctx context.Context, in *ScoreICPProfileRequest) (*ScoreICPProfileResponse, error) {
		ids, err := s.selectContacts(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		enqueued, err := s.enqueueScoring(ctx, in.ID, ids)
		if err != nil {
			return nil, err
		}
		out := &ScoreICPProfileResponse{}
		out.Body.Selected, out.Body.Enqueued = len(ids), enqueued
		return out, nil
	})
}

// enqueueScoring queues the scoring of contacts against the active profile
// with id, in one transaction that also reads the profile, and returns how
// many jobs were queued (unique jobs already waiting are not).
func (s *Server) enqueueScoring(ctx context.Context, profileID uuid.UUID, contactIDs []uuid.UUID) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin scoring: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	p, err := store.NewICPProfiles(tx).Get(ctx, profileID)
	if err != nil {
		return 0, err
	}
	if !p.Active {
		return 0, problem(http.StatusUnprocessableEntity, codeInvalid, "the profile is inactive",
			&huma.ErrorDetail{Location: "path.id", Message: "profile is inactive; set active to true to score with it", Value: profileID})
	}
	if len(contactIDs) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, len(contactIDs))
	for i, id := range contactIDs {
		params[i] = river.InsertManyParams{Args: jobs.ScoreContactArgs{ContactID: id, ProfileID: &profileID}}
	}
	results, err := s.river.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("enqueue scoring: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit scoring: %w", err)
	}
	enqueued := 0
	for _, r := range results {
		if !r.UniqueSkippedAsDuplicate {
			enqueued++
		}
	}
	return enqueued, nil
}

// profileError answers a profile's validation errors with 422 naming each
// field under body, and a taken name with 409 naming it.
func profileError(err error, name *string) error {
	var ve *icp.ValidationError
	switch {
	case errors.As(err, &ve):
		details := make([]*huma.ErrorDetail, len(ve.Fields))
		for i, f := range ve.Fields {
			details[i] = &huma.ErrorDetail{Location: "body." + f.Path, Message: f.Reason}
		}
		return problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed", details...)
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, codeConflict, "conflicts with an existing resource",
			&huma.ErrorDetail{Location: "body.name", Message: "already in use, in some case", Value: name})
	}
	return err
}

func profileView(p store.Profile) ICPProfile {
	return ICPProfile{
		ID: p.ID, Name: p.Name, Description: p.Description, Criteria: criteriaView(p.Criteria),
		MinScore: p.MinScore, Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

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
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// Enrollment is a contact in a campaign instance, as the API shows it.
type Enrollment struct {
	ID                    uuid.UUID      `json:"id"`
	InstanceID            uuid.UUID      `json:"instance_id"`
	TemplateID            uuid.UUID      `json:"template_id"`
	ContactID             uuid.UUID      `json:"contact_id"`
	Status                string         `json:"status" enum:"pending,active,paused,completed,stopped,failed"`
	Variant               string         `json:"variant,omitempty" doc:"A/B arm per step, \"1:B,3:control\"; set when the lead is sent."`
	LemlistLeadID         *string        `json:"lemlist_lead_id,omitempty"`
	Personalization       map[string]any `json:"personalization,omitempty" doc:"Custom fields of this enrollment, laid over the contact's."`
	PersonalizationStatus string         `json:"personalization_status,omitempty" enum:"pending,ready,approved,edited,failed" doc:"AI personalisation of a template that has it: pending (being written), ready (AI text waiting for approval when the template reviews), approved, edited (by a person) or failed (waiting for a person under on_failure wait). See /api/v1/enrollments/{id}/personalization."`
	StopReason            string         `json:"stop_reason,omitempty"`
	EnrolledAt            *time.Time     `json:"enrolled_at,omitempty" doc:"When lemlist accepted the lead."`
	StoppedAt             *time.Time     `json:"stopped_at,omitempty"`
	CreatedAt             time.Time      `json:"created_at"`
	UpdatedAt             time.Time      `json:"updated_at"`
}

// EnrollRequest enrolls contacts into an instance.
type EnrollRequest struct {
	ID   uuid.UUID `path:"id" doc:"Campaign instance id"`
	Body struct {
		ContactIDs []uuid.UUID     `json:"contact_ids,omitempty" maxItems:"10000" format:"uuid" doc:"These contacts; each must exist. At most 10000."`
		Filter     *ContactFilters `json:"filter,omitempty" doc:"Every contact matching these filters (those of GET /api/v1/contacts), at most 10000."`
	}
}

// EnrollResponse counts what an enrollment request did.
type EnrollResponse struct {
	Body struct {
		Selected        int            `json:"selected" doc:"Contacts the selection resolved to."`
		Enrolled        int            `json:"enrolled" doc:"Enrollments made (pending); an outreach_enroll job sends each lead to lemlist."`
		Skipped         int            `json:"skipped"`
		SkippedByReason map[string]int `json:"skipped_by_reason" doc:"suppressed, bounced, unsubscribed, erased, already_enrolled (in this instance), active_elsewhere (live in another instance of the same template)."`
	}
}

// EnrollmentListRequest pages through an instance's enrollments.
type EnrollmentListRequest struct {
	ID uuid.UUID `path:"id" doc:"Campaign instance id"`
	PageParams
	Status                string `query:"status" enum:"pending,active,paused,completed,stopped,failed" doc:"Only enrollments in this status."`
	PersonalizationStatus string `query:"personalization_status" enum:"pending,ready,approved,edited,failed" doc:"Only enrollments whose AI personalisation is in this status: ready and failed are the review queue."`
}

// EnrollmentListResponse is a page of enrollments.
type EnrollmentListResponse struct {
	Body struct {
		Items      []Enrollment `json:"items"`
		NextCursor string       `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// EnrollmentIDParam names one enrollment.
type EnrollmentIDParam struct {
	ID uuid.UUID `path:"id" doc:"Enrollment id"`
}

// EnrollmentResponse is one enrollment.
type EnrollmentResponse struct {
	Body Enrollment
}

func (s *Server) registerEnrollments() {
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.CampaignsWrite}
	tags := []string{"enrollments"}
	register(s, huma.Operation{
		OperationID: "enroll-contacts", Method: http.MethodPost, Path: "/api/v1/campaign-instances/{id}/enrollments",
		Summary: "Enroll contacts in a campaign instance", Tags: tags, Metadata: write, DefaultStatus: http.StatusAccepted,
		Description: "In one transaction: a pending enrollment and an outreach_enroll job for each selected contact " +
			"(contact_ids, or the filters of GET /api/v1/contacts) that is not suppressed (its email, domain or a parent " +
			"domain; bounced and unsubscribed addresses included), not already in the instance and not live in another " +
			"instance of the same template; the others are counted by reason. The instance must be active (409).",
	}, func(ctx context.Context, in *EnrollRequest) (*EnrollResponse, error) {
		if _, err := store.NewCampaignInstances(s.pool).Get(ctx, in.ID); err != nil {
			return nil, err
		}
		var f *store.ContactFilter
		if in.Body.Filter != nil {
			sf := in.Body.Filter.store()
			f = &sf
		}
		ids, err := s.contacts.SelectContacts(ctx, in.Body.ContactIDs, f, jobs.MaxEnrollIDs)
		if err != nil {
			return nil, err
		}
		var res jobs.EnrollResult
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			res, err = jobs.EnrollContacts(ctx, tx, s.river, s.suppressionHasher(), jobs.EnrollInput{InstanceID: in.ID, ContactIDs: ids})
			return err
		})
		if errors.Is(err, store.ErrInstanceStatus) {
			return nil, problem(http.StatusConflict, codeConflict,
				fmt.Sprintf("the instance is %s; contacts are enrolled into active instances only", res.Instance.Status),
				&huma.ErrorDetail{Location: "path.id", Message: "instance is " + res.Instance.Status, Value: in.ID})
		} else if err != nil {
			return nil, err
		}
		out := &EnrollResponse{}
		out.Body.Selected, out.Body.Enrolled, out.Body.Skipped = res.Selected, len(res.Enrolled), res.SkippedTotal
		out.Body.SkippedByReason = res.Skipped
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "list-enrollments", Method: http.MethodGet, Path: "/api/v1/campaign-instances/{id}/enrollments",
		Summary: "List the enrollments of a campaign instance", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *EnrollmentListRequest) (*EnrollmentListResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		if _, err := store.NewCampaignInstances(s.pool).Get(ctx, in.ID); err != nil {
			return nil, err
		}
		rows, err := store.NewEnrollments(s.pool).List(ctx, in.ID,
			store.EnrollmentFilter{Status: optString(in.Status), PersonalizationStatus: optString(in.PersonalizationStatus)}, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &EnrollmentListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, enrollmentView,
			func(e store.Enrollment) string { return encodeCursor(store.Cursor{CreatedAt: e.CreatedAt, ID: e.ID}) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-enrollment", Method: http.MethodGet, Path: "/api/v1/enrollments/{id}",
		Summary: "Get an enrollment", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *EnrollmentIDParam) (*EnrollmentResponse, error) {
		e, err := store.NewEnrollments(s.pool).Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &EnrollmentResponse{Body: enrollmentView(e)}, nil
	})
	live := []string{campaigns.EnrollmentPending, campaigns.EnrollmentActive, campaigns.EnrollmentPaused}
	for _, a := range []struct {
		action, summary, doc, to, reason string
		from                             []string
	}{
		{"pause", "Pause an enrollment", "pending or active → paused: its lead is paused in lemlist, or not sent while paused.",
			campaigns.EnrollmentPaused, "", live[:2]},
		{"resume", "Resume an enrollment", "paused → active (pending when its lead was never sent): its lead is resumed in lemlist.",
			"", "", live[2:]},
		{"unenroll", "Unenroll a contact", "pending, active or paused → stopped (unenrolled): its lead is removed from the lemlist campaign.",
			campaigns.EnrollmentStopped, campaigns.ReasonUnenrolled, live},
	} {
		register(s, huma.Operation{
			OperationID: a.action + "-enrollment", Method: http.MethodPost, Path: "/api/v1/enrollments/{id}/" + a.action,
			Summary: a.summary, Tags: tags, Metadata: write, DefaultStatus: http.StatusAccepted,
			Description: a.doc + " Mirrored to lemlist by an outreach_lead_state job; any other status is a 409.",
		}, func(ctx context.Context, in *EnrollmentIDParam) (*EnrollmentResponse, error) {
			var e store.Enrollment
			err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				var err error
				e, err = store.NewEnrollments(tx).Transition(ctx, in.ID, a.from, a.to, a.reason, time.Now())
				if err != nil {
					return err
				}
				_, err = s.river.InsertTx(ctx, tx, jobs.OutreachLeadStateArgs{EnrollmentID: e.ID}, nil)
				return err
			})
			if errors.Is(err, store.ErrEnrollmentStatus) {
				return nil, problem(http.StatusConflict, codeConflict,
					fmt.Sprintf("the enrollment is %s; %s needs it %s", e.Status, a.action, orList(a.from)),
					&huma.ErrorDetail{Location: "path.id", Message: "enrollment is " + e.Status, Value: in.ID})
			} else if err != nil {
				return nil, err
			}
			return &EnrollmentResponse{Body: enrollmentView(e)}, nil
		})
	}
}

// suppressionHasher hashes addresses as the suppression list stores them.
func (s *Server) suppressionHasher() contacts.Hasher {
	return contacts.NewHasher([]byte(s.cfg.SuppressionKey.Reveal()))
}

func enrollmentView(e store.Enrollment) Enrollment {
	return Enrollment{ID: e.ID, InstanceID: e.InstanceID, TemplateID: e.TemplateID, ContactID: e.ContactID,
		Status: e.Status, Variant: e.Variant, LemlistLeadID: e.LemlistLeadID, Personalization: e.Personalization,
		PersonalizationStatus: e.PersonalizationStatus, StopReason: e.StopReason, EnrolledAt: e.EnrolledAt, StoppedAt: e.StoppedAt, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

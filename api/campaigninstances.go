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

// CampaignInstance is a campaign instance as the API shows it.
type CampaignInstance struct {
	ID                uuid.UUID  `json:"id"`
	TemplateID        uuid.UUID  `json:"template_id"`
	Name              string     `json:"name"`
	Status            string     `json:"status" enum:"draft,active,paused,completed"`
	LemlistCampaignID *string    `json:"lemlist_campaign_id" doc:"null until the outreach job has created the lemlist campaign."`
	DailyCap          int        `json:"daily_cap" doc:"Leads sent to lemlist per UTC day; more wait for the next day."`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	StartedAt         *time.Time `json:"started_at,omitempty"`
	CompletedAt       *time.Time `json:"completed_at,omitempty"`
}

// CreateCampaignInstanceRequest creates an instance of a template.
type CreateCampaignInstanceRequest struct {
	Body struct {
		TemplateID        uuid.UUID `json:"template_id" doc:"The campaign template the instance sends."`
		Name              string    `json:"name" minLength:"1" maxLength:"200"`
		DailyCap          *int      `json:"daily_cap,omitempty" minimum:"0" maximum:"10000" doc:"Leads sent to lemlist per UTC day; absent is the template's settings.daily_cap."`
		LemlistCampaignID *string   `json:"lemlist_campaign_id,omitempty" minLength:"1" maxLength:"100" pattern:"^cam_[A-Za-z0-9]+$" doc:"An existing lemlist campaign to send through; absent: one is created (POST /campaigns) by an outreach job."`
	}
}

// CampaignInstanceIDParam names one instance.
type CampaignInstanceIDParam struct {
	ID uuid.UUID `path:"id" doc:"Campaign instance id"`
}

// CampaignInstanceListRequest pages through instances, oldest first.
type CampaignInstanceListRequest struct {
	PageParams
	Status string `query:"status" enum:"draft,active,paused,completed" doc:"Only instances in this status."`
}

// CampaignInstanceResponse is one instance.
type CampaignInstanceResponse struct {
	Body CampaignInstance
}

// CreatedCampaignInstanceResponse is a new instance and where it lives.
type CreatedCampaignInstanceResponse struct {
	Location string `header:"Location"`
	Body     CampaignInstance
}

// CampaignInstanceListResponse is a page of instances.
type CampaignInstanceListResponse struct {
	Body struct {
		Items      []CampaignInstance `json:"items"`
		NextCursor string             `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

func (s *Server) registerCampaignInstances() {
	instances := store.NewCampaignInstances(s.pool)
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.CampaignsWrite}
	tags := []string{"campaign-instances"}
	register(s, huma.Operation{
		OperationID: "create-campaign-instance", Method: http.MethodPost, Path: "/api/v1/campaign-instances",
		Summary: "Create a campaign instance", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
		Description: "A draft instance of a template. Without lemlist_campaign_id an outreach_campaign_sync job creates " +
			"the lemlist campaign (named like the instance, in the template's sending-window time zone) and keeps it " +
			"paused until the instance is activated.",
	}, func(ctx context.Context, in *CreateCampaignInstanceRequest) (*CreatedCampaignInstanceResponse, error) {
		var inst store.CampaignInstance
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			b := in.Body
			inst, err = store.NewCampaignInstances(tx).Create(ctx, store.NewCampaignInstance{
				TemplateID: b.TemplateID, Name: b.Name, DailyCap: b.DailyCap, LemlistCampaignID: b.LemlistCampaignID})
			if err != nil || inst.LemlistCampaignID != nil {
				return err
			}
			_, err = s.river.InsertTx(ctx, tx, jobs.OutreachCampaignSyncArgs{InstanceID: inst.ID}, nil)
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
				&huma.ErrorDetail{Location: "body.template_id", Message: "no such campaign template", Value: in.Body.TemplateID})
		} else if err != nil {
			return nil, err
		}
		return &CreatedCampaignInstanceResponse{Location: "/api/v1/campaign-instances/" + inst.ID.String(), Body: instanceView(inst)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-campaign-instances", Method: http.MethodGet, Path: "/api/v1/campaign-instances",
		Summary: "List campaign instances", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CampaignInstanceListRequest) (*CampaignInstanceListResponse, error) {
		after, err := in.decode()
		if err != nil {
			return nil, err
		}
		rows, err := instances.List(ctx, optString(in.Status), after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		out := &CampaignInstanceListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, instanceView,
			func(i store.CampaignInstance) string {
				return encodeCursor(store.Cursor{CreatedAt: i.CreatedAt, ID: i.ID})
			})
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-campaign-instance", Method: http.MethodGet, Path: "/api/v1/campaign-instances/{id}",
		Summary: "Get a campaign instance", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CampaignInstanceIDParam) (*CampaignInstanceResponse, error) {
		inst, err := instances.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &CampaignInstanceResponse{Body: instanceView(inst)}, nil
	})
	for _, a := range []struct{ action, summary, doc string }{
		{campaigns.ActionActivate, "Activate a draft campaign instance", "draft → active: enrollments may be made and their leads are sent."},
		{campaigns.ActionPause, "Pause a campaign instance", "active → paused: no lead is sent to lemlist (queued ones wait) and the lemlist campaign is paused."},
		{campaigns.ActionResume, "Resume a paused campaign instance", "paused → active: waiting leads are sent again (within minutes) and the lemlist campaign is started."},
		{campaigns.ActionComplete, "Complete a campaign instance", "active or paused → completed, for good: enrollments not yet sent are stopped and the lemlist campaign is paused."},
	} {
		register(s, huma.Operation{
			OperationID: a.action + "-campaign-instance", Method: http.MethodPost,
			Path:    "/api/v1/campaign-instances/{id}/" + a.action,
			Summary: a.summary, Tags: tags, Metadata: write,
			Description: a.doc + " Any other status is a 409; the change is mirrored to lemlist by an outreach_campaign_sync job.",
		}, func(ctx context.Context, in *CampaignInstanceIDParam) (*CampaignInstanceResponse, error) {
			return s.transitionInstance(ctx, in.ID, a.action)
		})
	}
}

// transitionInstance applies action and queues the lemlist mirror in one
// transaction.
func (s *Server) transitionInstance(ctx context.Context, id uuid.UUID, action string) (*CampaignInstanceResponse, error) {
	from, to, err := campaigns.InstanceTransition(action)
	if err != nil {
		return nil, err
	}
	var inst store.CampaignInstance
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		inst, err = store.NewCampaignInstances(tx).Transition(ctx, id, from, to)
		if err != nil {
			return err
		}
		_, err = s.river.InsertTx(ctx, tx, jobs.OutreachCampaignSyncArgs{InstanceID: id}, nil)
		return err
	})
	if errors.Is(err, store.ErrInstanceStatus) {
		return nil, problem(http.StatusConflict, codeConflict,
			fmt.Sprintf("the instance is %s; %s needs it %s", inst.Status, action, orList(from)),
			&huma.ErrorDetail{Location: "path.id", Message: "instance is " + inst.Status, Value: id})
	} else if err != nil {
		return nil, err
	}
	return &CampaignInstanceResponse{Body: instanceView(inst)}, nil
}

func orList(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " or "
		}
		out += x
	}
	return out
}

func instanceView(i store.CampaignInstance) CampaignInstance {
	return CampaignInstance{ID: i.ID, TemplateID: i.TemplateID, Name: i.Name, Status: i.Status,
		LemlistCampaignID: i.LemlistCampaignID, DailyCap: i.DailyCap, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		StartedAt: i.StartedAt, CompletedAt: i.CompletedAt}
}

package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/store"
)

// CampaignMetricsRequest asks for an instance's metrics.
type CampaignMetricsRequest struct {
	ID     uuid.UUID `path:"id" doc:"Campaign instance id"`
	Bucket string    `query:"bucket" enum:"day,hour" doc:"Size of the time buckets; absent is day."`
	From   string    `query:"from" doc:"RFC 3339 start of the series, truncated to its bucket; absent is 30 days before to."`
	To     string    `query:"to" doc:"RFC 3339 end of the series (exclusive); absent is now. At most 1000 buckets."`
}

// MetricCounts are outreach figures: enrollments, and distinct leads with
// at least one event of each kind.
type MetricCounts struct {
	Enrolled     int64 `json:"enrolled" doc:"Enrollments that reached lemlist (every status but pending and failed). 0 per step."`
	Sent         int64 `json:"sent" doc:"Leads sent an email."`
	Opened       int64 `json:"opened"`
	Clicked      int64 `json:"clicked"`
	Replied      int64 `json:"replied" doc:"Email or LinkedIn replies."`
	Bounced      int64 `json:"bounced"`
	Unsubscribed int64 `json:"unsubscribed"`
}

// MetricRates are fractions from 0 to 1.
type MetricRates struct {
	Sent         float64 `json:"sent" doc:"sent / enrolled."`
	Opened       float64 `json:"opened" doc:"opened / sent."`
	Clicked      float64 `json:"clicked" doc:"clicked / sent."`
	Replied      float64 `json:"replied" doc:"replied / sent."`
	Bounced      float64 `json:"bounced" doc:"bounced / sent."`
	Unsubscribed float64 `json:"unsubscribed" doc:"unsubscribed / sent."`
}

// StepMetrics are the figures of one step of the sequence.
type StepMetrics struct {
	Step   *int         `json:"step" doc:"0-based, as lemlist numbers steps; null for events without a step."`
	Counts MetricCounts `json:"counts"`
	Rates  MetricRates  `json:"rates"`
}

// BucketMetrics are the figures of one time bucket.
type BucketMetrics struct {
	Start  time.Time    `json:"start"`
	Counts MetricCounts `json:"counts"`
}

// CampaignMetricsResponse is an instance's metrics.
type CampaignMetricsResponse struct {
	Body struct {
		InstanceID uuid.UUID       `json:"instance_id"`
		Counts     MetricCounts    `json:"counts" doc:"Over the instance's whole life."`
		Rates      MetricRates     `json:"rates"`
		Steps      []StepMetrics   `json:"steps"`
		Bucket     string          `json:"bucket"`
		From       time.Time       `json:"from"`
		To         time.Time       `json:"to"`
		Buckets    []BucketMetrics `json:"buckets" doc:"Every bucket of the range, empty ones included; a lead counts once per bucket it had events in."`
	}
}

func (s *Server) registerCampaignMetrics() {
	metrics := store.NewCampaignMetrics(s.pool)
	register(s, huma.Operation{
		OperationID: "get-campaign-instance-metrics", Method: http.MethodGet, Path: "/api/v1/campaign-instances/{id}/metrics",
		Summary: "Metrics of a campaign instance", Tags: []string{"campaign-instances"},
		Metadata: map[string]any{metaScope: auth.ContactsRead},
		Description: "Enrolled, sent, opened, clicked, replied, bounced and unsubscribed, with rates, for the instance, " +
			"per step and per time bucket, from the lemlist events received (webhooks and the activity backfill). " +
			"Event counts are distinct leads, so repeated opens count once.",
	}, func(ctx context.Context, in *CampaignMetricsRequest) (*CampaignMetricsResponse, error) {
		r, err := metricsRange(in)
		if err != nil {
			return nil, err
		}
		m, err := metrics.ForInstance(ctx, in.ID, r)
		if err != nil {
			return nil, err
		}
		out := &CampaignMetricsResponse{}
		b := &out.Body
		b.InstanceID, b.Bucket, b.From, b.To = in.ID, r.Bucket, r.From, r.To
		b.Counts, b.Rates = countsView(m.Totals), ratesView(m.Totals.Rates())
		b.Steps = make([]StepMetrics, len(m.Steps))
		for i, st := range m.Steps {
			b.Steps[i] = StepMetrics{Step: st.Step, Counts: countsView(st.Counts), Rates: ratesView(st.Rates())}
		}
		b.Buckets = make([]BucketMetrics, len(m.Buckets))
		for i, bk := range m.Buckets {
			b.Buckets[i] = BucketMetrics{Start: bk.Start, Counts: countsView(bk.Counts)}
		}
		return out, nil
	})
}

// metricsRange validates the series parameters; errors name the query
// field.
func metricsRange(in *CampaignMetricsRequest) (campaigns.MetricsRange, error) {
	parse := func(name, v string) (*time.Time, error) {
		if v == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
				&huma.ErrorDetail{Location: "query." + name, Message: "must be an RFC 3339 date-time", Value: v})
		}
		return &t, nil
	}
	from, err := parse("from", in.From)
	if err != nil {
		return campaigns.MetricsRange{}, err
	}
	to, err := parse("to", in.To)
	if err != nil {
		return campaigns.MetricsRange{}, err
	}
	r, err := campaigns.NewMetricsRange(in.Bucket, from, to, time.Now())
	var ee *campaigns.EventError
	if errors.As(err, &ee) {
		return r, problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
			&huma.ErrorDetail{Location: "query." + ee.Field, Message: ee.Reason})
	}
	return r, err
}

func countsView(c campaigns.Counts) MetricCounts {
	return MetricCounts{Enrolled: c.Enrolled, Sent: c.Sent, Opened: c.Opened, Clicked: c.Clicked,
		Replied: c.Replied, Bounced: c.Bounced, Unsubscribed: c.Unsubscribed}
}

func ratesView(r campaigns.Rates) MetricRates {
	return MetricRates{Sent: r.Sent, Opened: r.Opened, Clicked: r.Clicked, Replied: r.Replied,
		Bounced: r.Bounced, Unsubscribed: r.Unsubscribed}
}

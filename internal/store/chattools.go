package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The queries of the chat assistant's tools. They only read, return
// figures and status fields (never e-mail addresses, names, phone numbers,
// enrichment payloads or anything of api_keys), and run inside a read-only
// transaction opened by the caller.

// chatListCap bounds the rows a list tool returns.
const chatListCap = 50

// PipelineCounts are the contact and company figures of the pipeline.
type PipelineCounts struct {
	Contacts             int64            `json:"contacts"`
	ContactsByEnrichment map[string]int64 `json:"contacts_by_enrichment_status"`
	ContactsBySync       map[string]int64 `json:"contacts_by_sync_status"`
	ContactsByScore      map[string]int64 `json:"contacts_by_icp_score"`
	Qualified            int64            `json:"qualified_contacts"`
	Companies            int64            `json:"companies"`
}

// ChatPipelineCounts counts contacts by enrichment status, sync status
// and score band, and companies.
func ChatPipelineCounts(ctx context.Context, db DBTX) (PipelineCounts, error) {
	p := PipelineCounts{
		ContactsByEnrichment: map[string]int64{"pending": 0, "enriched": 0, "not_found": 0, "failed": 0},
		ContactsBySync:       map[string]int64{"pending": 0, "synced": 0, "failed": 0},
		ContactsByScore:      map[string]int64{"unscored": 0, "0-39": 0, "40-59": 0, "60-79": 0, "80-100": 0},
	}
	for _, q := range []struct {
		sql string
		to  map[string]int64
	}{
		{`SELECT enrichment_status, count(*) FROM contacts GROUP BY 1`, p.ContactsByEnrichment},
		{`SELECT sync_status, count(*) FROM contacts GROUP BY 1`, p.ContactsBySync},
		{`SELECT CASE WHEN icp_score IS NULL THEN 'unscored' WHEN icp_score < 40 THEN '0-39'
		              WHEN icp_score < 60 THEN '40-59' WHEN icp_score < 80 THEN '60-79' ELSE '80-100' END, count(*)
		  FROM contacts GROUP BY 1`, p.ContactsByScore},
	} {
		rows, err := db.Query(ctx, q.sql)
		if err != nil {
			return p, fmt.Errorf("count contacts: %w", err)
		}
		var k string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error {
			q.to[k] = n
			return nil
		}); err != nil {
			return p, fmt.Errorf("count contacts: %w", err)
		}
	}
	if err := db.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE (icp_explanation->>'qualified')::boolean), (SELECT count(*) FROM companies)
		FROM contacts`).Scan(&p.Contacts, &p.Qualified, &p.Companies); err != nil {
		return p, fmt.Errorf("count contacts: %w", err)
	}
	return p, nil
}

// ChatCampaignCounts are an instance's event and enrollment counts.
type ChatCampaignCounts struct {
	InstanceID    uuid.UUID        `json:"instance_id"`
	Name          string           `json:"name"`
	Status        string           `json:"status"`
	Events        map[string]int64 `json:"events_by_type"`
	Enrollments   map[string]int64 `json:"enrollments_by_status"`
	EnrolledTotal int64            `json:"enrolled_total"`
}

// ChatCampaignMetrics counts the campaign events of instance id by type
// and its enrollments by status; no such instance is ErrNotFound.
func ChatCampaignMetrics(ctx context.Context, db DBTX, id uuid.UUID) (ChatCampaignCounts, error) {
	m := ChatCampaignCounts{InstanceID: id, Events: map[string]int64{}, Enrollments: map[string]int64{}}
	err := db.QueryRow(ctx, `SELECT name, status FROM campaign_instances WHERE id = $1`, id).Scan(&m.Name, &m.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	} else if err != nil {
		return m, fmt.Errorf("read campaign instance: %w", err)
	}
	for _, q := range []struct {
		sql string
		to  map[string]int64
	}{
		{`SELECT type, count(*) FROM campaign_events WHERE instance_id = $1 GROUP BY 1`, m.Events},
		{`SELECT status, count(*) FROM enrollments WHERE instance_id = $1 GROUP BY 1`, m.Enrollments},
	} {
		rows, err := db.Query(ctx, q.sql, id)
		if err != nil {
			return m, fmt.Errorf("count campaign: %w", err)
		}
		var k string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error {
			q.to[k] = n
			return nil
		}); err != nil {
			return m, fmt.Errorf("count campaign: %w", err)
		}
	}
	for _, n := range m.Enrollments {
		m.EnrolledTotal += n
	}
	return m, nil
}

// ContactStatus is where one contact stands: status fields only. Title
// and company are free text a prospect or vendor wrote, so they reach
// the model as data inside a tool result, never as instructions.
type ContactStatus struct {
	ID               uuid.UUID          `json:"id"`
	Title            string             `json:"title"`
	Company          string             `json:"company"`
	EnrichmentStatus string             `json:"enrichment_status"`
	SyncStatus       string             `json:"sync_status"`
	ICPScore         *int               `json:"icp_score"`
	Qualified        bool               `json:"qualified"`
	Suppressed       bool               `json:"suppressed"`
	Enrollments      []EnrollmentStatus `json:"enrollments"`
}

// EnrollmentStatus is one of a contact's enrollments.
type EnrollmentStatus struct {
	InstanceID  uuid.UUID `json:"instance_id"`
	Status      string    `json:"status"`
	CurrentStep int       `json:"current_step"`
}

// ChatContactStatus returns the status of the contact with id, or when id
// is nil with the normalised email; no such contact is ErrNotFound.
func ChatContactStatus(ctx context.Context, db DBTX, id *uuid.UUID, email string) (ContactStatus, error) {
	var s ContactStatus
	err := db.QueryRow(ctx, `
		SELECT c.id, c.title, c.company_name, c.enrichment_status, c.sync_status, c.icp_score,
		       coalesce((c.icp_explanation->>'qualified')::boolean, false),
		       EXISTS (SELECT 1 FROM suppressions s
		               WHERE (s.kind = 'email' AND s.value = c.email) OR (s.kind = 'domain' AND c.domain <> '' AND s.value = c.domain))
		FROM contacts c
		WHERE CASE WHEN $1::uuid IS NOT NULL THEN c.id = $1 ELSE c.email = $2 END`, id, email).Scan(
		&s.ID, &s.Title, &s.Company, &s.EnrichmentStatus, &s.SyncStatus, &s.ICPScore, &s.Qualified, &s.Suppressed)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ErrNotFound
	} else if err != nil {
		return s, fmt.Errorf("read contact status: %w", err)
	}
	rows, err := db.Query(ctx, `
		SELECT instance_id, status, current_step FROM enrollments WHERE contact_id = $1 ORDER BY created_at, id LIMIT $2`,
		s.ID, chatListCap)
	if err != nil {
		return s, fmt.Errorf("list contact enrollments: %w", err)
	}
	s.Enrollments, err = pgx.CollectRows(rows, pgx.RowToStructByPos[EnrollmentStatus])
	if err != nil {
		return s, fmt.Errorf("list contact enrollments: %w", err)
	}
	if s.Enrollments == nil {
		s.Enrollments = []EnrollmentStatus{}
	}
	return s, nil
}

// ProfileSummary is an ICP profile with how many contacts it scored.
type ProfileSummary struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	MinScore  int       `json:"min_score"`
	Scored    int64     `json:"contacts_scored"`
	Qualified int64     `json:"contacts_qualified"`
}

// ChatProfiles lists ICP profiles, oldest first, at most chatListCap.
func ChatProfiles(ctx context.Context, db DBTX) ([]ProfileSummary, error) {
	rows, err := db.Query(ctx, `
		SELECT p.id, p.name, p.active, p.min_score,
		       (SELECT count(*) FROM contacts c WHERE c.icp_profile_id = p.id),
		       (SELECT count(*) FROM contacts c WHERE c.icp_profile_id = p.id AND (c.icp_explanation->>'qualified')::boolean)
		FROM icp_profiles p ORDER BY p.created_at, p.id LIMIT $1`, chatListCap)
	if err != nil {
		return nil, fmt.Errorf("list icp profiles: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ProfileSummary])
	if err != nil {
		return nil, fmt.Errorf("list icp profiles: %w", err)
	}
	return nonNil(out), nil
}

// InstanceSummary is a campaign instance with its enrollment count.
type InstanceSummary struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Enrollments int64     `json:"enrollments"`
}

// ChatInstances lists campaign instances, newest first, at most
// chatListCap.
func ChatInstances(ctx context.Context, db DBTX) ([]InstanceSummary, error) {
	rows, err := db.Query(ctx, `
		SELECT i.id, i.name, i.status, (SELECT count(*) FROM enrollments e WHERE e.instance_id = i.id)
		FROM campaign_instances i ORDER BY i.created_at DESC, i.id LIMIT $1`, chatListCap)
	if err != nil {
		return nil, fmt.Errorf("list campaign instances: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InstanceSummary])
	if err != nil {
		return nil, fmt.Errorf("list campaign instances: %w", err)
	}
	return nonNil(out), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

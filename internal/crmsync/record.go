package crmsync

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// Retry policy of a contact HubSpot refused: its mark stays, waiting
// FirstBackoff after the first failure and twice as long after each
// further one (at most MaxBackoff), until MaxAttempts failures in a row
// clear it; the contact then stays failed until someone asks again.
const (
	MaxAttempts  = 5
	FirstBackoff = time.Minute
	MaxBackoff   = time.Hour
)

// Summary counts what Record wrote.
type Summary struct {
	Synced, Failed, GaveUp int
}

// Record stores o, the outcome of pushing b, at now: companies written get
// their HubSpot id and synced_at, refused ones their error; contacts
// written without error become synced with their HubSpot id and lose their
// mark; the others become failed with the reason, one more attempt and a
// backoff (see MaxAttempts). Run it in the transaction that took b.
func Record(ctx context.Context, db store.DBTX, b *Batch, o *Outcome, now time.Time) (Summary, error) {
	if err := recordCompanies(ctx, db, o.Companies, now); err != nil {
		return Summary{}, err
	}
	var sum Summary
	var okIDs, failIDs []uuid.UUID
	var okHubSpot, failHubSpot, failErrs []string
	var failNotBefore []*time.Time
	var failKeep []bool
	for i, r := range o.Contacts {
		if r.Err == "" {
			okIDs, okHubSpot = append(okIDs, r.ID), append(okHubSpot, r.HubSpotID)
			continue
		}
		notBefore, keep := retryAfterFailure(b.Contacts[i].Attempts, now)
		failIDs, failHubSpot, failErrs = append(failIDs, r.ID), append(failHubSpot, r.HubSpotID), append(failErrs, r.Err)
		failNotBefore, failKeep = append(failNotBefore, notBefore), append(failKeep, keep)
		if !keep {
			sum.GaveUp++
		}
	}
	if err := releaseHubSpotIDs(ctx, db, append(okIDs, failIDs...), append(okHubSpot, failHubSpot...)); err != nil {
		return Summary{}, err
	}
	if len(okIDs) > 0 {
		tag, err := db.Exec(ctx, `
			UPDATE contacts c SET sync_status = 'synced', sync_error = '', synced_at = $3, hubspot_id = u.hubspot_id,
				sync_requested_at = NULL, sync_attempts = 0, sync_not_before = NULL
			FROM unnest($1::uuid[], $2::text[]) AS u(id, hubspot_id)
			WHERE c.id = u.id`, okIDs, okHubSpot, now)
		if err != nil {
			return Summary{}, fmt.Errorf("record synced contacts: %w", err)
		}
		sum.Synced = int(tag.RowsAffected())
	}
	if len(failIDs) > 0 {
		tag, err := db.Exec(ctx, `
			UPDATE contacts c SET sync_status = 'failed', sync_error = u.err,
				hubspot_id = coalesce(nullif(u.hubspot_id, ''), c.hubspot_id),
				sync_attempts = c.sync_attempts + 1, sync_not_before = u.not_before,
				sync_requested_at = CASE WHEN u.keep THEN c.sync_requested_at END
			FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[])
				AS u(id, hubspot_id, err, not_before, keep)
			WHERE c.id = u.id`, failIDs, failHubSpot, failErrs, failNotBefore, failKeep)
		if err != nil {
			return Summary{}, fmt.Errorf("record failed contacts: %w", err)
		}
		sum.Failed = int(tag.RowsAffected())
	}
	return sum, nil
}

// RecordRefusal records reason as the failure of every contact of b, as
// when HubSpot refused a batch call as a whole.
func RecordRefusal(ctx context.Context, db store.DBTX, b *Batch, reason string, now time.Time) (Summary, error) {
	o := &Outcome{Contacts: make([]RowOutcome, len(b.Contacts))}
	for i, c := range b.Contacts {
		o.Contacts[i] = RowOutcome{ID: c.ID, Err: reason}
	}
	return Record(ctx, db, b, o, now)
}

// retryAfterFailure is when a contact that has failed attempts times
// before, and failed again, is tried next; keep is false when that was
// its last attempt.
func retryAfterFailure(attempts int, now time.Time) (notBefore *time.Time, keep bool) {
	failed := attempts + 1
	if failed >= MaxAttempts {
		return nil, false
	}
	wait := FirstBackoff
	for range failed - 1 {
		wait = min(2*wait, MaxBackoff)
	}
	at := now.Add(wait)
	return &at, true
}

// releaseHubSpotIDs clears a HubSpot id from any contact other than the one
// that now owns it: a contact whose email changed leaves its old HubSpot
// object to whichever contact now has that email.
func releaseHubSpotIDs(ctx context.Context, db store.DBTX, ids []uuid.UUID, hubspotIDs []string) error {
	if _, err := db.Exec(ctx, `
		UPDATE contacts c SET hubspot_id = NULL
		FROM unnest($1::uuid[], $2::text[]) AS u(id, hubspot_id)
		WHERE u.hubspot_id <> '' AND c.hubspot_id = u.hubspot_id AND c.id <> u.id`, ids, hubspotIDs); err != nil {
		return fmt.Errorf("release moved hubspot ids: %w", err)
	}
	return nil
}

func recordCompanies(ctx context.Context, db store.DBTX, rows []RowOutcome, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(rows))
	hubspotIDs := make([]string, len(rows))
	errs := make([]string, len(rows))
	for i, r := range rows {
		ids[i], hubspotIDs[i], errs[i] = r.ID, r.HubSpotID, r.Err
	}
	if _, err := db.Exec(ctx, `
		UPDATE companies c SET
			hubspot_id = coalesce(nullif(u.hubspot_id, ''), c.hubspot_id),
			synced_at = CASE WHEN u.err = '' THEN $4 ELSE c.synced_at END,
			sync_error = u.err
		FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, hubspot_id, err)
		WHERE c.id = u.id`, ids, hubspotIDs, errs, now); err != nil {
		return fmt.Errorf("record synced companies: %w", err)
	}
	return nil
}

package jobs

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
)

// MaxEnrollIDs caps the contacts one enrollment request covers: one
// transaction inserts their enrollments and outreach_enroll jobs.
const MaxEnrollIDs = 10_000

// EnrollInput is what to enroll: contacts into a campaign instance.
type EnrollInput struct {
	InstanceID uuid.UUID
	ContactIDs []uuid.UUID
	// MinScore, when set, skips contacts whose ICP score is below it or
	// who were never scored.
	MinScore *int
}

// EnrollResult says what enrolling did: the enrollments made and, per
// reason, the contacts skipped (campaigns.Reason*). Existing lists the
// contacts that were already in the instance with their enrollment ids.
type EnrollResult struct {
	Selected      int
	Enrolled      []store.NewEnrollment
	Skipped       map[string]int
	SkippedTotal  int
	Existing      map[uuid.UUID]uuid.UUID
	Instance      store.CampaignInstance
	QueuedEnrolls int
}

// EnrollContacts enrolls in.ContactIDs into the instance on tx, which the
// caller commits: each contact that is not suppressed (email, domain or a
// parent domain; bounced and unsubscribed addresses are suppressions too),
// not erased, not already in the instance and not live in another instance
// of the same template gets a pending enrollment and an outreach_enroll job
// (args: its id only), and, when the template personalises, an
// ai_personalize job with its personalisation pending. The table's unique
// indexes decide the last two checks, so concurrent requests never enroll
// a contact twice. The instance must be
// active (store.ErrInstanceStatus otherwise; ErrNotFound when missing).
func EnrollContacts(ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], h contacts.Hasher, in EnrollInput) (EnrollResult, error) {
	res := EnrollResult{Skipped: map[string]int{}, Existing: map[uuid.UUID]uuid.UUID{}}
	inst, err := store.NewCampaignInstances(tx).GetForShare(ctx, in.InstanceID)
	if err != nil {
		return res, err
	}
	res.Instance = inst
	if inst.Status != campaigns.InstanceActive {
		return res, fmt.Errorf("enroll into a %s instance: %w", inst.Status, store.ErrInstanceStatus)
	}
	ids := dedupe(in.ContactIDs)
	res.Selected = len(ids)
	if len(ids) == 0 {
		return res, nil
	}
	enr := store.NewEnrollments(tx)
	cands, err := enr.Candidates(ctx, ids)
	if err != nil {
		return res, err
	}
	res.Skipped[campaigns.ReasonErased] = len(ids) - len(cands)

	keys := make([][]store.SuppressionKey, len(cands))
	var all []store.SuppressionKey
	for i, c := range cands {
		keys[i] = contacts.SuppressionKeys(h, c.Email, c.Domain)
		all = append(all, keys[i]...)
	}
	suppressed, err := enr.SuppressionReasons(ctx, all)
	if err != nil {
		return res, err
	}
	var eligible []uuid.UUID
candidates:
	for i, c := range cands {
		for _, k := range keys[i] { // the address's own entry first
			if reason, ok := suppressed[k.ID()]; ok {
				res.Skipped[campaigns.SuppressionReason(reason)]++
				continue candidates
			}
		}
		if in.MinScore != nil && (c.ICPScore == nil || *c.ICPScore < *in.MinScore) {
			res.Skipped[campaigns.ReasonBelowMinScore]++
			continue
		}
		eligible = append(eligible, c.ID)
	}
	// One order for every request, so concurrent ones wait on the unique
	// indexes in the same order instead of deadlocking.
	slices.SortFunc(eligible, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	if len(eligible) > 0 {
		res.Enrolled, err = enr.InsertPending(ctx, inst.ID, inst.TemplateID, eligible)
		if err != nil {
			return res, err
		}
	}
	if rest := len(eligible) - len(res.Enrolled); rest > 0 {
		made := make(map[uuid.UUID]bool, len(res.Enrolled))
		for _, e := range res.Enrolled {
			made[e.ContactID] = true
		}
		var others []uuid.UUID
		for _, id := range eligible {
			if !made[id] {
				others = append(others, id)
			}
		}
		in, err := enr.InInstance(ctx, inst.ID, others)
		if err != nil {
			return res, err
		}
		for _, id := range others {
			if e, ok := in[id]; ok {
				res.Skipped[campaigns.ReasonAlreadyEnrolled]++
				res.Existing[id] = e
			} else {
				// Live elsewhere, or erased between the read and the insert.
				res.Skipped[campaigns.ReasonActiveElsewhere]++
			}
		}
	}
	for k, n := range res.Skipped {
		if n == 0 {
			delete(res.Skipped, k)
		}
		res.SkippedTotal += n
	}
	personalize, err := startPersonalization(ctx, tx, inst.TemplateID, res.Enrolled)
	if err != nil {
		return res, err
	}
	for start := 0; start < len(res.Enrolled); start += insertChunk {
		chunk := res.Enrolled[start:min(start+insertChunk, len(res.Enrolled))]
		params := make([]river.InsertManyParams, 0, 2*len(chunk))
		for _, e := range chunk {
			params = append(params, river.InsertManyParams{Args: OutreachEnrollArgs{EnrollmentID: e.ID}})
			if personalize {
				params = append(params, river.InsertManyParams{Args: AIPersonalizeArgs{EnrollmentID: e.ID}})
			}
		}
		if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
			return res, fmt.Errorf("enqueue outreach_enroll: %w", err)
		}
		res.QueuedEnrolls += len(chunk)
	}
	return res, nil
}

// insertChunk bounds the jobs of one insert statement.
const insertChunk = 5000

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

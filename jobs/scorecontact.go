package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// ScoreContactWorker works ScoreContactArgs: it scores the contact against
// the profile named, or against every active profile keeping the best (see
// icp.Explanation.Beats), and in one transaction stores the score with its
// explanation, requests a CRM sync when the contact qualifies and completes
// the job. A contact gone (erased) completes the job with nothing done; a
// named profile gone cancels it.
type ScoreContactWorker struct {
	river.WorkerDefaults[ScoreContactArgs]

	db     txBeginner
	now    func() time.Time
	logger *slog.Logger
}

// errNoProfile is why a job whose profile was deleted is cancelled.
var errNoProfile = errors.New("icp profile deleted")

// Work scores the contact; see the type's comment.
func (w *ScoreContactWorker) Work(ctx context.Context, job *river.Job[ScoreContactArgs]) error {
	var outcome []any
	err := completeWith(ctx, w.db, job, func(tx pgx.Tx) (err error) {
		outcome, err = w.score(ctx, tx, job.Args)
		return err
	})
	if err != nil {
		return err
	}
	obs.Logger(ctx, w.logger).InfoContext(ctx, "contact scored", outcome...)
	return nil
}

// score does the work of one job on tx and returns what to log about it.
func (w *ScoreContactWorker) score(ctx context.Context, tx pgx.Tx, args ScoreContactArgs) ([]any, error) {
	target, err := store.NewScores(tx).Target(ctx, args.ContactID)
	if errors.Is(err, store.ErrNotFound) {
		return []any{slog.String("outcome", "contact gone")}, nil
	}
	if err != nil {
		return nil, err
	}
	profiles, err := w.profiles(ctx, tx, args.ProfileID)
	if err != nil {
		return nil, err
	}
	if len(profiles) == 0 {
		return []any{slog.String("outcome", "no active profile")}, nil
	}

	best, bestAt := icp.Explanation{}, -1
	for i, p := range profiles {
		e := icp.Explain(p.Name, p.MinScore, icp.Score(p.Criteria, target.Subject))
		if bestAt < 0 || e.Beats(best) {
			best, bestAt = e, i
		}
	}
	profile := profiles[bestAt]
	if err := store.NewScores(tx).Store(ctx, args.ContactID, profile.ID, best, w.now()); err != nil {
		return nil, err
	}

	syncRequested := false
	if best.Qualified && syncDue(target, profile.ID, best.Score) {
		if _, err := RequestCRMSync(ctx, tx, river.ClientFromContext[pgx.Tx](ctx), []uuid.UUID{args.ContactID}); err != nil {
			return nil, err
		}
		syncRequested = true
	}
	return []any{slog.String("outcome", "scored"), slog.String("profile_id", profile.ID.String()),
		slog.Int("score", best.Score), slog.Bool("qualified", best.Qualified),
		slog.Bool("sync_requested", syncRequested)}, nil
}

// profiles returns the profile named, or every active one when id is nil.
// A named profile that no longer exists cancels the job: retrying cannot
// bring it back. A named profile made inactive since is still scored
// against, since someone asked for exactly it.
func (w *ScoreContactWorker) profiles(ctx context.Context, tx pgx.Tx, id *uuid.UUID) ([]store.Profile, error) {
	profiles := store.NewICPProfiles(tx)
	if id == nil {
		return profiles.Active(ctx)
	}
	p, err := profiles.Get(ctx, *id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, river.JobCancel(fmt.Errorf("%w: %s", errNoProfile, *id))
	}
	if err != nil {
		return nil, err
	}
	return []store.Profile{p}, nil
}

// syncDue reports whether a qualified contact needs a CRM sync: unless the
// CRM already holds it with this very score and profile, it does. Scoring
// a synced segment again therefore costs no CRM calls.
func syncDue(t store.ScoringTarget, profileID uuid.UUID, score int) bool {
	unchanged := t.ICPScore != nil && *t.ICPScore == score &&
		t.ICPProfileID != nil && *t.ICPProfileID == profileID
	return !unchanged || t.SyncStatus != "synced"
}

package jobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// completeWith runs write (when not nil) on a new transaction of db and
// completes job in it (river.JobCompleteTx): the job's writes and its
// completion commit together, or neither does (DESIGN.md section 4).
func completeWith[T river.JobArgs](ctx context.Context, db txBeginner, job *river.Job[T], write func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if write != nil {
			if err := write(tx); err != nil {
				return err
			}
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete %s job: %w", job.Kind, err)
		}
		return nil
	})
}

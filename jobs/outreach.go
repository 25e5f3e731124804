package jobs

import (
	"fmt"

	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/lemlist"
)

// registerOutreach adds the workers of the outreach queue that mirror
// campaign instances and enrollments to lemlist. They are registered
// without a lemlist client too (every leader-eligible process registers
// every kind); their jobs then fail with the setting to fix.
func registerOutreach(workers *river.Workers, deps Deps) error {
	var lem *lemlist.Client
	if deps.Vendors != nil {
		lem = deps.Vendors.Lemlist
	}
	if err := river.AddWorkerSafely(workers, &OutreachEnrollWorker{db: deps.Pool, lemlist: lem, hasher: deps.Hasher,
		now: deps.Now, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachEnroll, err)
	}
	if err := river.AddWorkerSafely(workers, &OutreachLeadStateWorker{db: deps.Pool, lemlist: lem}); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachLeadState, err)
	}
	if err := river.AddWorkerSafely(workers, &OutreachCampaignSyncWorker{db: deps.Pool, lemlist: lem, logger: deps.Logger}); err != nil {
		return fmt.Errorf("register %s: %w", KindOutreachCampaignSync, err)
	}
	return nil
}

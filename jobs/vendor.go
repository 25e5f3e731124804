package jobs

import (
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// minSnooze is the shortest snooze VendorOutcome asks for: a zero or
// sub-second wait would only bring the job back to meet the same refusal.
const minSnooze = time.Second

// VendorOutcome turns the error of a vendor call into what a worker returns
// to River, so every worker treats vendors alike:
//
//   - a rate limit (ours or the vendor's) or an open breaker snoozes the job
//     for the wait: no attempt is burnt and no worker slot is held;
//   - a permanent vendor refusal (*guard.APIError) cancels the job, which
//     retrying would not fix;
//   - anything else, transient failures included, is returned as is and
//     River retries with backoff.
//
// Wrapped errors are recognised; nil stays nil.
func VendorOutcome(err error) error {
	if err == nil {
		return nil
	}
	var rl *guard.RateLimitError
	var bo *guard.BreakerOpenError
	var ae *guard.APIError
	switch {
	case errors.As(err, &rl):
		return river.JobSnooze(max(rl.RetryAfter, minSnooze))
	case errors.As(err, &bo):
		return river.JobSnooze(max(bo.RetryAfter, minSnooze))
	case errors.As(err, &ae):
		return river.JobCancel(err)
	default:
		return err
	}
}

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
	wait, refused := classifyVendorError(err)
	switch {
	case wait > 0:
		return river.JobSnooze(wait)
	case refused:
		return river.JobCancel(err)
	}
	return err
}

// classifyVendorError reads a vendor call's error: how long to wait when
// the vendor is rate limited or its breaker is open (0 otherwise), and
// whether the vendor refused the call for good.
func classifyVendorError(err error) (wait time.Duration, refused bool) {
	var rl *guard.RateLimitError
	var bo *guard.BreakerOpenError
	var ae *guard.APIError
	switch {
	case errors.As(err, &rl):
		return max(rl.RetryAfter, minSnooze), false
	case errors.As(err, &bo):
		return max(bo.RetryAfter, minSnooze), false
	case errors.As(err, &ae):
		return 0, true
	}
	return 0, false
}

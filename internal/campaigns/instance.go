package campaigns

import (
	"errors"
	"fmt"
	"time"
)

// Statuses of a campaign instance.
const (
	InstanceDraft     = "draft"
	InstanceActive    = "active"
	InstancePaused    = "paused"
	InstanceCompleted = "completed"
)

// Actions that move a campaign instance between statuses.
const (
	ActionActivate = "activate"
	ActionPause    = "pause"
	ActionResume   = "resume"
	ActionComplete = "complete"
)

// ErrTransition is returned for an action the instance's status does not
// allow (pausing a draft, resuming a completed instance).
var ErrTransition = errors.New("invalid status transition")

// instanceMoves lists, per action, the statuses it leaves and the one it
// reaches. A draft is activated once; after that an instance moves between
// active and paused until it is completed, which is final.
var instanceMoves = map[string]struct {
	from []string
	to   string
}{
	ActionActivate: {[]string{InstanceDraft}, InstanceActive},
	ActionPause:    {[]string{InstanceActive}, InstancePaused},
	ActionResume:   {[]string{InstancePaused}, InstanceActive},
	ActionComplete: {[]string{InstanceActive, InstancePaused}, InstanceCompleted},
}

// InstanceTransition returns the statuses action may leave and the status
// it reaches, or ErrTransition for an unknown action.
func InstanceTransition(action string) (from []string, to string, err error) {
	m, ok := instanceMoves[action]
	if !ok {
		return nil, "", fmt.Errorf("%w: unknown action %q", ErrTransition, action)
	}
	return m.from, m.to, nil
}

// Statuses of an enrollment. Pending, active and paused are "live": a
// contact has at most one live enrollment per template.
const (
	EnrollmentPending   = "pending"
	EnrollmentActive    = "active"
	EnrollmentPaused    = "paused"
	EnrollmentCompleted = "completed"
	EnrollmentStopped   = "stopped"
	EnrollmentFailed    = "failed"
)

// Reasons an enrollment is skipped at enrollment time or stopped before its
// lead is sent to lemlist.
const (
	ReasonSuppressed      = "suppressed"       // email or domain on the suppression list (manual, complaint)
	ReasonBounced         = "bounced"          // suppressed after a bounce
	ReasonUnsubscribed    = "unsubscribed"     // suppressed after an unsubscribe
	ReasonErased          = "erased"           // the contact was erased (GDPR) or is gone
	ReasonAlreadyEnrolled = "already_enrolled" // already in this instance
	ReasonActiveElsewhere = "active_elsewhere" // live in another instance of the same template
	ReasonBelowMinScore   = "below_min_score"  // ICP score under the requested minimum
	ReasonUnenrolled      = "unenrolled"       // unenrolled through the API
	ReasonInstanceDone    = "instance_completed"
)

// SuppressionReason maps a suppression entry's reason to the skip reason an
// enrollment reports.
func SuppressionReason(reason string) string {
	switch reason {
	case "bounced":
		return ReasonBounced
	case "unsubscribed":
		return ReasonUnsubscribed
	case "erased":
		return ReasonErased
	}
	return ReasonSuppressed
}

// CapDay is the day whose daily cap a lead sent at now counts against: the
// UTC calendar day. One fixed zone keeps the cap's meaning independent of
// the prospects' zones (the sending window is read on each prospect's
// clock); it is midnight UTC at which the next day's quota opens.
func CapDay(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// UntilNextCapDay is how long from now until the next day's cap opens.
func UntilNextCapDay(now time.Time) time.Duration {
	return CapDay(now).AddDate(0, 0, 1).Sub(now)
}

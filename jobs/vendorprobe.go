package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/vendors"
)

// KindVendorProbe is the stable kind of VendorProbeArgs.
const KindVendorProbe = "vendor_probe"

// VendorProbeArgs asks a worker to check one vendor account: credentials,
// reachability and limits, through the same guards as real work.
type VendorProbeArgs struct {
	Vendor string `json:"vendor"`
}

// Kind implements river.JobArgs.
func (VendorProbeArgs) Kind() string { return KindVendorProbe }

// InsertOpts sends a probe to the queue of the work its vendor serves, so a
// probe waits behind the same limits as that work.
func (a VendorProbeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: VendorQueue(a.Vendor), MaxAttempts: 5}
}

// VendorQueue is the queue whose jobs call vendor.
func VendorQueue(vendor string) string {
	switch vendor {
	case vendors.HubSpot:
		return QueueCRM
	case vendors.Lemlist:
		return QueueOutreach
	case vendors.Anthropic, vendors.Gemini:
		return QueueAI
	default:
		return QueueEnrichment
	}
}

// VendorProbeWorker runs probes; the result is the job's recorded output.
type VendorProbeWorker struct {
	river.WorkerDefaults[VendorProbeArgs]
	vendors *vendors.Set
}

// Work implements river.Worker.
func (w *VendorProbeWorker) Work(ctx context.Context, job *river.Job[VendorProbeArgs]) error {
	if w.vendors == nil {
		return river.JobCancel(vendors.ErrNotConfigured)
	}
	res, err := w.vendors.Probe(ctx, job.Args.Vendor)
	if errors.Is(err, vendors.ErrNotConfigured) {
		return river.JobCancel(err)
	}
	if err != nil {
		return VendorOutcome(err)
	}
	return river.RecordOutput(ctx, res)
}

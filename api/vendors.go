package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/jobs"
)

// VendorProbeRequest names the vendor to probe.
type VendorProbeRequest struct {
	Vendor string `path:"vendor" enum:"hubspot,lemlist,explorium,apollo,anthropic,gemini"`
}

// VendorProbeResponse points at the probe's job.
type VendorProbeResponse struct {
	Location string `header:"Location"`
	Body     struct {
		JobID int64  `json:"job_id"`
		Queue string `json:"queue"`
	}
}

func (s *Server) registerVendors() {
	register(s, huma.Operation{
		OperationID: "probe-vendor", Method: http.MethodPost, Path: "/api/v1/vendors/{vendor}/probe",
		Summary: "Check a vendor account (admin)",
		Description: "Enqueues a vendor_probe job that makes the vendor's cheapest authenticated read through the same " +
			"rate limiter and breaker as real work; its output (or error) is on the job.",
		Tags: []string{"vendors"}, Metadata: map[string]any{metaScope: auth.Admin}, DefaultStatus: http.StatusAccepted,
	}, s.probeVendor)
}

func (s *Server) probeVendor(ctx context.Context, in *VendorProbeRequest) (*VendorProbeResponse, error) {
	res, err := s.river.Insert(ctx, jobs.VendorProbeArgs{Vendor: in.Vendor}, nil)
	if err != nil {
		return nil, err
	}
	out := &VendorProbeResponse{Location: "/api/v1/jobs/" + strconv.FormatInt(res.Job.ID, 10)}
	out.Body.JobID, out.Body.Queue = res.Job.ID, res.Job.Queue
	return out, nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// vendorsimFlags are what `rtgs vendorsim` takes at start; the admin API
// changes the knobs at run time.
type vendorsimFlags struct {
	addr      string
	seed      int64
	knobs     vendorsim.Knobs // applied to every vendor
	outageFor string          // vendors to start in an outage, comma-separated
}

func parseVendorsimFlags(args []string) (vendorsimFlags, error) {
	var f vendorsimFlags
	fs := flag.NewFlagSet("vendorsim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8090", "listen address")
	fs.Int64Var(&f.seed, "seed", 1, "seed of latency and error injection")
	latency := fs.String("latency", "0ms", "added latency per call: a duration or a uniform range MIN-MAX, e.g. 20ms-200ms")
	fs.Float64Var(&f.knobs.ErrorRate, "error-rate", 0, "fraction of calls answered with the vendor's 500, 0 to 1")
	fs.StringVar(&f.outageFor, "outage", "", "vendors to start in an outage, comma-separated")
	if err := fs.Parse(args); err != nil {
		return f, fmt.Errorf("%w: vendorsim: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("%w: vendorsim takes no arguments, got %q", errUsage, fs.Arg(0))
	}
	lo, hi, ok := strings.Cut(*latency, "-")
	var err error
	if f.knobs.LatencyMin, err = time.ParseDuration(strings.TrimSpace(lo)); err == nil && ok {
		f.knobs.LatencyMax, err = time.ParseDuration(strings.TrimSpace(hi))
	}
	if err != nil || (ok && f.knobs.LatencyMax < f.knobs.LatencyMin) {
		return f, fmt.Errorf("%w: vendorsim: --latency %q is not a duration or a range MIN-MAX", errUsage, *latency)
	}
	if err := f.knobs.Validate(); err != nil {
		return f, fmt.Errorf("%w: vendorsim: %v", errUsage, strings.ReplaceAll(err.Error(), "_", "-"))
	}
	return f, nil
}

// runVendorsim serves every fake vendor until ctx ends, printing where each
// one is and the credential they accept.
func runVendorsim(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseVendorsimFlags(args)
	if err != nil {
		return err
	}
	sim := vendorsim.Default(vendorsim.Options{Seed: f.seed})
	outage := make(map[string]bool)
	for _, v := range strings.Split(f.outageFor, ",") {
		if v = strings.TrimSpace(v); v != "" {
			outage[v] = true
		}
	}
	for _, name := range sim.Vendors() {
		k := f.knobs
		k.Outage = outage[name]
		delete(outage, name)
		if err := sim.SetKnobs(name, k); err != nil {
			return fmt.Errorf("%w: vendorsim: %v", errUsage, err)
		}
	}
	for name := range outage {
		return fmt.Errorf("%w: vendorsim: --outage names unknown vendor %q (have %s)", errUsage, name, strings.Join(sim.Vendors(), ", "))
	}

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("vendorsim: listen on %s: %w", f.addr, err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "vendor simulator on %s (every vendor accepts the key %q)\n", base, vendorsim.DevKey)
	for _, name := range sim.Vendors() {
		fmt.Fprintf(stdout, "  %-10s %s\n", name, vendorsim.ClientBaseURL(base, name))
	}
	fmt.Fprintf(stdout, "  %-10s %s/_admin/counters, %s/_admin/knobs\n", "admin", base, base)

	return sim.Serve(ctx, ln)
}

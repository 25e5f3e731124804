// Command rtgs is the operator's tool: migrations, API keys, configuration
// reference and `rtgs dev`, the one-command local run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `rtgs: operate the RTGS Sales Automation platform

Usage:
  rtgs migrate up               apply pending River and app migrations
  rtgs migrate status           list applied and pending migrations
  rtgs migrate down N           roll back the last N app migrations
  rtgs apikey create --name NAME --scopes S1,S2 [--expires 720h]
  rtgs apikey list
  rtgs apikey revoke ID
  rtgs dev                      run everything locally (Postgres found or started, migrations, api + worker)
  rtgs env [--markdown]         list every environment variable with its default
  rtgs vendorsim [--addr 127.0.0.1:8090] [--seed N] [--latency 0ms-0ms] [--error-rate 0] [--outage V,..]  serve the fake vendors
  rtgs demo [--api URL] [--file CSV] [--wait 5m]   walk a running platform (make run) through the pipeline with the sample data
  rtgs demo generate [--contacts N] [--companies N] [--seed N]   write the sample prospects CSV
  rtgs workflow validate FILE...   check workflow definitions (as POST /api/v1/workflows/validate does)

Configuration comes from environment variables; see 'rtgs env'.
`

// errUsage marks a command-line mistake: exit code 2 and the usage text.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "rtgs:", err)
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "rtgs:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "migrate":
		return runMigrate(ctx, rest, lookup, stdout)
	case "apikey":
		return runAPIKey(ctx, rest, lookup, stdout)
	case "dev":
		return runDev(ctx, rest, lookup, stdout, stderr)
	case "env":
		return runEnv(rest, stdout)
	case "vendorsim":
		return runVendorsim(ctx, rest, stdout)
	case "demo":
		return runDemo(ctx, rest, lookup, stdout)
	case "workflow":
		return runWorkflow(rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

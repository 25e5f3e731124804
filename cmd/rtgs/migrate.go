package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/migrations"
)

func runMigrate(ctx context.Context, args []string, lookup config.Lookup, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: migrate needs up, status or down N", errUsage)
	}
	cfg, err := config.LoadCommon(lookup)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL.Reveal(), 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := migrations.New(pool, obs.NewLogger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	defer m.Close()

	switch args[0] {
	case "up":
		applied, err := m.Up(ctx)
		for _, s := range applied {
			fmt.Fprintf(out, "applied %s %d %s\n", s.Line, s.Version, s.Name)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(out, "nothing to apply: database is up to date")
		}
		return err
	case "status":
		statuses, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tVERSION\tNAME\tSTATE")
		for _, s := range statuses {
			state := "pending"
			if s.Applied {
				state = "applied"
				if !s.AppliedAt.IsZero() {
					state += " " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Line, s.Version, s.Name, state)
		}
		return tw.Flush()
	case "down":
		if len(args) != 2 {
			return fmt.Errorf("%w: migrate down needs a count, e.g. 'migrate down 1'", errUsage)
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("%w: migrate down: %q is not a positive count", errUsage, args[1])
		}
		undone, err := m.Down(ctx, n)
		for _, s := range undone {
			fmt.Fprintf(out, "rolled back %s %d %s\n", s.Line, s.Version, s.Name)
		}
		return err
	}
	return fmt.Errorf("%w: unknown migrate command %q", errUsage, args[0])
}

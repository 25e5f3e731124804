package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

func runAPIKey(ctx context.Context, args []string, lookup config.Lookup, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: apikey needs create, list or revoke", errUsage)
	}
	cfg, _, err := config.LoadAPI(lookup)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL.Reveal(), 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := auth.NewService(store.NewAPIKeys(pool), store.NewJWTRevocations(pool), cfg.Auth, obs.NewLogger(io.Discard, slog.LevelError))

	switch args[0] {
	case "create":
		return createKey(ctx, svc, args[1:], out)
	case "list":
		return listKeys(ctx, svc, out)
	case "revoke":
		if len(args) != 2 {
			return fmt.Errorf("%w: apikey revoke needs the key id", errUsage)
		}
		id, err := uuid.Parse(args[1])
		if err != nil {
			return fmt.Errorf("%w: %q is not a key id", errUsage, args[1])
		}
		k, err := svc.RevokeKey(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s (%s); it stops working within %s\n", k.ID, k.Name, cfg.Auth.KeyCacheTTL)
		return nil
	}
	return fmt.Errorf("%w: unknown apikey command %q", errUsage, args[0])
}

func createKey(ctx context.Context, svc *auth.Service, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	name := fs.String("name", "", "what the key is for (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes: "+strings.Join(scopeNames(), ", "))
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 never expires")
	quiet := fs.Bool("quiet", false, "print only the key")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var list []auth.Scope
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, auth.Scope(s))
		}
	}
	params := auth.CreateKeyParams{Name: *name, Scopes: list}
	if *expires > 0 {
		at := time.Now().Add(*expires)
		params.ExpiresAt = &at
	}
	created, err := svc.CreateKey(ctx, params)
	if err != nil {
		return err
	}
	if *quiet {
		fmt.Fprintln(out, created.Secret)
		return nil
	}
	fmt.Fprintf(out, "created key %s (%s) with scopes %s\n", created.Key.ID, created.Key.Name, strings.Join(created.Key.Scopes, ","))
	fmt.Fprintf(out, "\n  %s\n\nThis is the only time the key is shown; store it now.\n", created.Secret)
	return nil
}

func listKeys(ctx context.Context, svc *auth.Service, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSCOPES\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
	var after *store.Cursor
	for {
		keys, err := svc.ListKeys(ctx, after, 200)
		if err != nil {
			return err
		}
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, strings.Join(k.Scopes, ","),
				stamp(&k.CreatedAt), stamp(k.ExpiresAt), stamp(k.RevokedAt), stamp(k.LastUsedAt))
		}
		if len(keys) < 200 {
			return tw.Flush()
		}
		last := keys[len(keys)-1]
		after = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func scopeNames() []string {
	names := make([]string, len(auth.AllScopes()))
	for i, s := range auth.AllScopes() {
		names[i] = string(s)
	}
	return names
}

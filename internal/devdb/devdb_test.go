package devdb_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/devdb"
)

// With nothing answering at the default address, Ensure initialises and
// starts a private cluster, creates the database, and a second Ensure reuses
// the cluster's data.
func TestEnsureStartsPrivateCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("initialises a PostgreSQL cluster")
	}
	if bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(bins) == 0 {
		t.Skip("PostgreSQL server binaries not installed")
	}
	// The cluster's owner must be able to reach the data directory.
	parent, err := os.MkdirTemp("", "devdb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(parent, "data")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	url := "postgres://postgres@" + closedAddr(t) + "/rtgs_devdb?sslmode=disable"
	if _, err := devdb.Ensure(ctx, url, dataDir, false, logger); err == nil {
		t.Fatal("an explicit DATABASE_URL that does not answer must be an error, not a private cluster")
	}
	srv, err := devdb.Ensure(ctx, url, dataDir, true, logger)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		srv.Stop()
		t.Fatalf("connect to private cluster: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (id int)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	srv.Stop()

	again, err := devdb.Ensure(ctx, url, dataDir, true, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	conn, err = pgx.Connect(ctx, again.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT * FROM kept"); err != nil {
		t.Fatalf("data did not survive a restart: %v", err)
	}
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

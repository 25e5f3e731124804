// Package devdb finds a PostgreSQL server for `rtgs dev`, or initialises and
// starts a private one under the data directory when none answers and
// PostgreSQL's binaries are installed.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// privatePort is where the private cluster listens, clear of a system server.
const privatePort = 54329

// Server is a PostgreSQL server ready for use. Stop stops it when this
// process started it, and does nothing otherwise.
type Server struct {
	URL  string
	Stop func()
}

// Ensure returns a server for url: url itself when it answers; otherwise,
// when findDefault is set (DATABASE_URL was not given), a private cluster in
// dataDir. The database named in the URL is created when missing.
func Ensure(ctx context.Context, rawURL, dataDir string, findDefault bool, logger *slog.Logger) (*Server, error) {
	srv := &Server{URL: rawURL, Stop: func() {}}
	if err := ping(ctx, rawURL); err != nil {
		if !findDefault {
			return nil, fmt.Errorf("DATABASE_URL does not answer: %w", err)
		}
		logger.Info("no PostgreSQL at the default address; starting a private cluster", slog.String("dir", dataDir))
		if srv, err = startPrivate(ctx, rawURL, dataDir, logger); err != nil {
			return nil, err
		}
	}
	if err := createDatabase(ctx, srv.URL); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}

func ping(ctx context.Context, rawURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, withDatabase(rawURL, "postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// createDatabase creates the URL's database if it does not exist.
func createDatabase(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	name := filepath.Base(u.Path)
	conn, err := pgx.Connect(ctx, withDatabase(rawURL, "postgres"))
	if err != nil {
		return fmt.Errorf("connect to create database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// startPrivate initialises (once) and starts a cluster in dataDir/postgres.
// initdb refuses to run as root, so as root the cluster belongs to the
// postgres (or nobody) user.
func startPrivate(ctx context.Context, rawURL, dataDir string, logger *slog.Logger) (*Server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	pgdata, sockDir := filepath.Join(abs, "postgres"), filepath.Join(abs, "postgres-sock")
	runAs, err := unprivilegedUser()
	if err != nil {
		return nil, err
	}
	for _, dir := range []string{abs, pgdata, sockDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if runAs != nil {
			if err := os.Chown(dir, runAs.uid, runAs.gid); err != nil {
				return nil, err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logger.Info("initialising private PostgreSQL cluster", slog.String("pgdata", pgdata))
		if out, err := command(ctx, runAs, filepath.Join(bin, "initdb"), "-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s", privatePort, sockDir)
	if out, err := command(ctx, runAs, filepath.Join(bin, "pg_ctl"), "-D", pgdata, "-o", opts, "-l", filepath.Join(abs, "postgres.log"), "-w", "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w: %s (see %s)", err, out, filepath.Join(abs, "postgres.log"))
	}
	u, _ := url.Parse(rawURL)
	u.Host = "127.0.0.1:" + strconv.Itoa(privatePort)
	u.User = url.User("postgres")
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, err := command(ctx, runAs, filepath.Join(bin, "pg_ctl"), "-D", pgdata, "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
			logger.Warn("stopping private PostgreSQL failed", slog.Any("error", err), slog.String("output", string(out)))
		}
	}
	return &Server{URL: u.String(), Stop: stop}, nil
}

// findBinDir finds PostgreSQL's server binaries (Debian keeps them out of PATH).
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL answers and its binaries (initdb, pg_ctl) are not installed: install postgresql or set DATABASE_URL")
}

type account struct {
	name     string
	uid, gid int
}

func unprivilegedUser() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &account{name: name, uid: uid, gid: gid}, nil
	}
	return nil, errors.New("running as root and no postgres or nobody user to own the private cluster")
}

func command(ctx context.Context, as *account, name string, args ...string) *exec.Cmd {
	if as == nil {
		return exec.CommandContext(ctx, name, args...)
	}
	return exec.CommandContext(ctx, "runuser", append([]string{"-u", as.name, "--", name}, args...)...)
}

func withDatabase(rawURL, db string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + db
	return u.String()
}

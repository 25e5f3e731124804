// Command composecheck validates Docker Compose files on machines that have the
// docker CLI but not its compose plugin (CI here). It loads the files with
// compose-go, the same loader `docker compose` uses, and runs the same schema,
// interpolation and consistency checks as `docker compose config -q`, plus a
// check that every build's Dockerfile exists.
//
// It lives in the deploy/tools Go module so the tools' dependencies never enter the
// application's go.mod.
//
// Usage:
//
//	go run ./composecheck [-profiles '*'] [-clean-env] FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	profiles := flag.String("profiles", "*", "comma-separated profiles to enable; '*' enables all so profiled services are checked too")
	cleanEnv := flag.Bool("clean-env", false, "interpolate with an empty environment (ignore the OS env and .env) to prove every variable has a default")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: composecheck [-profiles LIST] [-clean-env] FILE...")
		os.Exit(2)
	}
	if err := check(flag.Args(), strings.Split(*profiles, ","), *cleanEnv); err != nil {
		fmt.Fprintln(os.Stderr, "composecheck:", err)
		os.Exit(1)
	}
}

func check(files, profiles []string, cleanEnv bool) error {
	opts := []cli.ProjectOptionsFn{
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	}
	if cleanEnv {
		opts = append(opts, cli.WithEnv(nil), cli.WithDiscardEnvFile)
	} else {
		opts = append(opts, cli.WithOsEnv, cli.WithDotEnv)
	}
	po, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		return err
	}
	project, err := po.LoadProject(context.Background())
	if err != nil {
		return err
	}

	var names []string
	for name, svc := range project.Services {
		names = append(names, name)
		if svc.Build == nil {
			continue
		}
		// With resolved paths the context is absolute; the Dockerfile is
		// relative to it unless already absolute.
		df := svc.Build.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		if !filepath.IsAbs(df) {
			df = filepath.Join(svc.Build.Context, df)
		}
		if _, err := os.Stat(df); err != nil {
			return fmt.Errorf("service %q: dockerfile: %w", name, err)
		}
	}
	slices.Sort(names)
	fmt.Printf("project %q valid: services %s\n", project.Name, strings.Join(names, ", "))
	return nil
}

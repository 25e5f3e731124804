// Command dockerfilecheck checks Docker builds without a Docker engine:
//
//   - it parses Dockerfiles with BuildKit's own frontend parser and runs the
//     lint rules BuildKit applies while parsing (roughly `docker build
//     --check`, minus the checks that need the build graph);
//   - with -ignorefile and -required, it verifies that the .dockerignore does
//     not drop a file the build needs (e.g. a go:embed-ed directory), which
//     would otherwise only show up as a failed image build.
//
// Usage:
//
//	go run ./dockerfilecheck [-context DIR -ignorefile FILE -required LIST] DOCKERFILE...
//
// LIST holds one path per line (absolute or relative to DIR); "-" is stdin.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

func main() {
	contextDir := flag.String("context", ".", "build context directory")
	ignoreFile := flag.String("ignorefile", "", "dockerignore file to evaluate")
	required := flag.String("required", "", "file listing paths that must stay in the build context ('-' = stdin)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: dockerfilecheck [-context DIR -ignorefile FILE -required LIST] DOCKERFILE...")
		os.Exit(2)
	}
	failed := false
	for _, path := range flag.Args() {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "dockerfilecheck: %s: %v\n", path, err)
			failed = true
		}
	}
	if *ignoreFile != "" && *required != "" {
		if err := checkContext(*contextDir, *ignoreFile, *required); err != nil {
			fmt.Fprintf(os.Stderr, "dockerfilecheck: %s: %v\n", *ignoreFile, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// checkContext reports required paths that the ignore file would exclude.
func checkContext(contextDir, ignorePath, listPath string) error {
	root, err := filepath.Abs(contextDir)
	if err != nil {
		return err
	}
	f, err := os.Open(ignorePath)
	if err != nil {
		return err
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return err
	}

	var list io.Reader = os.Stdin
	if listPath != "-" {
		lf, err := os.Open(listPath)
		if err != nil {
			return err
		}
		defer lf.Close()
		list = lf
	}
	var excluded []string
	n := 0
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" {
			continue
		}
		if filepath.IsAbs(p) {
			if p, err = filepath.Rel(root, p); err != nil {
				return err
			}
		}
		p = filepath.ToSlash(filepath.Clean(p))
		if strings.HasPrefix(p, "../") {
			return fmt.Errorf("%s is outside the build context %s", p, root)
		}
		n++
		// Same matching the Docker/BuildKit context transfer uses.
		if skip, err := pm.MatchesOrParentMatches(p); err != nil {
			return err
		} else if skip {
			excluded = append(excluded, p)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(excluded) > 0 {
		return fmt.Errorf("excludes files the build needs: %s", strings.Join(excluded, ", "))
	}
	fmt.Printf("%s keeps all %d required files in the context\n", ignorePath, n)
	return nil
}

func check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	res, err := parser.Parse(f)
	if err != nil {
		return err
	}
	var problems []string
	for _, w := range res.Warnings {
		problems = append(problems, w.Short)
	}
	lint := linter.New(&linter.Config{
		Warn: func(rule, _, _, msg string, loc []parser.Range) {
			line := 0
			if len(loc) > 0 {
				line = loc[0].Start.Line
			}
			problems = append(problems, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
		},
	})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		// Like `docker build --check`: warnings fail the check.
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  "+p)
		}
		return fmt.Errorf("%d warning(s)", len(problems))
	}
	fmt.Printf("%s valid: %d stage(s)\n", path, len(stages))
	return nil
}

package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rtgs/sales-automation/internal/config"
)

// runEnv prints every variable the binaries read; --markdown prints the
// README's table.
func runEnv(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	markdown := fs.Bool("markdown", false, "print a Markdown table")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	vars := config.AllVars()
	if *markdown {
		fmt.Fprintln(out, "| Variable | Default | Meaning |")
		fmt.Fprintln(out, "|---|---|---|")
		for _, v := range vars {
			def := "`" + v.Default + "`"
			if v.Default == "" {
				def = "(empty)"
			}
			fmt.Fprintf(out, "| `%s` | %s | %s |\n", v.Name, def, strings.ReplaceAll(v.Help, "|", `\|`))
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	for _, v := range vars {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, v.Default, v.Help)
	}
	return tw.Flush()
}

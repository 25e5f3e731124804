package demo_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/rtgs/sales-automation/internal/demo"
	"github.com/rtgs/sales-automation/internal/imports"
)

// The checked-in sample is what Generate writes with the defaults, so the
// two never drift apart (regenerate with: go run ./cmd/rtgs demo generate).
func TestCheckedInSampleIsGenerated(t *testing.T) {
	t.Parallel()
	var want bytes.Buffer
	if err := demo.Generate(&want, demo.DefaultContacts, demo.DefaultCompanies, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../deploy/demo/prospects.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("deploy/demo/prospects.csv differs from demo.Generate's output; regenerate it")
	}
}

// Every row but the deliberate bad one reads as a valid prospect at a
// reserved .example domain: the sample names no real company or person.
func TestSampleReadsWithOneInvalidRow(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := demo.Generate(&buf, demo.DefaultContacts, demo.DefaultCompanies, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	r, err := imports.NewReader(&buf, imports.CSV, imports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := 0, map[int64]bool{}
	for {
		row, rowErrs, err := r.Next()
		for _, e := range rowErrs {
			invalid[e.Row] = true
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.Number == 0 || invalid[row.Number] {
			continue
		}
		valid++
		if d := imports.DomainOfEmail(row.Fields[imports.FieldEmail]); len(d) < 9 || d[len(d)-8:] != ".example" {
			t.Errorf("row %d: email domain %q is not under .example", row.Number, d)
		}
	}
	if len(invalid) != 1 || valid != demo.DefaultContacts { // 300 rows + 1 duplicate - 1 invalid
		t.Errorf("valid, invalid = %d, %d; want %d, 1", valid, len(invalid), demo.DefaultContacts)
	}
}

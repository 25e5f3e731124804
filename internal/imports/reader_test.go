package imports

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// readAll reads a whole upload and returns its rows rendered by fmtRow and
// every error, or the error NewReader or Next failed with.
func readAll(t *testing.T, in string, format Format, opts Options) ([]string, []RowError, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in), format, opts)
	if err != nil {
		return nil, nil, err
	}
	var rows []string
	var errs []RowError
	for {
		row, rerrs, err := r.Next()
		errs = append(errs, rerrs...)
		if errors.Is(err, io.EOF) {
			return rows, errs, nil
		}
		if err != nil {
			return rows, errs, err
		}
		if row.Number > 0 {
			rows = append(rows, fmtRow(row))
		}
	}
}

// fmtRow renders a row as "number field=value ... | custom=value ..." with
// keys sorted, so table tests can spell out what they want on one line.
func fmtRow(r Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.Number)
	for _, f := range slices.Sorted(maps.Keys(r.Fields)) {
		fmt.Fprintf(&b, " %s=%s", f, r.Fields[f])
	}
	if len(r.Custom) > 0 {
		b.WriteString(" |")
		for _, k := range slices.Sorted(maps.Keys(r.Custom)) {
			fmt.Fprintf(&b, " %s=%s", k, r.Custom[k])
		}
	}
	return b.String()
}

func TestNextBatchesErrors(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("email,name\n")
	const bad = maxErrorsPerCall + 5
	for range bad {
		b.WriteString("not-an-email,x\n")
	}
	b.WriteString("ok@acme.com,y\n")
	r, err := NewReader(strings.NewReader(b.String()), CSV, Options{})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}

	row, errs, err := r.Next()
	if err != nil || row.Number != 0 || len(errs) != maxErrorsPerCall {
		t.Fatalf("first Next = row %d, %d errors, %v; want row 0, %d errors, nil", row.Number, len(errs), err, maxErrorsPerCall)
	}
	row, errs, err = r.Next()
	if err != nil || row.Number != bad+1 || len(errs) != 5 {
		t.Fatalf("second Next = row %d, %d errors, %v; want row %d, 5 errors, nil", row.Number, len(errs), err, bad+1)
	}
	if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("third Next error = %v, want io.EOF", err)
	}
	got := r.Stats()
	want := Stats{Rows: bad + 1, Invalid: bad, Bytes: int64(b.Len())}
	if got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	in := "Work Email,E-mail,Given Name,Favourite Colour,Notes\nw@acme.com,p@acme.com,Ada,blue,n\n"
	r, err := NewReader(strings.NewReader(in), CSV, Options{Mapping: map[string]Field{"notes": FieldIgnore}})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	got := r.Columns()
	want := []Column{
		{Index: 0, Name: "Work Email", Field: FieldEmail},
		{Index: 1, Name: "E-mail"},
		{Index: 2, Name: "Given Name", Field: FieldFirstName},
		{Index: 3, Name: "Favourite Colour"},
		{Index: 4, Name: "Notes", Field: FieldIgnore},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Columns() = %+v\nwant %+v", got, want)
	}
	row, _, err := r.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if got, want := fmtRow(row), "1 domain=acme.com email=w@acme.com first_name=Ada | E-mail=p@acme.com Favourite Colour=blue"; got != want {
		t.Errorf("row = %q, want %q", got, want)
	}
}

func TestNewReaderOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Format
		opts   Options
		want   string
	}{
		{"unknown field in mapping", CSV, Options{Mapping: map[string]Field{"x": "salary"}}, `mapping "x": unknown field "salary"`},
		{"multi-byte delimiter", CSV, Options{Delimiter: '€'}, "unsupported delimiter"},
		{"quote delimiter", CSV, Options{Delimiter: '"'}, "unsupported delimiter"},
		{"negative limit", CSV, Options{MaxRowBytes: -1}, "negative size limit"},
		{"unknown format", Format(9), Options{}, "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReader(strings.NewReader("email\na@b.co\n"), tt.format, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewReader error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"csv", CSV, false},
		{"text/csv; charset=utf-8", CSV, false},
		{"JSONL", JSONL, false},
		{"application/x-ndjson", JSONL, false},
		{"application/json", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got := JSONL.String(); got != "jsonl" {
		t.Errorf("JSONL.String() = %q, want jsonl", got)
	}
}

func TestRowTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"vip", []string{"vip"}},
		{" vip , webinar;vip;; q3 ", []string{"vip", "webinar", "q3"}},
	}
	for _, tt := range tests {
		got := Row{Fields: map[Field]string{FieldTags: tt.in}}.Tags()
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tags() of %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

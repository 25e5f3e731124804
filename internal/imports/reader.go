// Package imports reads contact uploads (CSV or JSON Lines) as a stream of
// normalised rows and per-row errors. It holds one row at a time, so an
// upload of any length is read in memory bounded by its largest row, and it
// never writes anything: the importer upserts what it yields.
package imports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
)

// Format is the syntax of an upload.
type Format int

// The formats NewReader reads.
const (
	CSV Format = iota + 1
	JSONL
)

// String returns the name the imports table stores ("csv", "jsonl").
func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case JSONL:
		return "jsonl"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat reads a format name or a Content-Type ("text/csv;
// charset=utf-8", "application/x-ndjson").
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if mt, _, err := mime.ParseMediaType(s); err == nil {
		s = mt
	}
	switch s {
	case "csv", "text/csv", "application/csv", "text/comma-separated-values", "text/tab-separated-values", "tsv":
		return CSV, nil
	case "jsonl", "ndjson", "application/jsonl", "application/x-jsonlines", "application/x-ndjson", "application/ndjson":
		return JSONL, nil
	}
	return 0, fmt.Errorf("unsupported import format %q: want csv or jsonl", s)
}

// Limits applied when Options leaves them zero. A cell is a name, a title or
// a URL; 64 KiB is far past any real one, while a 10 MB cell is an attack
// or a broken export and is reported, not stored.
const (
	DefaultMaxCellBytes = 64 << 10
	DefaultMaxRowBytes  = 1 << 20
)

// maxErrorsPerCall bounds the errors one Next call gathers, so a file of a
// million invalid rows is reported in slices instead of one huge slice.
const maxErrorsPerCall = 1000

// Options tunes a Reader. The zero value reads with the defaults.
type Options struct {
	// Mapping maps a CSV header name or a JSON key to a field, overriding
	// the common spellings; FieldIgnore drops the column.
	Mapping map[string]Field
	// MaxCellBytes caps one value; a row with a larger one is skipped with
	// a RowError. Default DefaultMaxCellBytes.
	MaxCellBytes int
	// MaxRowBytes caps one CSV record or JSON line. Default DefaultMaxRowBytes.
	MaxRowBytes int
	// Delimiter is the CSV separator; 0 sniffs it from the header line
	// among ',', ';', tab and '|'.
	Delimiter rune
}

// ErrEmpty is returned by NewReader for an upload with no content.
var ErrEmpty = errors.New("the upload is empty")

// Row is one valid record of an upload. Fields hold normalised email,
// domain and phone and every other value trimmed but otherwise as sent
// (formula-looking text included: see NeutralizeFormula); empty values are
// absent. Custom holds the values of columns that map to no field, keyed
// by the column's header or the JSON key.
type Row struct {
	// Number is the 1-based data record: in a CSV the header is not counted
	// and a quoted newline does not start a new record; in JSON Lines it is
	// the line number.
	Number int64
	Fields map[Field]string
	Custom map[string]string
}

// Tags splits the tags field on commas and semicolons, trimmed, empty and
// repeated tags dropped.
func (r Row) Tags() []string {
	return SplitTags(r.Fields[FieldTags])
}

// SplitTags splits a tags value on commas and semicolons, trimmed, with
// empty and repeated tags dropped, in the order given.
func SplitTags(s string) []string {
	var tags []string
	for t := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// RowError is a problem with one record. Field is the field or column it
// concerns, "" for the record as a whole; a record has at most one error per
// Field. Reasons never quote the value, so the error report holds no PII.
type RowError struct {
	Row    int64  `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error returns "row 12: email: not an email address".
func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	return fmt.Sprintf("row %d: %s: %s", e.Row, e.Field, e.Reason)
}

// Stats counts what a Reader has read so far, for import progress.
type Stats struct {
	Rows    int64 // records read, valid or not; blank lines are not records
	Invalid int64 // records skipped for an error
	Bytes   int64 // bytes read from the upload
}

// parser is one syntax: it yields raw rows (fields trimmed, not yet
// normalised) or a row-level error for a record it could not read.
type parser interface {
	next() (Row, *RowError, error)
}

// Reader streams the rows of one upload. It is not safe for concurrent use.
type Reader struct {
	p       parser
	counter *countingReader
	stats   Stats
	cols    []Column
}

// NewReader reads the start of r (the CSV header, or the first bytes of
// JSON Lines) and returns a Reader positioned at the first record. It fails
// with ErrEmpty for an empty upload and ErrNoEmailColumn for a CSV header
// without an email column.
func NewReader(r io.Reader, format Format, opts Options) (*Reader, error) {
	opts.MaxCellBytes = cmp.Or(opts.MaxCellBytes, DefaultMaxCellBytes)
	opts.MaxRowBytes = cmp.Or(opts.MaxRowBytes, DefaultMaxRowBytes)
	if opts.MaxCellBytes < 0 || opts.MaxRowBytes < 0 {
		return nil, errors.New("imports: negative size limit")
	}
	m, err := newMapper(opts.Mapping)
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: r}
	br, err := openText(cr)
	if err != nil {
		return nil, err
	}
	rd := &Reader{counter: cr}
	switch format {
	case CSV:
		p, err := newCSVParser(br, m, opts)
		if err != nil {
			return nil, err
		}
		rd.p, rd.cols = p, p.cols
	case JSONL:
		p, err := newJSONLParser(br, m, opts)
		if err != nil {
			return nil, err
		}
		rd.p = p
	default:
		return nil, fmt.Errorf("imports: unknown format %d", int(format))
	}
	return rd, nil
}

// Columns returns how the CSV header was mapped (nil for JSON Lines), so
// the API can show the caller what went where.
func (r *Reader) Columns() []Column { return r.cols }

// Stats returns the counts so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.Bytes = r.counter.n
	return s
}

// Next returns the next valid row with the errors met since the previous
// call: those of the records skipped on the way and those of the row
// itself (an invalid phone or domain is dropped from a row that is kept).
// At the end it returns io.EOF, possibly with last errors. A call that has
// gathered maxErrorsPerCall errors returns them early with a zero Row
// (Number 0) and a nil error; callers should handle the errors first, then
// use the row only when Number > 0. Any other error is the upload's: the
// rows before it are intact.
func (r *Reader) Next() (Row, []RowError, error) {
	var errs []RowError
	for {
		row, rerr, err := r.p.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("read upload: %w", err)
			}
			return Row{}, errs, err
		}
		r.stats.Rows++
		if rerr != nil {
			errs = append(errs, *rerr)
		} else {
			var ok bool
			errs, ok = normalizeRow(&row, errs)
			if ok {
				return row, errs, nil
			}
		}
		r.stats.Invalid++
		if len(errs) >= maxErrorsPerCall {
			return Row{}, errs, nil
		}
	}
}

// normalizeRow normalises the email, domain and phone of row in place. An
// unusable email skips the row; a bad phone or domain is dropped and
// reported. The domain falls back to the email's unless that is a free
// mailbox provider, whose domain says nothing about the employer.
func normalizeRow(row *Row, errs []RowError) ([]RowError, bool) {
	email, ok := row.Fields[FieldEmail]
	if !ok {
		return append(errs, RowError{Row: row.Number, Field: string(FieldEmail), Reason: "email is required"}), false
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return append(errs, RowError{Row: row.Number, Field: string(FieldEmail), Reason: err.Error()}), false
	}
	row.Fields[FieldEmail] = email
	if v, ok := row.Fields[FieldPhone]; ok {
		if p, err := NormalizePhone(v); err != nil {
			delete(row.Fields, FieldPhone)
			errs = append(errs, RowError{Row: row.Number, Field: string(FieldPhone), Reason: err.Error()})
		} else {
			row.Fields[FieldPhone] = p
		}
	}
	if v, ok := row.Fields[FieldDomain]; ok {
		if d, err := NormalizeDomain(v); err != nil {
			delete(row.Fields, FieldDomain)
			errs = append(errs, RowError{Row: row.Number, Field: string(FieldDomain), Reason: err.Error()})
		} else {
			row.Fields[FieldDomain] = d
		}
	} else if d := DomainOfEmail(email); !IsFreeMail(d) {
		row.Fields[FieldDomain] = d
	}
	return errs, true
}

// setValue stores one value of a record: trimmed, NUL bytes removed
// (Postgres text cannot hold them), empty values left out. A field already
// set by an earlier column or key keeps its value and the later one is kept
// as a custom value, so nothing sent is lost.
func setValue(row *Row, f Field, name, v string) {
	v = strings.TrimSpace(v)
	if strings.IndexByte(v, 0) >= 0 {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\x00", ""))
	}
	if v == "" || f == FieldIgnore {
		return
	}
	if f != "" {
		if _, dup := row.Fields[f]; !dup {
			row.Fields[f] = v
			return
		}
	}
	row.Custom[name] = v
}

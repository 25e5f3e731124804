package imports

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// sniffDelimiters are the separators a header line is tried with, in the
// order a tie is broken.
var sniffDelimiters = []byte{',', ';', '\t', '|'}

// maxColumns caps the header; a wider file is not a contact list.
const maxColumns = 4096

// csvParser reads RFC 4180 records byte by byte, keeping at most
// MaxRowBytes of one record. It is lenient where spreadsheets are sloppy (a
// stray quote inside a field is kept as text; a lone CR ends a line) and
// reports, rather than fails on, what it cannot read: a ragged record, an
// oversized cell, an unterminated quote at the end of a truncated upload.
type csvParser struct {
	br      *bufio.Reader
	delim   byte
	maxCell int
	maxRow  int
	cols    []Column
	number  int64

	// The current record: the kept bytes of all its fields and where each
	// field ends, as encoding/csv does, to allocate nothing per field.
	buf          []byte
	ends         []int
	nfields      int
	maxFields    int // ends kept; a ragged record's extra fields are only counted
	rowBytes     int
	cellBytes    int
	bigCell      int // index of the first field over maxCell, or -1
	bigRow       bool
	unterminated bool
}

func newCSVParser(br *bufio.Reader, m mapper, opts Options) (*csvParser, error) {
	p := &csvParser{br: br, maxCell: opts.MaxCellBytes, maxRow: opts.MaxRowBytes, maxFields: maxColumns + 1}
	switch d := opts.Delimiter; {
	case d == 0:
		p.delim = sniffDelimiter(br)
	case d >= 0x80 || d == '"' || d == '\n' || d == '\r' || d == 0:
		return nil, fmt.Errorf("imports: unsupported delimiter %q: use a single ASCII character", d)
	default:
		p.delim = byte(d)
	}
	ok, err := p.readRecord()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !ok {
		return nil, ErrEmpty
	}
	switch {
	case p.unterminated:
		return nil, errors.New("header row: unterminated quoted field")
	case p.bigCell >= 0 || p.bigRow:
		return nil, fmt.Errorf("header row: exceeds %d bytes per cell or %d per row", p.maxCell, p.maxRow)
	case p.nfields > maxColumns:
		return nil, fmt.Errorf("header row: more than %d columns", maxColumns)
	}
	header := make([]string, len(p.ends))
	for i := range header {
		header[i] = text(p.field(i))
	}
	if p.cols, err = m.mapHeader(header); err != nil {
		return nil, err
	}
	p.maxFields = len(p.cols) + 1
	return p, nil
}

// sniffDelimiter picks the separator that occurs most often outside quotes
// in the first line, comma when none does (a one-column file).
func sniffDelimiter(br *bufio.Reader) byte {
	head, _ := br.Peek(bufSize)
	counts := map[byte]int{}
	inQuotes := false
	for _, c := range head {
		if c == '"' {
			inQuotes = !inQuotes
			continue
		}
		if !inQuotes && (c == '\n' || c == '\r') {
			break
		}
		if !inQuotes && bytes.IndexByte(sniffDelimiters, c) >= 0 {
			counts[c]++
		}
	}
	best := byte(',')
	for _, d := range sniffDelimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

func (p *csvParser) field(i int) []byte {
	start := 0
	if i > 0 {
		start = p.ends[i-1]
	}
	return p.buf[start:p.ends[i]]
}

func (p *csvParser) next() (Row, *RowError, error) {
	for {
		ok, err := p.readRecord()
		if err != nil {
			return Row{}, nil, err
		}
		if !ok {
			return Row{}, nil, io.EOF
		}
		p.number++
		if rerr := p.recordError(); rerr != nil {
			return Row{}, rerr, nil
		}
		if p.nfields != len(p.cols) {
			if p.blank() {
				continue // a spreadsheet's empty row: ",,,," or a lone space
			}
			return Row{}, &RowError{Row: p.number, Reason: fmt.Sprintf("row has %d fields, header has %d", p.nfields, len(p.cols))}, nil
		}
		if p.blank() {
			continue
		}
		row := Row{Number: p.number, Fields: make(map[Field]string, len(p.cols)), Custom: map[string]string{}}
		// One string for the whole record, its fields sliced from it: one
		// allocation per row instead of one per cell.
		if p.plainText() {
			s, start := string(p.buf), 0
			for i, col := range p.cols {
				setValue(&row, col.Field, col.Name, s[start:p.ends[i]])
				start = p.ends[i]
			}
			return row, nil, nil
		}
		for i, col := range p.cols {
			setValue(&row, col.Field, col.Name, text(p.field(i)))
		}
		return row, nil, nil
	}
}

// plainText reports whether every field of the current record is UTF-8
// without NUL, checked on the record at once: a field boundary that is not
// a rune start means two invalid halves made one valid rune.
func (p *csvParser) plainText() bool {
	if !utf8.Valid(p.buf) || bytes.IndexByte(p.buf, 0) >= 0 {
		return false
	}
	for _, e := range p.ends {
		if e < len(p.buf) && !utf8.RuneStart(p.buf[e]) {
			return false
		}
	}
	return true
}

// recordError reports what made the current record unreadable, if anything.
func (p *csvParser) recordError() *RowError {
	switch {
	case p.unterminated:
		return &RowError{Row: p.number, Reason: "unterminated quoted field at end of file (truncated upload?)"}
	case p.bigCell >= 0:
		name := fmt.Sprintf("column_%d", p.bigCell+1)
		if p.bigCell < len(p.cols) {
			name = string(p.cols[p.bigCell].Field)
			if name == "" || p.cols[p.bigCell].Field == FieldIgnore {
				name = p.cols[p.bigCell].Name
			}
		}
		return &RowError{Row: p.number, Field: name, Reason: fmt.Sprintf("cell exceeds %d bytes", p.maxCell)}
	case p.bigRow:
		return &RowError{Row: p.number, Reason: fmt.Sprintf("row exceeds %d bytes", p.maxRow)}
	}
	return nil
}

// blank reports whether every field of the current record is empty or
// white space.
func (p *csvParser) blank() bool {
	return len(bytes.TrimSpace(p.buf)) == 0
}

// readRecord reads the next record, skipping empty lines. It reports false
// at the end of input.
func (p *csvParser) readRecord() (bool, error) {
	p.buf, p.ends, p.nfields = p.buf[:0], p.ends[:0], 0
	p.rowBytes, p.bigCell, p.bigRow, p.unterminated = 0, -1, false, false
	for {
		c, err := p.br.ReadByte()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if c != '\n' && c != '\r' {
			_ = p.br.UnreadByte()
			break
		}
	}
	for {
		end, err := p.readField()
		if err != nil {
			return false, err
		}
		p.nfields++
		if len(p.ends) < p.maxFields {
			p.ends = append(p.ends, len(p.buf))
		}
		if end != endDelim {
			return true, nil
		}
	}
}

type fieldEnd int

const (
	endDelim fieldEnd = iota
	endLine
	endEOF
)

// readField reads one field into p.buf and reports what ended it. It
// copies runs of plain bytes straight from the read buffer, so the cost per
// byte is a comparison, not a call.
func (p *csvParser) readField() (fieldEnd, error) {
	p.cellBytes = 0
	inQuotes := false
	if b, err := p.br.Peek(1); err == nil && b[0] == '"' {
		_, _ = p.br.Discard(1)
		inQuotes = true
	}
	for {
		if inQuotes {
			if _, err := p.copyUntil(true); err != nil {
				if errors.Is(err, io.EOF) {
					p.unterminated = true
					return endEOF, nil
				}
				return 0, err
			}
			c, err := p.br.ReadByte()
			if errors.Is(err, io.EOF) {
				return endEOF, nil
			}
			if err != nil {
				return 0, err
			}
			if c == '"' {
				p.add([]byte{'"'})
				continue
			}
			// The closing quote. Text after it up to the delimiter is kept,
			// as spreadsheets do with `"abc"def`.
			_ = p.br.UnreadByte()
			inQuotes = false
		}
		c, err := p.copyUntil(false)
		if errors.Is(err, io.EOF) {
			return endEOF, nil
		}
		if err != nil {
			return 0, err
		}
		switch c {
		case p.delim:
			return endDelim, nil
		case '\n':
			return endLine, nil
		case '\r':
			if n, err := p.br.Peek(1); err == nil && n[0] == '\n' {
				_, _ = p.br.Discard(1)
			}
			return endLine, nil
		}
	}
}

// copyUntil adds bytes to the current field up to the first quote (in a
// quoted field) or the first delimiter or line end (outside one), consumes
// that byte and returns it.
func (p *csvParser) copyUntil(quoted bool) (byte, error) {
	for {
		buf, err := p.br.Peek(max(p.br.Buffered(), 1))
		if len(buf) == 0 {
			return 0, err
		}
		i := -1
		if quoted {
			i = bytes.IndexByte(buf, '"')
		} else {
			for j, c := range buf {
				if c == p.delim || c == '\n' || c == '\r' {
					i = j
					break
				}
			}
		}
		if i >= 0 {
			c := buf[i]
			p.add(buf[:i])
			_, _ = p.br.Discard(i + 1)
			return c, nil
		}
		p.add(buf)
		_, _ = p.br.Discard(len(buf))
	}
}

// add keeps bytes of the current field up to the cell and record limits:
// the rest of an oversized record is read past, never stored.
func (p *csvParser) add(b []byte) {
	cellRoom, rowRoom := p.maxCell-p.cellBytes, p.maxRow-p.rowBytes
	p.cellBytes += len(b)
	p.rowBytes += len(b)
	if len(b) > cellRoom {
		if p.bigCell < 0 {
			p.bigCell = p.nfields
		}
		b = b[:max(cellRoom, 0)]
	}
	if len(b) > rowRoom {
		p.bigRow = true
		b = b[:max(rowRoom, 0)]
	}
	p.buf = append(p.buf, b...)
}

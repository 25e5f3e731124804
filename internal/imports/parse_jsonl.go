package imports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// jsonlParser reads one JSON object per line. A line is read whole up to
// MaxRowBytes; past that it is skipped to the next newline without being
// stored.
type jsonlParser struct {
	br      *bufio.Reader
	m       mapper
	maxCell int
	maxRow  int
	line    int64
	buf     []byte
	keys    map[string]jsonKey
}

func newJSONLParser(br *bufio.Reader, m mapper, opts Options) (*jsonlParser, error) {
	p := &jsonlParser{br: br, m: m, maxCell: opts.MaxCellBytes, maxRow: opts.MaxRowBytes}
	// An upload of blank lines is as empty as one of no bytes; skipping
	// leading white space here stores none of it.
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil, ErrEmpty
		}
		if err != nil {
			return nil, fmt.Errorf("read upload: %w", err)
		}
		if c == '\n' {
			p.line++
			continue
		}
		if c != ' ' && c != '\t' && c != '\r' {
			_ = br.UnreadByte()
			return p, nil
		}
	}
}

func (p *jsonlParser) next() (Row, *RowError, error) {
	for {
		line, tooLong, err := p.readLine()
		if err != nil && (!errors.Is(err, io.EOF) || len(line) == 0 && !tooLong) {
			return Row{}, nil, err
		}
		p.line++
		if tooLong {
			return Row{}, &RowError{Row: p.line, Reason: fmt.Sprintf("line exceeds %d bytes", p.maxRow)}, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		row, rerr := p.parse(line)
		return row, rerr, nil
	}
}

// readLine returns the next line without its newline, or tooLong when it
// was longer than maxRow and has been skipped. At the end of input it
// returns the last, unterminated line with io.EOF.
func (p *jsonlParser) readLine() (line []byte, tooLong bool, err error) {
	p.buf = p.buf[:0]
	for {
		chunk, err := p.br.ReadSlice('\n')
		if !tooLong {
			if len(p.buf)+len(chunk) > p.maxRow+1 { // +1: the newline
				tooLong = true
			} else {
				p.buf = append(p.buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return p.buf, tooLong, err
		}
		return bytes.TrimSuffix(p.buf, []byte{'\n'}), tooLong, nil
	}
}

// parse reads one object. Keys are mapped like CSV headers; values that are
// strings are taken as sent, numbers and booleans as their JSON text (a
// phone sent as a number keeps its digits), null as absent, an array of
// tags joined with commas and any other array or object as compact JSON.
// The line is checked with json.Valid first, so the scan that follows can
// walk it without error paths, in key order: the first of two keys naming
// one field wins, as the first column does in a CSV.
func (p *jsonlParser) parse(line []byte) (Row, *RowError) {
	if !utf8.Valid(line) {
		line = []byte(text(line))
	}
	bad := func(reason string) (Row, *RowError) {
		return Row{}, &RowError{Row: p.line, Reason: reason}
	}
	if !json.Valid(line) {
		return bad("malformed JSON")
	}
	if line[0] != '{' {
		return bad("line is not a JSON object")
	}
	row := Row{Number: p.line, Fields: make(map[Field]string, 8), Custom: map[string]string{}}
	var bigField string
	// One string for the line, values without escapes sliced from it.
	sc := jsonScanner{b: string(line), i: 1}
	for n := 1; ; n++ {
		sc.space()
		if sc.b[sc.i] == '}' {
			break
		}
		rawKey := sc.value()
		sc.space()
		sc.i++ // ':'
		sc.space()
		raw := sc.value()
		sc.space()
		if sc.b[sc.i] == ',' {
			sc.i++
		}
		if len(rawKey) > p.maxCell {
			return bad(fmt.Sprintf("key exceeds %d bytes", p.maxCell))
		}
		key, f := p.key(rawKey, n)
		v := jsonValue(raw, f)
		if len(v) > p.maxCell {
			if bigField == "" {
				bigField = string(f)
				if f == "" || f == FieldIgnore {
					bigField = key
				}
			}
			continue
		}
		setValue(&row, f, key, v)
	}
	if bigField != "" {
		return Row{}, &RowError{Row: p.line, Field: bigField, Reason: fmt.Sprintf("cell exceeds %d bytes", p.maxCell)}
	}
	return row, nil
}

// maxCachedKeys bounds the key cache: a file has a few distinct keys, a
// hostile one has a new key per line and gets no cache past this.
const maxCachedKeys = 1024

// key decodes the key literal raw and finds its field, from a cache since
// every line of a file repeats the same keys. The n-th key of an object
// that is empty once NUL bytes are removed is named key_n.
func (p *jsonlParser) key(raw string, n int) (string, Field) {
	if k, ok := p.keys[raw]; ok {
		return k.name, k.field
	}
	name := strings.ReplaceAll(jsonString(raw), "\x00", "")
	if strings.TrimSpace(name) == "" {
		return fmt.Sprintf("key_%d", n), ""
	}
	f, ok := p.m.lookup(name)
	if !ok {
		f = ""
	}
	if p.keys == nil {
		p.keys = map[string]jsonKey{}
	}
	if len(p.keys) < maxCachedKeys {
		p.keys[raw] = jsonKey{name: name, field: f}
	}
	return name, f
}

type jsonKey struct {
	name  string
	field Field
}

// jsonScanner walks JSON already known to be valid.
type jsonScanner struct {
	b string
	i int
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value returns the bytes of the value at s.i and moves past it.
func (s *jsonScanner) value() string {
	start := s.i
	switch s.b[s.i] {
	case '"':
		s.str()
	case '{', '[':
		depth := 0
		for {
			switch s.b[s.i] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
	default: // a number, true, false or null
		for s.i < len(s.b) && !strings.ContainsRune(",}] \t\r\n", rune(s.b[s.i])) {
			s.i++
		}
	}
	return s.b[start:s.i]
}

// str moves past the string at s.i.
func (s *jsonScanner) str() {
	s.i++
	for {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return
		}
		s.i++
	}
}

// jsonString decodes a valid JSON string literal.
func jsonString(raw string) string {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var v string
	_ = json.Unmarshal([]byte(raw), &v)
	return v
}

// jsonValue turns one valid JSON value into the text stored for it.
func jsonValue(raw string, f Field) string {
	switch raw[0] {
	case '"':
		return jsonString(raw)
	case 'n':
		return ""
	case '[':
		if f == FieldTags {
			var tags []string
			if err := json.Unmarshal([]byte(raw), &tags); err == nil {
				return strings.Join(tags, ",")
			}
		}
	case '{':
	default:
		return raw
	}
	var b bytes.Buffer
	_ = json.Compact(&b, []byte(raw))
	return b.String()
}

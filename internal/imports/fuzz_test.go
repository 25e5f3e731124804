package imports

import (
	"bytes"
	"errors"
	"io"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzOpts keeps the limits small so the fuzzer reaches them.
var fuzzOpts = Options{MaxCellBytes: 64, MaxRowBytes: 512}

// FuzzCSV feeds arbitrary bytes to the CSV reader: it must never panic,
// and every row it yields must hold a normalised email and values Postgres
// text can store.
func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		"email,name\nada@acme.com,Ada\n",
		"\xef\xbb\xbfEmail;Phone;Website\r\nada@acme.com;+1 555 0100 999;https://www.acme.com/\r\n",
		"email\tcompany\n\"ada@acme.com\"\t\"Acme\n\"\"Ltd\"\"\"\n",
		"email,title\nada@acme.com,\"unterminated",
		"email,x\nada@acme.com,=HYPERLINK(\"x\")\nbob@acme.com,@SUM(1)\n,\n",
		"email,first\nr@acme.com,Ren\xe9\x00\n",
		"\xff\xfee\x00m\x00a\x00i\x00l\x00\n\x00a\x00@\x00b\x00.\x00c\x00o\x00\n\x00",
		"a@b.co,x\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, CSV)
	})
}

// FuzzJSONL is FuzzCSV for JSON Lines.
func FuzzJSONL(f *testing.F) {
	for _, seed := range []string{
		`{"email":"ada@acme.com","first_name":"Ada"}` + "\n",
		`{"E-mail":"ada@acme.com","phone":15550100999,"tags":["a","b"],"x":{"y":null}}`,
		"{\"email\":\"bob@acme.com\",}\n[1]\n\"s\"\n{} {}\n",
		"\xef\xbb\xbf{\"email\":\"r@acme.com\",\"name\":\"Ren\xe9\"}\r\n\n",
		`{"email":"a@b.co","k\u0000":"v\u0000"}`,
		`{"email":"a@b.co","notes":"` + strings.Repeat("n", 600) + `"}`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, data, JSONL)
	})
}

// checkReader reads data to the end and checks what every reader promises.
func checkReader(t *testing.T, data []byte, format Format) {
	r, err := NewReader(bytes.NewReader(data), format, fuzzOpts)
	if err != nil {
		return
	}
	var last int64
	for range len(data) + 2 {
		row, errs, err := r.Next()
		for i, e := range errs {
			if e.Row <= 0 || e.Row > int64(len(data))+1 || e.Reason == "" {
				t.Fatalf("bad RowError %+v", e)
			}
			for _, o := range errs[:i] {
				if o.Row == e.Row && o.Field == e.Field {
					t.Fatalf("two errors for row %d field %q: %+v and %+v", e.Row, e.Field, o, e)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("Next: %v (only the upload's own read errors may end a read early)", err)
		}
		if row.Number == 0 {
			continue
		}
		if row.Number <= last {
			t.Fatalf("row number %d after %d", row.Number, last)
		}
		last = row.Number
		email := row.Fields[FieldEmail]
		if n, err := NormalizeEmail(email); err != nil || n != email {
			t.Fatalf("row %d email %q: normalises to %q, %v", row.Number, email, n, err)
		}
		if d, ok := row.Fields[FieldDomain]; ok {
			if n, err := NormalizeDomain(d); err != nil || n != d {
				t.Fatalf("row %d domain %q: normalises to %q, %v", row.Number, d, n, err)
			}
		}
		for k, v := range row.Custom {
			checkText(t, k, fuzzOpts.MaxCellBytes)
			checkText(t, v, fuzzOpts.MaxCellBytes)
		}
		for _, v := range row.Fields {
			checkText(t, v, fuzzOpts.MaxCellBytes)
		}
	}
	t.Fatalf("Next did not reach io.EOF within %d calls", len(data)+2)
}

// checkText fails unless s is non-empty UTF-8 without NUL, at most 3 bytes
// per input byte (a Windows-1252 byte becomes up to 3 bytes of UTF-8).
func checkText(t *testing.T, s string, maxBytes int) {
	t.Helper()
	if s == "" || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > 3*maxBytes {
		t.Fatalf("value %q: want non-empty UTF-8 without NUL, at most %d bytes", s, 3*maxBytes)
	}
}

// FuzzNormalizeEmail checks that an accepted address is a fixed point and
// one that net/mail parses back to itself with no display name.
func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{"ada@acme.com", " Ada@Bücher.DE ", "a..b@c.d", "\"q\"@acme.com", "a@xn--bcher-kva.de", "a@b@c.co"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, but that normalises to %q, %v", s, got, again, err)
		}
		addr, err := mail.ParseAddress(got)
		if err != nil || addr.Name != "" || addr.Address != got {
			t.Fatalf("NormalizeEmail(%q) = %q, which net/mail reads as %v, %v", s, got, addr, err)
		}
	})
}

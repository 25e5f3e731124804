package imports

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadJSONL(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 10<<20)
	tests := []struct {
		name     string
		in       string
		opts     Options
		wantRows []string
		wantErrs []RowError
		wantErr  error
	}{
		{
			name:     "snake_case keys",
			in:       `{"email":"Ada@Acme.com","first_name":"Ada","company_name":"Acme","linkedin_url":"https://linkedin.com/in/ada"}` + "\n",
			wantRows: []string{"1 company_name=Acme domain=acme.com email=ada@acme.com first_name=Ada linkedin_url=https://linkedin.com/in/ada"},
		},
		{
			name:     "aliases, numbers, booleans, null and nested values",
			in:       `{"E-mail":"ada@acme.com","Given Name":"Ada","phone":15550109999,"vip":true,"title":null,"meta":{"a": [1, 2]}}`,
			wantRows: []string{`1 domain=acme.com email=ada@acme.com first_name=Ada phone=15550109999 | meta={"a":[1,2]} vip=true`},
		},
		{
			name:     "tags as an array or a string",
			in:       `{"email":"ada@acme.com","tags":["vip","q3"]}` + "\n" + `{"email":"bob@acme.com","labels":"vip; q3"}`,
			wantRows: []string{"1 domain=acme.com email=ada@acme.com tags=vip,q3", "2 domain=acme.com email=bob@acme.com tags=vip; q3"},
		},
		{
			name:     "explicit mapping",
			in:       `{"courriel":"ada@acme.com","secret":"x"}`,
			opts:     Options{Mapping: map[string]Field{"courriel": FieldEmail, "secret": FieldIgnore}},
			wantRows: []string{"1 domain=acme.com email=ada@acme.com"},
		},
		{
			name: "malformed lines reported by line number",
			in: "{\"email\":\"ada@acme.com\"}\n" +
				"{\"email\":\"bob@acme.com\",}\n" +
				"[1,2]\n" +
				"\"just a string\"\n" +
				"{\"email\":\"cy@acme.com\"} {\"x\":1}\n" +
				"{\"email\":\"dee@acme.com\"}\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com", "6 domain=acme.com email=dee@acme.com"},
			wantErrs: []RowError{
				{Row: 2, Reason: "malformed JSON"},
				{Row: 3, Reason: "line is not a JSON object"},
				{Row: 4, Reason: "line is not a JSON object"},
				{Row: 5, Reason: "malformed JSON"},
			},
		},
		{
			name:     "blank lines and CRLF keep line numbers",
			in:       "\n\r\n{\"email\":\"ada@acme.com\"}\r\n\n{\"email\":\"bob@acme.com\"}",
			wantRows: []string{"3 domain=acme.com email=ada@acme.com", "5 domain=acme.com email=bob@acme.com"},
		},
		{
			name:     "invalid and missing emails",
			in:       `{"email":"nope"}` + "\n" + `{"name":"x"}` + "\n" + `{"email":["a@b.co"]}` + "\n",
			wantErrs: []RowError{{Row: 1, Field: "email", Reason: "not an email address"}, {Row: 2, Field: "email", Reason: "email is required"}, {Row: 3, Field: "email", Reason: "not an email address"}},
		},
		{
			name:     "line over MaxRowBytes is skipped",
			in:       `{"email":"ada@acme.com","notes":"` + strings.Repeat("n", 200) + `"}` + "\n" + `{"email":"bob@acme.com"}`,
			opts:     Options{MaxRowBytes: 100},
			wantRows: []string{"2 domain=acme.com email=bob@acme.com"},
			wantErrs: []RowError{{Row: 1, Reason: "line exceeds 100 bytes"}},
		},
		{
			name:     "10 MB value",
			in:       `{"email":"ada@acme.com","title":"` + huge + `"}` + "\n" + `{"email":"bob@acme.com"}`,
			opts:     Options{MaxRowBytes: 16 << 20},
			wantRows: []string{"2 domain=acme.com email=bob@acme.com"},
			wantErrs: []RowError{{Row: 1, Field: "title", Reason: "cell exceeds 65536 bytes"}},
		},
		{
			name:     "10 MB line with default limits",
			in:       `{"email":"ada@acme.com","x":"` + huge + `"}` + "\n" + `{"email":"bob@acme.com"}`,
			wantRows: []string{"2 domain=acme.com email=bob@acme.com"},
			wantErrs: []RowError{{Row: 1, Reason: "line exceeds 1048576 bytes"}},
		},
		{
			name:     "BOM and Latin-1",
			in:       "\xef\xbb\xbf{\"email\":\"r@acme.com\",\"first_name\":\"Ren\xe9\"}\n",
			wantRows: []string{"1 domain=acme.com email=r@acme.com first_name=René"},
		},
		{
			name:     "escaped NUL removed from values and keys",
			in:       `{"email":"ada@acme.com","first_name":"A\u0000da","k\u0000":"v"}`,
			wantRows: []string{"1 domain=acme.com email=ada@acme.com first_name=Ada | k=v"},
		},
		{
			name:     "formula payloads stored verbatim",
			in:       `{"email":"ada@acme.com","company":"=HYPERLINK(\"http://evil.example\")","notes":"@SUM(A1)"}`,
			wantRows: []string{`1 company_name==HYPERLINK("http://evil.example") domain=acme.com email=ada@acme.com | notes=@SUM(A1)`},
		},
		{
			name:     "truncated last line",
			in:       `{"email":"ada@acme.com"}` + "\n" + `{"email":"bob@ac`,
			wantRows: []string{"1 domain=acme.com email=ada@acme.com"},
			wantErrs: []RowError{{Row: 2, Reason: "malformed JSON"}},
		},
		{name: "empty file", in: "", wantErr: ErrEmpty},
		{name: "only white space", in: " \n\t\r\n\n", wantErr: ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, errs, err := readAll(t, tt.in, JSONL, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(rows, tt.wantRows) {
				t.Errorf("rows:\n got  %q\n want %q", rows, tt.wantRows)
			}
			if !reflect.DeepEqual(errs, tt.wantErrs) {
				t.Errorf("row errors:\n got  %+v\n want %+v", errs, tt.wantErrs)
			}
		})
	}
}

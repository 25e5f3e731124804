package imports

import (
	"bufio"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestReadCSV covers the bad input the import must survive: other
// delimiters, quoted newlines, a BOM, Latin-1, no header, duplicate rows,
// invalid emails, a 10 MB cell, formula payloads, an empty file and a
// truncated upload, each giving rows, per-row errors or one clear error.
func TestReadCSV(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 10<<20)
	tests := []struct {
		name     string
		in       string
		opts     Options
		wantRows []string
		wantErrs []RowError
		wantErr  error  // from NewReader or Next, matched with errors.Is
		errText  string // or a substring of its message
	}{
		{
			name:     "comma",
			in:       "email,first_name,company\nada@acme.com,Ada,Acme\n",
			wantRows: []string{"1 company_name=Acme domain=acme.com email=ada@acme.com first_name=Ada"},
		},
		{
			name:     "semicolon sniffed",
			in:       "Email;First Name;Company\nada@acme.com;Ada;Acme, Inc.\n",
			wantRows: []string{"1 company_name=Acme, Inc. domain=acme.com email=ada@acme.com first_name=Ada"},
		},
		{
			name:     "tab sniffed",
			in:       "email\tlast name\nada@acme.com\tLovelace\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com last_name=Lovelace"},
		},
		{
			name:     "pipe sniffed",
			in:       "email|title\nada@acme.com|CTO\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com title=CTO"},
		},
		{
			name:     "delimiter given",
			in:       "email;title,x\nada@acme.com;CTO,x\n",
			opts:     Options{Delimiter: ';'},
			wantRows: []string{"1 domain=acme.com email=ada@acme.com | title,x=CTO,x"},
		},
		{
			name:     "quoted newline and doubled quote",
			in:       "email,title\r\n\"ada@acme.com\",\"Head of\r\n\"\"Sales\"\"\"\r\nbob@acme.com,CEO\r\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com title=Head of\r\n\"Sales\"", "2 domain=acme.com email=bob@acme.com title=CEO"},
		},
		{
			name:     "lone CR line ends",
			in:       "email,title\rada@acme.com,CTO\rbob@acme.com,CEO",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com title=CTO", "2 domain=acme.com email=bob@acme.com title=CEO"},
		},
		{
			name:     "UTF-8 BOM",
			in:       "\xef\xbb\xbfEmail,Name\nada@acme.com,Ada\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com | Name=Ada"},
		},
		{
			name:     "UTF-16LE with BOM",
			in:       utf16LE("\ufeffemail\tfirst name\nada@acme.com\tRené\n"),
			wantRows: []string{"1 domain=acme.com email=ada@acme.com first_name=René"},
		},
		{
			name:     "Latin-1 and Windows-1252 bytes",
			in:       "email,first_name,last_name,company\nr@acme.com,Ren\xe9,M\xfcller,\x80uro Caf\xc3\xa9\n",
			wantRows: []string{"1 company_name=€uro Café domain=acme.com email=r@acme.com first_name=René last_name=Müller"},
		},
		{
			name:    "no header",
			in:      "ada@acme.com,Ada,Acme\nbob@acme.com,Bob,Acme\n",
			wantErr: ErrNoEmailColumn,
			errText: "header row missing",
		},
		{
			name:    "header without email",
			in:      "name,company\nAda,Acme\n",
			wantErr: ErrNoEmailColumn,
		},
		{
			name:     "mapping rescues an odd header",
			in:       "Courriel,Prénom\nada@acme.com,Ada\n",
			opts:     Options{Mapping: map[string]Field{"Courriel": FieldEmail, "prénom": FieldFirstName}},
			wantRows: []string{"1 domain=acme.com email=ada@acme.com first_name=Ada"},
		},
		{
			name:     "duplicate rows are all yielded",
			in:       "email\nada@acme.com\nADA@acme.com \nada@acme.com\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com", "2 domain=acme.com email=ada@acme.com", "3 domain=acme.com email=ada@acme.com"},
		},
		{
			name:     "invalid and missing emails",
			in:       "email,name\nnot-an-email,a\n,b\nAda <ada@acme.com>,c\nok@acme.com,d\n",
			wantRows: []string{"4 domain=acme.com email=ok@acme.com | name=d"},
			wantErrs: []RowError{
				{Row: 1, Field: "email", Reason: "not an email address"},
				{Row: 2, Field: "email", Reason: "email is required"},
				{Row: 3, Field: "email", Reason: "not an email address"},
			},
		},
		{
			name:     "10 MB cell",
			in:       "email,notes\nada@acme.com," + huge + "\nbob@acme.com,short\n",
			wantRows: []string{"2 domain=acme.com email=bob@acme.com | notes=short"},
			wantErrs: []RowError{{Row: 1, Field: "notes", Reason: "cell exceeds 65536 bytes"}},
		},
		{
			name:     "10 MB quoted cell in a known field",
			in:       "email,title\nada@acme.com,\"" + huge + "\"\nbob@acme.com,CEO\n",
			wantRows: []string{"2 domain=acme.com email=bob@acme.com title=CEO"},
			wantErrs: []RowError{{Row: 1, Field: "title", Reason: "cell exceeds 65536 bytes"}},
		},
		{
			name:     "row over MaxRowBytes",
			in:       "email,a,b\nada@acme.com,12345,67890\nbob@acme.com,1,2\n",
			opts:     Options{MaxRowBytes: 20},
			wantRows: []string{"2 domain=acme.com email=bob@acme.com | a=1 b=2"},
			wantErrs: []RowError{{Row: 1, Reason: "row exceeds 20 bytes"}},
		},
		{
			name: "formula payloads stored verbatim",
			in:   "email,company,notes\nada@acme.com,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",@SUM(1+1)*cmd|' /C calc'!A0\n",
			wantRows: []string{
				`1 company_name==HYPERLINK("http://evil.example","x") domain=acme.com email=ada@acme.com | notes=@SUM(1+1)*cmd|' /C calc'!A0`,
			},
		},
		{name: "empty file", in: "", wantErr: ErrEmpty},
		{name: "only a BOM", in: "\xef\xbb\xbf", wantErr: ErrEmpty},
		{name: "only newlines", in: "\r\n\n\n", wantErr: ErrEmpty},
		{name: "header only", in: "email,name\n"},
		{
			name:     "truncated upload inside a quote",
			in:       "email,title\nada@acme.com,CTO\nbob@acme.com,\"Head of Sa",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com title=CTO"},
			wantErrs: []RowError{{Row: 2, Reason: "unterminated quoted field at end of file (truncated upload?)"}},
		},
		{
			name:     "unterminated header quote",
			in:       "email,\"title\n",
			errText:  "header row: unterminated quoted field",
			wantRows: nil,
		},
		{
			name:     "ragged rows",
			in:       "email,first,last\nada@acme.com,Ada\nbob@acme.com,Bob,B,extra\ncy@acme.com,Cy,C\n",
			wantRows: []string{"3 domain=acme.com email=cy@acme.com first_name=Cy last_name=C"},
			wantErrs: []RowError{
				{Row: 1, Reason: "row has 2 fields, header has 3"},
				{Row: 2, Reason: "row has 4 fields, header has 3"},
			},
		},
		{
			name:     "blank spreadsheet rows skipped but counted",
			in:       "email,name\n,\n\n  ,  \nada@acme.com,Ada\n",
			wantRows: []string{"3 domain=acme.com email=ada@acme.com | name=Ada"},
		},
		{
			name:     "invalid phone and domain dropped, row kept",
			in:       "email,phone,website\nada@acme.com,call me,not a domain\nbob@acme.com,+44 (20) 7946-0958,https://www.Acme.co.uk/about\n",
			wantRows: []string{"1 email=ada@acme.com", "2 domain=acme.co.uk email=bob@acme.com phone=+442079460958"},
			wantErrs: []RowError{
				{Row: 1, Field: "phone", Reason: "not a phone number"},
				{Row: 1, Field: "domain", Reason: "not a domain name"},
			},
		},
		{
			name:     "no company domain from free mail",
			in:       "email\nada@gmail.com\nbob@gmx.de\ncy@acme.io\n",
			wantRows: []string{"1 email=ada@gmail.com", "2 email=bob@gmx.de", "3 domain=acme.io email=cy@acme.io"},
		},
		{
			name:     "NUL bytes removed",
			in:       "email,name\nada@acme.com,A\x00da\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com | name=Ada"},
		},
		{
			name:     "stray quotes kept as text",
			in:       "email,name\nada@acme.com,Ada \"The\" L\nbob@acme.com,\"Bob\" B\n",
			wantRows: []string{`1 domain=acme.com email=ada@acme.com | name=Ada "The" L`, "2 domain=acme.com email=bob@acme.com | name=Bob B"},
		},
		{
			name:     "tags, source and a duplicate column",
			in:       "email,tags,labels,lead source,empty\nada@acme.com,\"vip, q3\",beta,webinar,\n",
			wantRows: []string{"1 domain=acme.com email=ada@acme.com source=webinar tags=vip, q3 | labels=beta"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, errs, err := readAll(t, tt.in, CSV, tt.opts)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)) {
				t.Fatalf("error = %v, want one containing %q", err, tt.errText)
			}
			if tt.wantErr == nil && tt.errText == "" && err != nil {
				t.Fatalf("error = %v, want nil", err)
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

// utf16LE encodes s as UTF-16 little-endian, as Excel's "Unicode text" does.
func utf16LE(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			panic("utf16LE: test strings stay in the BMP")
		}
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

func TestSniffDelimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   byte
	}{
		{"email", ','},
		{"email,name", ','},
		{"email;name;company", ';'},
		{"\"a,b\";email;name", ';'},
		{"email\tname\tcompany, inc", '\t'},
		{"email|name|x;y", '|'},
		{"a;b,c;d,e", ','},
	}
	for _, tt := range tests {
		br := bufio.NewReader(strings.NewReader(tt.header + "\nx,y;z\tw|v\n"))
		if got := sniffDelimiter(br); got != tt.want {
			t.Errorf("delimiter of %q = %q, want %q", tt.header, got, tt.want)
		}
	}
}

package imports

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Field is a contact attribute an import column or JSON key can fill. Its
// value is the snake_case name the API and the contacts table use.
type Field string

// The fields an import fills; everything else lands in Row.Custom.
const (
	FieldEmail       Field = "email"
	FieldFirstName   Field = "first_name"
	FieldLastName    Field = "last_name"
	FieldTitle       Field = "title"
	FieldSeniority   Field = "seniority"
	FieldPhone       Field = "phone"
	FieldLinkedInURL Field = "linkedin_url"
	FieldCompanyName Field = "company_name"
	FieldDomain      Field = "domain"
	FieldCountry     Field = "country"
	FieldTimezone    Field = "timezone"
	FieldTags        Field = "tags"
	FieldSource      Field = "source"

	// FieldIgnore in an explicit Options.Mapping drops the column: neither a
	// field nor a custom value.
	FieldIgnore Field = "-"
)

// Fields lists every Field an import can fill, in the order a report shows them.
var Fields = []Field{
	FieldEmail, FieldFirstName, FieldLastName, FieldTitle, FieldSeniority,
	FieldPhone, FieldLinkedInURL, FieldCompanyName, FieldDomain, FieldCountry,
	FieldTimezone, FieldTags, FieldSource,
}

// Valid reports whether f is one of Fields.
func (f Field) Valid() bool {
	return slices.Contains(Fields, f)
}

// ErrNoEmailColumn is returned by NewReader for a CSV whose header has no
// column that maps to email: every row would be invalid, so the whole upload
// is refused up front rather than reported row by row.
var ErrNoEmailColumn = errors.New("no column maps to email; send a mapping")

// aliases maps a header name folded by foldHeader to the field it fills.
// Spreadsheets exported from CRMs and list vendors name the same column in
// many ways; these are the spellings seen most often.
var aliases = func() map[string]Field {
	m := map[string]Field{}
	add := func(f Field, names ...string) {
		m[foldHeader(string(f))] = f
		for _, n := range names {
			m[foldHeader(n)] = f
		}
	}
	add(FieldEmail, "e-mail", "email address", "e-mail address", "work email", "business email", "mail")
	add(FieldFirstName, "first name", "firstname", "given name", "forename", "first")
	add(FieldLastName, "last name", "lastname", "surname", "family name", "last")
	add(FieldTitle, "job title", "position", "role", "job")
	add(FieldSeniority, "seniority level", "level")
	add(FieldPhone, "mobile", "phone number", "mobile phone", "telephone", "tel", "work phone", "direct phone")
	add(FieldLinkedInURL, "linkedin", "linkedin url", "linkedin profile", "linkedin profile url", "person linkedin url")
	add(FieldCompanyName, "company", "company name", "organization", "organisation", "organization name", "account", "account name", "employer")
	add(FieldDomain, "website", "company domain", "url", "company website", "web", "domain name")
	add(FieldCountry, "country code", "country name")
	add(FieldTimezone, "time zone", "tz")
	add(FieldTags, "labels", "tag", "label")
	add(FieldSource, "lead source")
	return m
}()

// foldHeader makes header matching case-, space-, underscore-, hyphen- and
// dot-insensitive: "E-Mail Address", "email_address" and "EmailAddress" all
// fold to "emailaddress".
func foldHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '.', '\t', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LookupField returns the field a column or key name stands for by its
// common spellings, or false when it is not one of them.
func LookupField(name string) (Field, bool) {
	f, ok := aliases[foldHeader(name)]
	return f, ok
}

// Column is how one CSV header cell was mapped: to a Field, or (Field empty)
// to Row.Custom under Name, or dropped when Field is FieldIgnore.
type Column struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Field Field  `json:"field,omitempty"`
}

// mapper resolves names to fields: an explicit mapping first (exact name,
// then folded), the common spellings after.
type mapper struct {
	exact  map[string]Field
	folded map[string]Field
}

func newMapper(explicit map[string]Field) (mapper, error) {
	m := mapper{exact: map[string]Field{}, folded: map[string]Field{}}
	for name, f := range explicit {
		if f != FieldIgnore && !f.Valid() {
			return mapper{}, fmt.Errorf("mapping %q: unknown field %q", name, f)
		}
		m.exact[name] = f
		m.folded[foldHeader(name)] = f
	}
	return m, nil
}

// lookup returns the field for name and whether an explicit mapping or a
// common spelling named it.
func (m mapper) lookup(name string) (Field, bool) {
	if f, ok := m.exact[name]; ok {
		return f, true
	}
	if f, ok := m.folded[foldHeader(name)]; ok {
		return f, true
	}
	return LookupField(name)
}

// mapHeader maps header cells to columns. When two columns claim one field
// the first wins and the later one is kept as a custom value, so no data is
// lost and the choice does not depend on anything but column order.
func (m mapper) mapHeader(header []string) ([]Column, error) {
	cols := make([]Column, len(header))
	claimed := map[Field]bool{}
	// Explicit mappings claim their fields before any common spelling does,
	// so a mapping of "Work" to email beats a later or earlier "Email".
	for pass := 0; pass < 2; pass++ {
		for i, h := range header {
			name := strings.TrimSpace(h)
			if name == "" {
				name = fmt.Sprintf("column_%d", i+1)
			}
			cols[i].Index, cols[i].Name = i, name
			_, isExplicit := m.exact[name]
			if !isExplicit {
				_, isExplicit = m.folded[foldHeader(name)]
			}
			if (pass == 0) != isExplicit {
				continue
			}
			f, ok := m.lookup(name)
			if !ok || (f != FieldIgnore && claimed[f]) {
				continue
			}
			cols[i].Field = f
			claimed[f] = true
		}
	}
	if !claimed[FieldEmail] {
		for _, h := range header {
			if _, err := NormalizeEmail(h); err == nil {
				return nil, fmt.Errorf("%w (the first row holds an email address: is the header row missing?)", ErrNoEmailColumn)
			}
		}
		return nil, ErrNoEmailColumn
	}
	return cols, nil
}

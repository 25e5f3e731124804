package importer

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/imports"
)

// contactRow is one valid import row as it is written to contacts.
type contactRow struct {
	number int64
	email  string
	// text are the plain text columns, indexed like textFields.
	text   [len(textFields)]string
	domain string
	tags   []string
	custom map[string]string
}

// textField is a plain text field and its size.
type textField struct {
	field imports.Field
	limit int
}

// textFields are the fields stored as they are (trimmed), in the order of
// contactRow.text and of the upsert's columns.
var textFields = [...]textField{
	{imports.FieldFirstName, contacts.MaxShortText},
	{imports.FieldLastName, contacts.MaxShortText},
	{imports.FieldTitle, contacts.MaxShortText},
	{imports.FieldSeniority, contacts.MaxShortText},
	{imports.FieldPhone, contacts.MaxShortText},
	{imports.FieldLinkedInURL, contacts.MaxLongText},
	{imports.FieldCompanyName, contacts.MaxShortText},
	{imports.FieldCountry, contacts.MaxShortText},
	{imports.FieldTimezone, contacts.MaxShortText},
	{imports.FieldSource, contacts.MaxLongText},
}

// newContactRow checks the fields of row against the contacts table's
// rules, dropping (and reporting) those it breaks.
func newContactRow(row imports.Row, errs []imports.RowError) (contactRow, []imports.RowError) {
	c := contactRow{number: row.Number, email: row.Fields[imports.FieldEmail], domain: row.Fields[imports.FieldDomain]}
	bad := func(f imports.Field, reason string) {
		errs = append(errs, imports.RowError{Row: row.Number, Field: string(f), Reason: reason})
	}
	for i, tf := range textFields {
		v := row.Fields[tf.field]
		if tf.field == imports.FieldLinkedInURL && v != "" {
			var ok bool
			if v, ok = linkedInURL(v); !ok {
				bad(tf.field, "not an http or https URL")
				continue
			}
		}
		if utf8.RuneCountInString(v) > tf.limit {
			bad(tf.field, "longer than "+strconv.Itoa(tf.limit)+" characters")
			continue
		}
		c.text[i] = v
	}
	tags := imports.SplitTags(strings.ToLower(row.Fields[imports.FieldTags]))
	c.tags = slices.DeleteFunc(tags, func(t string) bool { return utf8.RuneCountInString(t) > contacts.MaxTag })
	if len(c.tags) < len(tags) {
		bad(imports.FieldTags, "a tag is longer than "+strconv.Itoa(contacts.MaxTag)+" characters")
	} else if len(c.tags) > contacts.MaxTags {
		c.tags = c.tags[:contacts.MaxTags]
		bad(imports.FieldTags, "more than "+strconv.Itoa(contacts.MaxTags)+" tags; the first are kept")
	}
	if len(row.Custom) > 0 {
		c.custom = make(map[string]string, len(row.Custom))
		dropped := false
		for _, k := range slices.Sorted(maps.Keys(row.Custom)) {
			if len(c.custom) == contacts.MaxCustomFields || utf8.RuneCountInString(k) > contacts.MaxCustomKey {
				dropped = true
				continue
			}
			c.custom[k] = row.Custom[k]
		}
		if dropped {
			bad("custom_fields", "at most "+strconv.Itoa(contacts.MaxCustomFields)+" columns of up to "+strconv.Itoa(contacts.MaxCustomKey)+
				" characters are kept as custom fields")
		}
	}
	return c, errs
}

// linkedInURL accepts an absolute http(s) URL or one without its scheme
// ("linkedin.com/in/x"), as spreadsheets often hold it.
func linkedInURL(s string) (string, bool) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

// merge applies a later row of the same address to c the way the upsert
// applies a row to a stored contact, and reports whether it changed c.
func (c *contactRow) merge(later contactRow) bool {
	changed := false
	for i, v := range later.text {
		if v != "" && v != c.text[i] {
			c.text[i], changed = v, true
		}
	}
	if c.domain == "" && later.domain != "" {
		c.domain, changed = later.domain, true
	}
	for _, t := range later.tags {
		if !slices.Contains(c.tags, t) && len(c.tags) < contacts.MaxTags {
			c.tags, changed = append(c.tags, t), true
		}
	}
	for k, v := range later.custom {
		if c.custom == nil {
			c.custom = map[string]string{}
		}
		if old, ok := c.custom[k]; !ok || old != v {
			c.custom[k], changed = v, true
		}
	}
	return changed
}

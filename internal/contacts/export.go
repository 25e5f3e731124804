package contacts

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/store"
)

// Export is everything the platform holds about one contact (GDPR access
// and portability), read from one snapshot.
type Export struct {
	Contact     store.Contact // every column, raw enrichment and score explanation included
	Company     *store.Company
	Import      *store.ContactImport // the import the contact came from, nil when created by hand
	Suppression *store.Suppression   // the entry that keeps the address out, nil when none does
	Enrollments []store.ContactEnrollment
	Events      []store.ContactEvent
	Decisions   []store.ContactDecision
	Jobs        []store.ContactJob
}

// ExportContact returns the Export of the contact with id, or
// store.ErrNotFound. It reads in one repeatable-read transaction, so the
// parts agree with each other.
func (s *Service) ExportContact(ctx context.Context, id uuid.UUID) (Export, error) {
	var e Export
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		var err error
		if e.Contact, err = store.NewContacts(tx).ByID(ctx, id); err != nil {
			return err
		}
		c := e.Contact
		if c.CompanyID != nil {
			if e.Company, err = optional(store.NewCompanies(tx).ByID(ctx, *c.CompanyID)); err != nil {
				return err
			}
		}
		pd := store.NewPersonalData(tx)
		if c.ImportID != nil {
			if e.Import, err = optional(pd.Import(ctx, *c.ImportID)); err != nil {
				return err
			}
		}
		keys := SuppressionKeys(s.hasher, c.Email, c.Domain)
		if e.Suppression, err = optional(store.NewSuppressions(tx).FirstMatch(ctx, keys)); err != nil {
			return err
		}
		if e.Enrollments, err = pd.Enrollments(ctx, id); err != nil {
			return err
		}
		if e.Events, err = pd.Events(ctx, id); err != nil {
			return err
		}
		if e.Decisions, err = pd.Decisions(ctx, id); err != nil {
			return err
		}
		e.Jobs, err = pd.Jobs(ctx, id)
		return err
	})
	if err != nil {
		return Export{}, fmt.Errorf("export contact: %w", err)
	}
	return e, nil
}

// optional turns store.ErrNotFound into a nil result.
func optional[T any](v T, err error) (*T, error) {
	switch {
	case err == nil:
		return &v, nil
	case isNotFound(err):
		return nil, nil
	default:
		return nil, err
	}
}

// WriteKeyValueCSV writes the JSON document doc as a two-column key,value
// CSV, one row per scalar in document order, keyed by its dotted path
// (contact.email, enrollments.0.status); an empty object or array is one
// row of {} or [], null an empty value. Every cell passes through
// imports.NeutralizeFormula, so stored text such as =HYPERLINK(...) is shown
// by a spreadsheet, never evaluated.
func WriteKeyValueCSV(w io.Writer, doc []byte) error {
	cw := csv.NewWriter(w)
	emit := func(k, v string) error {
		return cw.Write([]string{imports.NeutralizeFormula(k), imports.NeutralizeFormula(v)})
	}
	if err := emit("key", "value"); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := flattenJSON(dec, "", emit); err != nil {
		return fmt.Errorf("flatten export: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// flattenJSON reads one value from dec and emits a row for each scalar in it.
func flattenJSON(dec *json.Decoder, key string, emit func(k, v string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := 0
		for ; dec.More(); n++ {
			child := strconv.Itoa(n)
			if t == '{' {
				if tok, err = dec.Token(); err != nil {
					return err
				}
				child = tok.(string)
			}
			if err := flattenJSON(dec, joinKey(key, child), emit); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		if n > 0 {
			return nil
		}
		if t == '{' {
			return emit(key, "{}")
		}
		return emit(key, "[]")
	case string:
		return emit(key, t)
	case json.Number:
		return emit(key, t.String())
	case bool:
		return emit(key, strconv.FormatBool(t))
	default: // null
		return emit(key, "")
	}
}

func joinKey(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

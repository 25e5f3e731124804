package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// ContactInput is a contact as a client creates it. Email is required.
// Domain is the company's domain; when it is empty it is taken from the
// email unless that is a free-mail provider. CompanyID links an existing
// company instead, and then Domain, if given, must be that company's.
type ContactInput struct {
	Email        string
	FirstName    string
	LastName     string
	Title        string
	Seniority    string
	Phone        string
	LinkedInURL  string
	CompanyID    *uuid.UUID
	CompanyName  string
	Domain       string
	Country      string
	Timezone     string
	Tags         []string
	CustomFields map[string]any
	Source       string
}

// ContactPatch changes the fields it sets (non-nil) and keeps the others.
// CustomFields is an RFC 7396 merge patch over the stored object, applied
// after ClearCustomFields empties it. Setting CompanyIDSet with a nil
// CompanyID unlinks the company.
type ContactPatch struct {
	Email             *string
	FirstName         *string
	LastName          *string
	Title             *string
	Seniority         *string
	Phone             *string
	LinkedInURL       *string
	CompanyIDSet      bool
	CompanyID         *uuid.UUID
	CompanyName       *string
	Domain            *string
	Country           *string
	Timezone          *string
	Tags              *[]string
	CustomFields      map[string]any
	ClearCustomFields bool
	Source            *string
}

// contactFields validates and normalises the editable fields of c in place
// (all but Domain and CompanyID, which linkCompany owns), naming every bad
// one. Stored values pass again unchanged, so a patch can run it over the
// whole row.
func contactFields(v *ValidationError, c *store.Contact) {
	if e, err := NormalizeEmail(c.Email); err != nil {
		v.Add("email", "%v", err)
	} else {
		c.Email = e
	}
	c.FirstName = text(v, "first_name", c.FirstName, MaxShortText)
	c.LastName = text(v, "last_name", c.LastName, MaxShortText)
	c.Title = text(v, "title", c.Title, MaxShortText)
	c.Seniority = text(v, "seniority", c.Seniority, MaxShortText)
	if p, err := NormalizePhone(c.Phone); err != nil {
		v.Add("phone", "%v", err)
	} else {
		c.Phone = p
	}
	if u, err := normalizeURL(text(v, "linkedin_url", c.LinkedInURL, MaxLongText)); err != nil {
		v.Add("linkedin_url", "%v", err)
	} else {
		c.LinkedInURL = u
	}
	c.CompanyName = text(v, "company_name", c.CompanyName, MaxShortText)
	c.Country = text(v, "country", c.Country, MaxShortText)
	c.Timezone = text(v, "timezone", c.Timezone, MaxShortText)
	c.Source = text(v, "source", c.Source, MaxLongText)
	c.Tags = normalizeTags(v, "tags", c.Tags)
	checkCustomFields(v, "custom_fields", c.CustomFields)
}

// normalizeDomainField normalises a domain a client sent, "" meaning none.
func normalizeDomainField(v *ValidationError, field, s string) string {
	if s == "" {
		return ""
	}
	d, err := NormalizeDomain(s)
	if err != nil {
		v.Add(field, "%v", err)
	}
	return d
}

// CreateContact validates in, refuses a suppressed address, links or
// creates the company by domain and stores the contact, all in one
// transaction (shared with concurrent creates under WithGroupCommit). A taken email is a *ConflictError; bad input a
// *ValidationError naming each field.
func (s *Service) CreateContact(ctx context.Context, in ContactInput) (store.Contact, error) {
	v := &ValidationError{In: "body"}
	c := store.Contact{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Title: in.Title,
		Seniority: in.Seniority, Phone: in.Phone, LinkedInURL: in.LinkedInURL, CompanyName: in.CompanyName,
		Country: in.Country, Timezone: in.Timezone, Tags: in.Tags, CustomFields: in.CustomFields, Source: in.Source,
	}
	contactFields(v, &c)
	c.Domain = normalizeDomainField(v, "domain", in.Domain)
	if err := v.Err(); err != nil {
		return store.Contact{}, err
	}
	if c.Domain == "" && in.CompanyID == nil && !IsFreeMail(EmailDomain(c.Email)) {
		c.Domain = EmailDomain(c.Email)
	}
	return s.create(ctx, &pendingCreate{c: c, companyID: in.CompanyID, domainSent: in.Domain != ""})
}

// linkCompany points c at its company. With setID, c joins company id (or
// none when id is nil) and takes its domain, which must match c.Domain when
// the client also sent one (domainSent). Otherwise c joins the company of
// c.Domain, created on first sight, or none when c.Domain is "".
func linkCompany(ctx context.Context, tx pgx.Tx, c *store.Contact, setID bool, id *uuid.UUID, domainSent bool) error {
	companies := store.NewCompanies(tx)
	switch {
	case setID && id == nil:
		c.CompanyID = nil
	case setID:
		co, err := companies.ByID(ctx, *id)
		if isNotFound(err) {
			return invalid("body", "company_id", "no such company")
		} else if err != nil {
			return err
		}
		if domainSent && c.Domain != co.Domain {
			return invalid("body", "domain", "does not match the domain %q of company_id", co.Domain)
		}
		c.CompanyID, c.Domain = &co.ID, co.Domain
		if c.CompanyName == "" {
			c.CompanyName = co.Name
		}
	case c.Domain == "":
		c.CompanyID = nil
	default:
		cid, _, err := companies.Ensure(ctx, c.Domain, c.CompanyName)
		if err != nil {
			return err
		}
		c.CompanyID = &cid
	}
	return nil
}

// contactError turns the store's conflict into one naming the email; a
// company deleted between link and insert reads as a missing company.
func contactError(err error, email string) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return &ConflictError{Field: "email", Value: email}
	case isNotFound(err):
		return invalid("body", "company_id", "no such company")
	default:
		return err
	}
}

// Contact returns the contact with id, or store.ErrNotFound.
func (s *Service) Contact(ctx context.Context, id uuid.UUID) (store.Contact, error) {
	return store.NewContacts(s.pool).ByID(ctx, id)
}

// UpdateContact applies p to the contact with id under its row lock, with
// the rules of CreateContact for the fields p changes: a new email is
// validated, checked against the suppression list and must be free; a new
// domain relinks the company.
func (s *Service) UpdateContact(ctx context.Context, id uuid.UUID, p ContactPatch) (store.Contact, error) {
	var out store.Contact
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		contacts := store.NewContacts(tx)
		c, err := contacts.ByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		oldEmail, oldDomain := c.Email, c.Domain
		applyContactPatch(&c, p)
		v := &ValidationError{In: "body"}
		contactFields(v, &c)
		if p.Domain != nil {
			c.Domain = normalizeDomainField(v, "domain", *p.Domain)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if c.Email != oldEmail {
			if err := s.checkSuppressed(ctx, tx, "email", c.Email); err != nil {
				return err
			}
		}
		if c.Domain != oldDomain && c.Domain != "" {
			if err := s.checkSuppressed(ctx, tx, "domain", "", c.Domain); err != nil {
				return err
			}
		}
		if p.CompanyIDSet || c.Domain != oldDomain {
			if err := linkCompany(ctx, tx, &c, p.CompanyIDSet, p.CompanyID, p.Domain != nil && *p.Domain != ""); err != nil {
				return err
			}
		}
		if out, err = contacts.Update(ctx, c); err != nil {
			return contactError(err, c.Email)
		}
		return nil
	})
	if err != nil {
		return store.Contact{}, fmt.Errorf("update contact: %w", err)
	}
	return out, nil
}

func applyContactPatch(c *store.Contact, p ContactPatch) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Email, p.Email)
	set(&c.FirstName, p.FirstName)
	set(&c.LastName, p.LastName)
	set(&c.Title, p.Title)
	set(&c.Seniority, p.Seniority)
	set(&c.Phone, p.Phone)
	set(&c.LinkedInURL, p.LinkedInURL)
	set(&c.CompanyName, p.CompanyName)
	set(&c.Country, p.Country)
	set(&c.Timezone, p.Timezone)
	set(&c.Source, p.Source)
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	if p.ClearCustomFields {
		c.CustomFields = map[string]any{}
	}
	if p.CustomFields != nil {
		c.CustomFields = mergePatch(c.CustomFields, p.CustomFields)
	}
}

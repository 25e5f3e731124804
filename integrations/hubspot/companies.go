package hubspot

import (
	"context"
	"strings"
)

// Company properties the platform writes.
const (
	PropName     = "name"
	PropDomain   = "domain"
	PropIndustry = "industry"
	// PropExternalCompanyID is the custom unique-value property companies
	// are upserted on. HubSpot's domain is only a dedupe hint, not unique,
	// so it cannot key an upsert; the portal needs this property created
	// with hasUniqueValue: true.
	PropExternalCompanyID = "external_company_id"
)

// CompanyUpsert is the upsert input of a company keyed by the unique
// PropExternalCompanyID.
func CompanyUpsert(externalID string, props map[string]string, traceID string) UpsertInput {
	return UpsertInput{IDProperty: PropExternalCompanyID, ID: strings.TrimSpace(externalID), Properties: props, ObjectWriteTraceID: traceID}
}

// AssociateContactsWithCompanies gives each contact→company pair the
// default (unlabeled, type 279) association.
func (c *Client) AssociateContactsWithCompanies(ctx context.Context, pairs []AssociationPair) (*AssociateResult, error) {
	return c.Associations.BatchAssociateDefault(ctx, ObjectContacts, ObjectCompanies, pairs)
}

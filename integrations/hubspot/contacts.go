package hubspot

import (
	"context"
	"strings"
)

// Contact properties the platform writes. HubSpot refuses unknown
// properties for the whole batch, so custom ones must exist in the portal.
const (
	PropEmail     = "email"
	PropFirstName = "firstname"
	PropLastName  = "lastname"
	PropCompany   = "company"
	PropJobTitle  = "jobtitle"
	PropPhone     = "phone"
	PropWebsite   = "website"
	PropLifecycle = "lifecyclestage"
	PropCreated   = "createdate"
	PropObjectID  = "hs_object_id"
)

// ContactUpsert is the upsert input of a contact keyed by email, the one
// unique property every portal has: retried after a timeout it updates
// instead of creating a duplicate.
func ContactUpsert(email string, props map[string]string, traceID string) UpsertInput {
	return UpsertInput{IDProperty: PropEmail, ID: strings.ToLower(strings.TrimSpace(email)), Properties: props, ObjectWriteTraceID: traceID}
}

// ContactsByEmail reads contacts by email address (batch read keyed on the
// email property); addresses not found are one OBJECT_NOT_FOUND InputError.
func (c *Client) ContactsByEmail(ctx context.Context, emails []string, properties ...string) (*BatchResult, error) {
	return c.Contacts.BatchRead(ctx, ReadRequest{IDs: emails, IDProperty: PropEmail, Properties: properties})
}

// SearchContactsByEmailDomain is the search for contacts at a domain, e.g.
// before associating a company's people: email CONTAINS_TOKEN "*@domain".
func SearchContactsByEmailDomain(domain string, properties ...string) SearchRequest {
	return SearchRequest{
		FilterGroups: []FilterGroup{{Filters: []Filter{{PropertyName: PropEmail, Operator: OpContainsToken, Value: "*@" + strings.ToLower(domain)}}}},
		Properties:   properties,
		Sorts:        []Sort{{PropertyName: PropCreated, Direction: Ascending}},
		Limit:        MaxSearchLimit,
	}
}

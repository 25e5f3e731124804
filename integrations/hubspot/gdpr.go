package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// GDPRDeleteContact permanently deletes the contact with HubSpot object id
// objectID and all its associated content, as HubSpot's GDPR delete
// does (POST .../contacts/gdpr-delete, answered 204): an ordinary archive
// would keep the contact restorable for 90 days. A contact HubSpot does not
// know (deleted already) is a 404 *guard.APIError; see IsNotFound.
func (c *Client) GDPRDeleteContact(ctx context.Context, objectID string) error {
	if strings.TrimSpace(objectID) == "" {
		return fmt.Errorf("%w: gdpr delete needs the contact's object id", ErrInvalidRequest)
	}
	body := struct {
		ObjectID string `json:"objectId"`
	}{objectID}
	return c.do(ctx, BucketDefault, http.MethodPost, c.Contacts.path("gdpr-delete"), nil, body, nil)
}

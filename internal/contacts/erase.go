package contacts

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// Audit log entries written by erasure.
const (
	AuditContactErased = "contact.erased"
	auditTargetContact = "contact"
)

// EraseContact is GDPR erasure of the contact with id, in one transaction
// under the contact's row lock: its address is suppressed as a keyed hash
// only (reason "erased", so it is never imported or created again and the
// entry cannot be removed), the copies of its data that would outlive the
// row are scrubbed or deleted (store.PersonalData.EraseCopies), the row goes
// with its enrichment, enrollments and YOLO decisions, and an audit entry
// without personal data records who erased which id. actor is the API key
// acting, nil when none. An unknown or already erased id is
// store.ErrNotFound. Copies already pushed to vendors (CRM, outreach) are
// not touched.
func (s *Service) EraseContact(ctx context.Context, id uuid.UUID, actor *uuid.UUID) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows := store.NewContacts(tx)
		c, err := rows.ByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		pd := store.NewPersonalData(tx)
		if err := pd.SuppressErased(ctx, KindEmail, s.hasher.Hash(KindEmail, c.Email)); err != nil {
			return err
		}
		erased, err := pd.EraseCopies(ctx, id, c.Email)
		if err != nil {
			return err
		}
		if err := rows.Delete(ctx, id); err != nil {
			return err
		}
		return pd.Audit(ctx, actor, AuditContactErased, auditTargetContact, id.String(), erased)
	})
	if err != nil {
		return fmt.Errorf("erase contact: %w", err)
	}
	return nil
}

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
// store.ErrNotFound. Copies already pushed to vendors (the HubSpot contact,
// the lemlist leads) cannot be deleted inside a database transaction: their
// vendor ids are handed to the WithContactErased hook, which enqueues their
// deletion in this transaction; without the hook they stay.
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
		if err := s.eraseVendorCopies(ctx, tx, pd, id); err != nil {
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

// eraseVendorCopies hands the contact's vendor ids to the erased hook. It
// runs after EraseCopies, which deletes the contact's queued jobs by its id,
// and must: the jobs the hook enqueues are not the contact's to delete.
func (s *Service) eraseVendorCopies(ctx context.Context, tx pgx.Tx, pd *store.PersonalData, id uuid.UUID) error {
	if s.contactErased == nil {
		return nil
	}
	copies, err := pd.VendorCopies(ctx, id)
	if err != nil || copies.Empty() {
		return err
	}
	if err := s.contactErased(ctx, tx, copies); err != nil {
		return fmt.Errorf("delete vendor copies: %w", err)
	}
	return nil
}

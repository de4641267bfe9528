package app

import "licensedesk/storage"

// deleteBlock says why license l may not be deleted by a, or is nil.
//
// Nobody deletes a license that is on an open invoice (the invoice would
// bill a deleted key: pay or void it first), in an open transfer (cancel it
// first) or in the middle of an operation. A partner, besides, deletes only
// what it has finished with: not a license whose payment is pending (a
// manual-program partner would use it and never be billed), nor one in use
// (active, or with activated machines). The operator may delete those: the
// history keeps them, and an open invoice still refuses.
//
// An open transfer past its time is recorded as expired here, in the
// caller's transaction, as approving or cancelling it would; the caller
// reads the license afresh afterwards.
func (s *Service) deleteBlock(tx *storage.Tx, a Actor, l License) error {
	if l.Status.ReadOnly() { // with, or gone to, another desk: as every change says
		return Invalid("status", "%s", readOnlyWhy(l.Status))
	}
	number, held, err := invoiceHold(tx, l.ID)
	if err != nil {
		return err
	}
	if held {
		return Conflict("invoice", "license %s is on open invoice %s: pay or void the invoice before deleting the license; nothing was deleted", l.Key, number)
	}
	busy, err := s.inOpenTransfer(tx, l.ID)
	if err != nil {
		return err
	}
	if busy {
		return Conflict("transfer", "license %s is in an open transfer: cancel the transfer before deleting the license; nothing was deleted", l.Key)
	}
	if l.Status == StatusInProgress {
		return Conflict("status", "license %s is in progress (a renewal or migration is running): wait for it to finish; nothing was deleted", l.Key)
	}
	if a.IsOperator() {
		return nil
	}
	if l.Payment == PaymentPending {
		return Conflict("payment_status", "license %s is payment pending: check it out and pay for it, or ask the operator to cancel it; nothing was deleted", l.Key)
	}
	if len(l.Registrations) > 0 {
		return Conflict("registrations", "license %s is activated on %d machine(s): deactivate them before deleting the license; nothing was deleted", l.Key, len(l.Registrations))
	}
	if l.Status == StatusActive {
		return Conflict("status", "license %s is active and in use: suspend or cancel it first, or let it expire; nothing was deleted", l.Key)
	}
	return nil
}

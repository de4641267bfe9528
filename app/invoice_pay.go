package app

import (
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// InvoicePaymentInput is a payment the operator records (F27).
type InvoicePaymentInput struct {
	Amount    int64  `json:"amount"`    // minor units
	Date      string `json:"date"`      // YYYY-MM-DD the money arrived; default today
	Reference string `json:"reference"` // bank reference
	Partial   bool   `json:"partial"`   // accept less than due, leaving the rest open
}

// ShortPaymentError is a payment below what is due, not marked partial.
type ShortPaymentError struct {
	Due, Paid, Short Money
}

func (e *ShortPaymentError) Error() string {
	return "the payment of " + e.Paid.String() + " is " + e.Short.String() + " short of the " + e.Due.String() +
		" due; record it as partial to leave the rest open"
}

// PayInvoice pays an open invoice from the partner's balance (F27): the
// ledger entry, the invoice and every license turning paid are one
// transaction. The balance never goes below zero.
func (s *Service) PayInvoice(a Actor, id uint64) (InvoiceView, error) {
	err := s.update(func(tx *storage.Tx) error {
		inv, err := visibleInvoice(tx, a, id)
		if err != nil {
			return err
		}
		return s.payFromBalance(tx, a, inv)
	})
	if err != nil {
		return InvoiceView{}, err
	}
	return s.GetInvoice(a, id)
}

// payFromBalance pays what is due on an open invoice from its partner's
// balance and settles it, in the caller's transaction; a balance short of
// it is refused with the shortfall (ShortfallError).
func (s *Service) payFromBalance(tx *storage.Tx, a Actor, inv Invoice) error {
	if err := payable(inv); err != nil {
		return err
	}
	p, err := getPartner(tx, inv.PartnerID)
	if err != nil {
		return err
	}
	if p.Currency != inv.Currency {
		return Invalid("payment", "this invoice is in %s and %s's balance in %s: the operator records its payment", inv.Currency, p.Name, p.Currency)
	}
	due := inv.Due()
	if _, err := s.addLedger(tx, a, p, -due.Amount, LedgerPurchase, "invoice "+inv.Number); err != nil {
		return err
	}
	now := s.now()
	old := inv
	inv.Payments = append(inv.Payments, InvoicePayment{At: now, By: a.Email, Method: InvoicePayBalance,
		Amount: due.Amount, Date: now.Format(time.DateOnly), Reference: "balance"})
	inv.Paid.Amount += due.Amount
	return s.settleInvoice(tx, a, &old, &inv)
}

// RecordInvoicePayment records money received for an invoice (operator
// only). A payment short of what is due is refused with the difference,
// unless marked partial; the invoice stays open until paid in full.
func (s *Service) RecordInvoicePayment(a Actor, id uint64, in InvoicePaymentInput) (InvoiceView, error) {
	if err := a.requireOperator(); err != nil {
		return InvoiceView{}, err
	}
	in.Reference = strings.TrimSpace(in.Reference)
	in.Date = strings.TrimSpace(in.Date)
	switch {
	case in.Amount <= 0:
		return InvoiceView{}, Invalid("amount", "must be more than zero")
	case len(in.Reference) > 200:
		return InvoiceView{}, Invalid("reference", "must be at most 200 characters")
	case checkOneLine("reference", in.Reference) != nil:
		return InvoiceView{}, checkOneLine("reference", in.Reference)
	}
	var paidOn *time.Time // the day the money arrived; nil: today
	if in.Date != "" {
		d, err := time.Parse(time.DateOnly, in.Date)
		if err != nil {
			return InvoiceView{}, Invalid("date", "%q is not a date like 2026-12-31", in.Date)
		}
		if d.After(s.now()) {
			return InvoiceView{}, Invalid("date", "must not be in the future")
		}
		paidOn = &d // not a zero test: 0001-01-01 is time.Time's zero
	}
	err := s.update(func(tx *storage.Tx) error {
		inv, err := visibleInvoice(tx, a, id)
		if err != nil {
			return err
		}
		if err := payable(inv); err != nil {
			return err
		}
		if issued := inv.Created.UTC().Truncate(24 * time.Hour); paidOn != nil && paidOn.Before(issued) {
			return Invalid("date", "%s is before invoice %s was issued (%s)", in.Date, inv.Number, issued.Format(time.DateOnly))
		}
		due := inv.Due()
		if in.Amount > due.Amount {
			return Invalid("amount", "%s is more than the %s due", Money{in.Amount, inv.Currency}, due)
		}
		if in.Amount < due.Amount && !in.Partial {
			return &ShortPaymentError{Due: due, Paid: Money{in.Amount, inv.Currency}, Short: Money{due.Amount - in.Amount, inv.Currency}}
		}
		now := s.now()
		date := in.Date
		if date == "" {
			date = now.Format(time.DateOnly)
		}
		old := inv
		inv.Payments = append(inv.Payments, InvoicePayment{At: now, By: a.Email, Method: InvoicePayTransfer,
			Amount: in.Amount, Date: date, Reference: in.Reference, Partial: in.Amount < due.Amount})
		inv.Paid.Amount += in.Amount
		if inv.Paid.Amount < inv.Total.Amount {
			if err := putInvoice(tx, &old, &inv); err != nil {
				return err
			}
			return s.audit(tx, a, "invoice.payment", inv.Number, "partial "+Money{in.Amount, inv.Currency}.String()+" "+in.Reference)
		}
		return s.settleInvoice(tx, a, &old, &inv)
	})
	if err != nil {
		return InvoiceView{}, err
	}
	return s.GetInvoice(a, id)
}

func payable(inv Invoice) error {
	switch inv.State {
	case InvoicePaid:
		return Conflict("state", "invoice %s is already paid", inv.Number)
	case InvoiceVoid:
		return Conflict("state", "invoice %s was deleted (void) and cannot be paid", inv.Number)
	}
	return nil
}

// settleInvoice marks a fully paid invoice paid and every license on it
// paid, with history, in the caller's transaction. Keys never change.
// The licenses are read, released and written in id order, their index
// moves sorted and batched (putLicenses): 10,000 of them are one pass
// over each bucket rather than 10,000 random inserts.
func (s *Service) settleInvoice(tx *storage.Tx, a Actor, old, inv *Invoice) error {
	now := s.now()
	inv.State, inv.PaidAt = InvoicePaid, &now
	if inv.Kind == InvoiceRenewal {
		// A renewal invoice bills renewals, not the licenses' purchase:
		// their payment status is left alone (renew_invoice.go).
		if err := s.renewalInvoicePaid(tx, a, inv); err != nil {
			return err
		}
		if err := putInvoice(tx, old, inv); err != nil {
			return err
		}
		return s.audit(tx, a, "invoice.paid", inv.Number, inv.Total.String())
	}
	ids := make([]uint64, 0, inv.LineCount)
	if err := eachInvoiceLine(tx, inv.ID, func(l InvoiceLine) bool { ids = append(ids, l.LicenseID); return true }); err != nil {
		return err
	}
	slices.Sort(ids)
	olds, news := make([]License, 0, len(ids)), make([]License, 0, len(ids))
	for _, id := range ids {
		if err := releaseInvoiceLicense(tx, id); err != nil {
			return err
		}
		l, err := rawLicense(tx, id)
		if err != nil {
			return err
		}
		if l.Payment != PaymentPending {
			continue
		}
		olds = append(olds, l)
		l.Payment, l.Updated = PaymentPaid, now
		news = append(news, l)
	}
	if err := putLicenses(tx, olds, news); err != nil {
		return err
	}
	for i := range news {
		if err := s.writeHistory(tx, a, "payment", &olds[i], &news[i]); err != nil {
			return err
		}
	}
	if err := putInvoice(tx, old, inv); err != nil {
		return err
	}
	return s.audit(tx, a, "invoice.paid", inv.Number, inv.Total.String())
}

// VoidInvoice deletes an unpaid invoice (F28): its number stays, marked
// void, and its licenses are free for another checkout.
func (s *Service) VoidInvoice(a Actor, id uint64) (InvoiceView, error) {
	err := s.update(func(tx *storage.Tx) error {
		inv, err := visibleInvoice(tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case inv.State == InvoicePaid:
			return Conflict("state", "invoice %s is paid and cannot be deleted", inv.Number)
		case inv.State == InvoiceVoid:
			return Conflict("state", "invoice %s is already deleted (void)", inv.Number)
		case inv.Paid.Amount > 0:
			return Conflict("state", "invoice %s has %s paid on it: record the rest of the payment instead of deleting it", inv.Number, inv.Paid)
		}
		if inv.Kind == InvoiceRenewal {
			// Voiding a renewal invoice undoes its renewals (renew_invoice.go).
			if err := s.renewalInvoiceVoided(tx, a, inv); err != nil {
				return err
			}
		}
		err = eachInvoiceLine(tx, id, func(l InvoiceLine) bool {
			if cur, ok := invoiceClaim(tx, l.LicenseID); ok && cur == id {
				if err = releaseInvoiceLicense(tx, l.LicenseID); err != nil {
					return false
				}
			}
			return true
		})
		if err != nil {
			return err
		}
		now := s.now()
		old := inv
		inv.State, inv.VoidedAt, inv.VoidedBy = InvoiceVoid, &now, a.Email
		if err := putInvoice(tx, &old, &inv); err != nil {
			return err
		}
		if err := unmarkInvoiceMail(tx, id); err != nil {
			return err
		}
		return s.audit(tx, a, "invoice.void", inv.Number, inv.Total.String())
	})
	if err != nil {
		return InvoiceView{}, err
	}
	return s.GetInvoice(a, id)
}

package app

import (
	"slices"
	"strings"

	"licensedesk/storage"
)

// RefundInput names the licenses of an order to refund (all that can be,
// when empty) and why.
type RefundInput struct {
	LicenseIDs []uint64 `json:"license_ids"`
	Reason     string   `json:"reason"`
}

// RefundOrder cancels licenses of an order (F22): each turns cancelled
// with payment refunded, its price goes back to the balance (or off what
// an unpaid order still owes), and the order records who and why. A
// partner may refund within the refund window, and never an activated
// license; the operator may refund any license not yet refunded.
func (s *Service) RefundOrder(a Actor, orderID uint64, in RefundInput) (OrderView, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	err := s.update(func(tx *storage.Tx) error {
		o, err := visibleOrder(tx, a, orderID)
		if err != nil {
			return err // another partner's order is not found, before any other check
		}
		if err := checkOneLine("reason", in.Reason); err != nil {
			return err
		}
		switch {
		case in.Reason == "":
			return Invalid("reason", "say why the licenses are refunded")
		case len(in.Reason) > 500:
			return Invalid("reason", "must be at most 500 characters")
		case len(in.LicenseIDs) > MaxOrderLicenses:
			return Invalid("license_ids", "an order has at most %d licenses", MaxOrderLicenses)
		case o.Kind == OrderMonthly:
			return Invalid("license_ids", "a monthly charge bills seats already used; it has no licenses to refund")
		case o.State == OrderUnpaid && o.InvoiceID != 0:
			return Conflict("state", "order %s is billed on an open invoice: delete (void) the invoice to undo it", o.Number)
		}
		old := o
		o.Items = slices.Clone(o.Items)
		now := s.now()
		if !a.IsOperator() && now.After(o.Created.AddDate(0, 0, s.refundDays)) {
			return Invalid("license_ids", "the refund window of %d days after the purchase has passed; ask the operator", s.refundDays)
		}
		want := map[uint64]bool{}
		for _, id := range in.LicenseIDs {
			want[id] = true
		}
		found := 0
		var amount int64
		var refunded []uint64
		var blocked refundBlocks
		for i := range o.Items {
			it := &o.Items[i]
			if len(want) > 0 && !want[it.LicenseID] {
				continue
			}
			found++
			if it.Refunded != nil {
				if len(want) > 0 {
					return Conflict("license_ids", "license %d was already refunded", it.LicenseID)
				}
				continue
			}
			why, err := s.refundBlock(tx, o.PartnerID, it.LicenseID)
			if err != nil {
				return err
			}
			if why != "" {
				blocked.add(why, it.LicenseID)
				continue
			}
			l, err := getLicense(tx, it.LicenseID)
			if err != nil {
				return Invalid("license_ids", "license %d is no longer there to refund", it.LicenseID)
			}
			if !a.IsOperator() && (l.ValidFrom != nil || l.Status != StatusOrdered) {
				return Invalid("license_ids", "license %d has been activated (or is %s); only the operator can refund it", l.ID, l.Status)
			}
			if l.Status == StatusCancelled {
				if l.Payment != PaymentRefunded {
					// Used up as a coupon, or cancelled by hand: no
					// refund took it back, and none does now.
					return Conflict("license_ids", "license %d is already cancelled", l.ID)
				}
				// Refunded through another of its orders (its purchase,
				// or a renewal), perhaps racing this order's own payment
				// for it: what this order took for it comes back too,
				// once; the license stays as it is.
				if err := s.writeHistoryNote(tx, a, "refund", &l, "order "+o.Number+" refunded too: "+in.Reason); err != nil {
					return err
				}
				it.Refunded = &now
				amount += it.Price
				refunded = append(refunded, l.ID)
				continue
			}
			prev := l
			l.Status, l.Payment, l.Updated = StatusCancelled, PaymentRefunded, now
			if err := putLicense(tx, &prev, &l); err != nil {
				return err
			}
			if err := s.writeHistory(tx, a, "refund", &prev, &l); err != nil {
				return err
			}
			it.Refunded = &now
			amount += it.Price
			refunded = append(refunded, l.ID)
		}
		if found < len(want) {
			return Invalid("license_ids", "name licenses of order %s only", o.Number)
		}
		if err := blocked.err(o.Number, len(want) == 0); err != nil {
			return err // nothing is written: the transaction rolls back
		}
		if len(refunded) == 0 {
			return Conflict("license_ids", "order %s is already refunded", o.Number)
		}
		o.Refunded.Amount += amount
		ev := OrderEvent{At: now, By: a.Email, Action: "refund", Licenses: refunded, Reason: in.Reason}
		if o.State != OrderUnpaid && o.Payment != PayMonthly {
			p, err := getPartner(tx, o.PartnerID)
			if err != nil {
				return err
			}
			if p.Currency != o.Total.Currency {
				return Conflict("currency", "order %s was paid in %s and %s's balance is in %s: a refund would credit %s as %s; nothing was refunded",
					o.Number, o.Total.Currency, p.Name, p.Currency, Money{amount, o.Total.Currency}, Money{amount, p.Currency})
			}
			if _, err := s.addLedger(tx, a, p, amount, LedgerRefund, "order "+o.Number+": "+in.Reason); err != nil {
				return err
			}
			ev.Amount = amount
		}
		if o.Payment != PayMonthly {
			if err := addSales(tx, o.PartnerID, now, o.Total.Currency, -amount); err != nil {
				return err
			}
		}
		o.Events = append(slices.Clone(o.Events), ev)
		o.State = refundState(o)
		if err := putOrder(tx, &old, &o); err != nil {
			return err
		}
		return s.audit(tx, a, "order.refund", o.Number, Money{amount, o.Total.Currency}.String()+": "+in.Reason)
	})
	if err != nil {
		return OrderView{}, err
	}
	return s.GetOrder(a, orderID)
}

// refundState is an order's state after a refund: an unpaid order stays
// unpaid while something is left to pay.
func refundState(o Order) OrderState {
	n := 0
	for _, it := range o.Items {
		if it.Refunded != nil {
			n++
		}
	}
	switch {
	case n > 0 && n == len(o.Items):
		return OrderRefunded
	case o.State == OrderUnpaid:
		return OrderUnpaid
	case n > 0:
		return OrderPartlyRefunded
	}
	return OrderProcessed
}

// RecordOrderPayment marks an unpaid (invoice) order paid: the operator
// received the money. Its licenses not refunded turn paid.
func (s *Service) RecordOrderPayment(a Actor, orderID uint64, reference string) (OrderView, error) {
	if err := a.requireOperator(); err != nil {
		return OrderView{}, err
	}
	reference = strings.TrimSpace(reference)
	if len(reference) > 500 {
		return OrderView{}, Invalid("reference", "must be at most 500 characters")
	}
	err := s.update(func(tx *storage.Tx) error {
		o, err := getOrder(tx, orderID)
		if err != nil {
			return err
		}
		if o.State != OrderUnpaid {
			return Conflict("state", "order %s is %s, not waiting for payment", o.Number, o.State)
		}
		if o.InvoiceID != 0 {
			if inv, err := getInvoice(tx, o.InvoiceID); err == nil {
				return Conflict("state", "order %s is billed on invoice %s: record the payment on the invoice", o.Number, inv.Number)
			}
		}
		old := o
		now := s.now()
		for _, it := range o.Items {
			if it.Refunded != nil {
				continue
			}
			l, err := getLicense(tx, it.LicenseID)
			if err != nil || l.Payment != PaymentPending {
				continue
			}
			prev := l
			l.Payment, l.Updated = PaymentPaid, now
			if err := putLicense(tx, &prev, &l); err != nil {
				return err
			}
			if err := s.writeHistory(tx, a, "payment", &prev, &l); err != nil {
				return err
			}
		}
		due := o.Due()
		o.PaidAt = &now
		o.State = OrderProcessed
		o.State = refundState(o)
		o.Events = append(slices.Clone(o.Events), OrderEvent{At: now, By: a.Email, Action: "payment", Amount: 0, Reason: reference})
		if err := putOrder(tx, &old, &o); err != nil {
			return err
		}
		return s.audit(tx, a, "order.payment", o.Number, due.String()+" "+reference)
	})
	if err != nil {
		return OrderView{}, err
	}
	return s.GetOrder(a, orderID)
}

package app

import (
	"errors"
	"slices"
	"time"

	"licensedesk/storage"
)

// Renewals on a new invoice (F29: "put it on a new invoice; pay now pays
// that invoice at once"). The renewal is recorded as an order, as every
// renewal is (the order timeline shows it), and billed on a real invoice
// made by the checkout's own issueInvoice: a number from the gap-free
// invoice sequence, the partner's billing details and tax, its PDF mailed
// through the outbox, listed with the other invoices, paid from the
// balance (PayInvoice) or recorded by the operator, voided while unpaid.
// All of it is written in the renewal's transaction.
//
// When the period moves: at once, while the invoice is open. That is how
// a renewal on an unpaid order has always behaved, and what the invoice
// terms promise ("licenses stay usable while the invoice is open"): a
// reseller renewing on credit expects the customer's license not to lapse
// during the invoice's payment term, the expiry reminders and the
// auto-renew job to see the new end date, and the customer mail not to
// say "expires in 3 days" about a license renewed on invoice. Deferring
// the period to the payment would make each of those wrong.
//
// What keeps it consistent:
//   - the invoice claims each license (the checkout's claim): while it is
//     open the license cannot be renewed again, by any payment, nor put on
//     another invoice, so the invoice's period is always the newest one
//     and no license is renewed or charged twice;
//   - the period before and after is kept per license (renew_store.go) until
//     the invoice is paid or voided;
//   - paying it (balance or operator) settles the renewal order; the
//     licenses' dates, key and payment status do not change again;
//   - voiding it puts each license's period, edition and status back to
//     what they were before the renewal, with history, and marks the order
//     refunded (nothing was paid). A license whose period was changed by
//     hand since is not guessed at: the void is refused, naming it.

// renewalClaim refuses renewing a license held by an open invoice: any
// renewal while a renewal invoice holds it, and a renewal on an invoice
// while any invoice holds it (a license is on one open invoice at most).
func renewalClaim(tx *storage.Tx, l License, onInvoice bool) error {
	invID, ok := invoiceClaim(tx, l.ID)
	if !ok {
		return nil
	}
	inv, err := getInvoice(tx, invID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	switch {
	case inv.Kind == InvoiceRenewal:
		return Conflict("license_ids", "license %s was renewed on invoice %s, still open: pay or void that invoice before renewing it again", l.Key, inv.Number)
	case onInvoice:
		return Conflict("payment", "license %s is on open invoice %s: renew it by balance or on an order, or after that invoice is paid", l.Key, inv.Number)
	}
	return nil
}

// invoiceRenewal is a renewal billed on an open invoice: the license's
// period before it and the one it gave.
type invoiceRenewal struct {
	LicenseID  uint64     `json:"license_id"`
	OldFrom    *time.Time `json:"old_from,omitempty"`
	OldTo      *time.Time `json:"old_to,omitempty"`
	OldEdition string     `json:"old_edition"`
	OldMonths  int        `json:"old_months"`
	OldStatus  Status     `json:"old_status"`
	NewTo      time.Time  `json:"new_to"`
	NewEdition string     `json:"new_edition"`
	NewMonths  int        `json:"new_months"`
	NewStatus  Status     `json:"new_status"`
}

// billRenewals makes the invoice of renewals recorded on order o (not yet
// stored): one line per license, priced as the quote (the lines' subtotal
// is the order total; the partner's invoice tax comes on top as on every
// invoice), claiming each license, with each period kept for a void.
// Every line is in the partner's currency (planRenewal refuses a product
// priced in another), so a batch makes one invoice. paidNow: the invoice
// is paid in this same transaction, so no period is kept (a paid invoice
// is never voided).
func (s *Service) billRenewals(tx *storage.Tx, a Actor, p Partner, o *Order, plans []renewPlan, renewed []License, paidNow bool) (Invoice, error) {
	lines := make([]InvoiceLine, len(plans))
	for i, pl := range plans {
		if pl.credit != nil && pl.credit.Amount.Amount > 0 {
			return Invoice{}, Invalid("payment", "a migration with a credit for the current period is paid by balance or added to an open order, not put on an invoice")
		}
		if err := renewalClaim(tx, pl.old, true); err != nil {
			return Invoice{}, err
		}
		line := invoiceLine(pl.line)
		line.LicenseID, line.Key, line.Customer = pl.old.ID, pl.old.Key, pl.old.Customer
		if line.Customer == "" {
			line.Customer = pl.old.CustomerEmail
		}
		line.PeriodMonths = pl.months * pl.periods // the whole time the line renews for
		lines[i] = line
	}
	billing, err := getBilling(tx, p.ID)
	if err != nil {
		return Invoice{}, err
	}
	inv, err := invoiceFor(p, billing, p.Currency, lines)
	if err != nil {
		return Invoice{}, err
	}
	terms, err := currentTerms(tx)
	if err != nil {
		return Invoice{}, err
	}
	inv.Kind, inv.OrderID = InvoiceRenewal, o.ID
	if inv, err = s.issueInvoice(tx, a, terms, inv, lines); err != nil {
		return Invoice{}, err
	}
	o.InvoiceID = inv.ID
	if paidNow {
		return inv, nil
	}
	for i, pl := range plans {
		l := renewed[i]
		r := invoiceRenewal{LicenseID: l.ID, OldFrom: pl.old.ValidFrom, OldTo: pl.old.ValidTo, OldEdition: pl.old.Edition,
			OldMonths: pl.old.PeriodMonths, OldStatus: pl.old.Status, NewTo: *l.ValidTo, NewEdition: l.Edition, NewMonths: l.PeriodMonths, NewStatus: l.Status}
		if err := putInvoiceRenewal(tx, inv.ID, r); err != nil {
			return Invoice{}, err
		}
	}
	return inv, nil
}

// renewalInvoicePaid settles a paid renewal invoice in the caller's
// transaction: the licenses are released from it (their periods moved
// when it was made), each history says it was paid, and the renewal
// order turns processed with the payment on its timeline.
func (s *Service) renewalInvoicePaid(tx *storage.Tx, a Actor, inv *Invoice) error {
	lines, err := invoiceLines(tx, inv.ID)
	if err != nil {
		return err
	}
	for _, line := range lines {
		if err := releaseInvoiceLicense(tx, line.LicenseID); err != nil {
			return err
		}
		if err := deleteInvoiceRenewal(tx, inv.ID, line.LicenseID); err != nil {
			return err
		}
		l, err := rawLicense(tx, line.LicenseID)
		if err != nil {
			return err
		}
		if err := s.writeHistoryNote(tx, a, "renewal_paid", &l, "renewal on invoice "+inv.Number+" paid"); err != nil {
			return err
		}
	}
	o, err := getOrder(tx, inv.OrderID)
	if err != nil {
		return err
	}
	if o.State != OrderUnpaid {
		return nil
	}
	old := o
	now := s.now()
	var fromBalance int64
	for _, p := range inv.Payments {
		if p.Method == InvoicePayBalance {
			fromBalance += p.Amount
		}
	}
	o.PaidAt = &now
	o.State = refundState(Order{Items: o.Items}) // processed, or refunded when nothing is left
	o.Events = append(slices.Clone(o.Events), OrderEvent{At: now, By: a.Email, Action: "payment", Amount: -fromBalance, Licenses: o.LicenseIDs(),
		Reason: "invoice " + inv.Number})
	return putOrder(tx, &old, &o)
}

// renewalInvoiceVoided undoes the renewals of a renewal invoice being
// voided, in the caller's transaction: each license gets back the period,
// edition and status it had before (with history), and the renewal order
// is marked refunded with the void on its timeline. A license whose
// period was changed since the renewal refuses the void, naming it.
func (s *Service) renewalInvoiceVoided(tx *storage.Tx, a Actor, inv Invoice) error {
	lines, err := invoiceLines(tx, inv.ID)
	if err != nil {
		return err
	}
	now := s.now()
	var olds, news []License
	for _, line := range lines {
		r, ok, err := getInvoiceRenewal(tx, inv.ID, line.LicenseID)
		if err != nil {
			return err
		}
		if !ok {
			continue // nothing kept: nothing to undo
		}
		cur, err := rawLicense(tx, line.LicenseID)
		if err != nil {
			return err
		}
		if cur.PartnerID != inv.PartnerID {
			// The operator moved it to another partner since (AssignLicense):
			// undoing the renewal would shorten that partner's license.
			return Conflict("state", "license %s no longer belongs to %s, whom invoice %s bills; record the invoice's payment instead of deleting it, or move the license back first", cur.Key, inv.PartnerName, inv.Number)
		}
		if cur.ValidTo == nil || !cur.ValidTo.Equal(r.NewTo) || cur.Edition != r.NewEdition || cur.PeriodMonths != r.NewMonths {
			return Conflict("state", "license %s was changed after invoice %s renewed it; set its period back by hand, or record the invoice's payment, before deleting it", cur.Key, inv.Number)
		}
		l := cur
		l.Config = cloneMap(cur.Config)
		l.ValidFrom, l.ValidTo, l.Edition, l.PeriodMonths = r.OldFrom, r.OldTo, r.OldEdition, r.OldMonths
		if cur.Status == r.NewStatus {
			l.Status = r.OldStatus // an expired license renewed is expired again (the sweep expires one whose end has passed since)
		}
		l.Updated = now
		olds, news = append(olds, cur), append(news, l)
		if err := deleteInvoiceRenewal(tx, inv.ID, line.LicenseID); err != nil {
			return err
		}
	}
	if err := putLicenses(tx, olds, news); err != nil {
		return err
	}
	for i := range news {
		if err := s.writeHistory(tx, a, "renewal_void", &olds[i], &news[i]); err != nil {
			return err
		}
		if err := s.writeHistoryNote(tx, a, "renewal_void", &news[i], "invoice "+inv.Number+" deleted: renewal undone"); err != nil {
			return err
		}
	}
	o, err := getOrder(tx, inv.OrderID)
	if err != nil {
		return err
	}
	if o.State != OrderUnpaid {
		return nil
	}
	old := o
	o.Items = slices.Clone(o.Items)
	var ids []uint64
	for i := range o.Items {
		if o.Items[i].Refunded == nil {
			o.Items[i].Refunded = &now
			ids = append(ids, o.Items[i].LicenseID)
		}
	}
	if left := o.Total.Amount - o.Refunded.Amount; left != 0 {
		// The renewal counted as a sale when made: undone, it comes off.
		if err := addSales(tx, o.PartnerID, now, o.Total.Currency, -left); err != nil {
			return err
		}
	}
	o.Refunded = o.Total
	o.State = OrderRefunded
	o.Events = append(slices.Clone(o.Events), OrderEvent{At: now, By: a.Email, Action: "void", Licenses: ids,
		Reason: "invoice " + inv.Number + " deleted: renewal undone"})
	return putOrder(tx, &old, &o)
}

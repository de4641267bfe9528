package app

import (
	"fmt"
	"strings"

	"licensedesk/storage"
)

// Order confirmations (F21, F41): written to the outbox in the same
// transaction as the purchase (or the resend), with every key and its
// activation link, and sent by the outbox's sender.

// orderRecipient is where a partner's order mails go: the partner's
// contact address, else the partner user who bought. None: no mail.
func orderRecipient(a Actor, p Partner) string {
	if p.Email != "" {
		return p.Email
	}
	if a.Role == RolePartner && strings.Contains(a.Email, "@") {
		return a.Email
	}
	return ""
}

// confirmationText renders the mail body of an order.
// made holds licenses the caller has just written (a purchase), so they
// are not read back; others are read from tx.
func (s *Service) confirmationText(tx *storage.Tx, o *Order, p Partner, made []License) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nthank you for your order %s of %s (UTC).\n\n", p.Name, o.Number, o.Created.Format("2006-01-02 15:04"))
	for _, l := range o.Lines {
		fmt.Fprintf(&b, "%s %s, %d %s, %s × %d\n", l.ProductName, l.EditionName, l.Seats, plural(l.Seats, "seat", "seats"), PeriodLabel(l.PeriodMonths), l.Quantity)
		for _, st := range l.Steps {
			label := st.Label
			if st.Kind == "list" {
				label = "List price " + label
			}
			fmt.Fprintf(&b, "  %-50s %15s\n", label, FormatAmount(st.Amount, l.Currency))
		}
	}
	fmt.Fprintf(&b, "\nTotal: %s\n", o.Total)
	if o.Payment == PayInvoice {
		b.WriteString("Payment: by invoice. The licenses are ordered with payment pending until the payment is recorded.\n")
	} else {
		b.WriteString("Payment: from your balance.\n")
	}
	b.WriteString("\nYour license keys and their activation links. A license period starts when its key is first activated or assigned to a customer.\n\n")
	for i, it := range o.Items {
		var l License
		if i < len(made) && made[i].ID == it.LicenseID {
			l = made[i]
		} else {
			var err error
			if l, err = rawLicense(tx, it.LicenseID); err != nil {
				continue
			}
		}
		if !o.owns(&l) { // the mail goes to the order's partner, whoever resends it
			fmt.Fprintf(&b, "License %d: %s; its key is no longer yours to hand out\n", it.LicenseID, TransferredNote)
			continue
		}
		if l.Deleted != nil {
			fmt.Fprintf(&b, "License %d: %s; its key is no longer yours to hand out\n", it.LicenseID, DeletedNote)
			continue
		}
		if path, err := s.activationPathTx(tx, &l); err == nil && path != "" {
			fmt.Fprintf(&b, "%s  %s%s\n", l.Key, s.baseURL, path)
		} else {
			fmt.Fprintf(&b, "%s\n", l.Key)
		}
	}
	b.WriteString("\n-- \nlicensedesk\n")
	return b.String()
}

// queueConfirmation writes an order's confirmation to the outbox in tx.
// An order for a partner with no address writes none.
func (s *Service) queueConfirmation(tx *storage.Tx, a Actor, p Partner, o *Order, made []License, resend bool) (bool, error) {
	to := orderRecipient(a, p)
	if to == "" {
		return false, nil
	}
	subject := "Order " + o.Number + ": your license keys"
	if resend {
		subject = "Again: " + subject
	}
	_, err := s.queueMail(tx, MailInput{Kind: "order_confirmation", PartnerID: p.ID, Ref: "order:" + uintStr(o.ID),
		To: []string{to}, Subject: subject, Text: s.confirmationText(tx, o, p, made)})
	return err == nil, err
}

// ResendConfirmation queues the order's confirmation again (F21).
func (s *Service) ResendConfirmation(a Actor, orderID uint64) error {
	return s.update(func(tx *storage.Tx) error {
		o, err := visibleOrder(tx, a, orderID)
		if err != nil {
			return err
		}
		p, err := getPartner(tx, o.PartnerID)
		if err != nil {
			return err
		}
		ok, err := s.queueConfirmation(tx, a, p, &o, nil, true)
		if err != nil {
			return err
		}
		if !ok {
			return Invalid("email", "%s has no email address to send the confirmation to; add one on the partner page", p.Name)
		}
		return s.audit(tx, a, "order.resend", o.Number, "")
	})
}

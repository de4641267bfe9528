package app

import (
	"licensedesk/storage"
)

// GetInvoice returns an invoice with its lines; another partner's is not found.
func (s *Service) GetInvoice(a Actor, id uint64) (InvoiceView, error) {
	var v InvoiceView
	err := s.db.View(func(tx *storage.Tx) error {
		inv, err := visibleInvoice(tx, a, id)
		if err != nil {
			return err
		}
		lines, err := invoiceLines(tx, id)
		if err != nil {
			return err
		}
		v = invoiceView(inv, lines)
		return nil
	})
	return v, err
}

func invoiceView(inv Invoice, lines []InvoiceLine) InvoiceView {
	v := InvoiceView{Invoice: inv, Due: inv.Due(), Lines: lines, LicenseIDs: make([]uint64, len(lines))}
	if v.Lines == nil {
		v.Lines = []InvoiceLine{}
	}
	if v.Payments == nil {
		v.Payments = []InvoicePayment{}
	}
	for i, l := range lines {
		v.LicenseIDs[i] = l.LicenseID
	}
	return v
}

// InvoiceByNumber finds a visible invoice by its number.
func (s *Service) InvoiceByNumber(a Actor, number string) (InvoiceView, error) {
	var id uint64
	err := s.db.View(func(tx *storage.Tx) error {
		n, ok := invoiceByNumber(tx, number)
		if !ok {
			return ErrNotFound
		}
		id = n
		return nil
	})
	if err != nil {
		return InvoiceView{}, err
	}
	return s.GetInvoice(a, id)
}

// LicenseInvoice returns the open invoice a license is on, if any.
func (s *Service) LicenseInvoice(a Actor, licenseID uint64) (InvoiceSummary, bool, error) {
	var out InvoiceSummary
	var found bool
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := visibleLicense(tx, a, licenseID); err != nil {
			return err
		}
		id, ok := invoiceClaim(tx, licenseID)
		if !ok {
			return nil
		}
		inv, err := visibleInvoice(tx, a, id)
		if err != nil {
			return err
		}
		out, found = inv.summary(), true
		return nil
	})
	return out, found, err
}

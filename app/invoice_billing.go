package app

import (
	"strings"
	"time"

	"licensedesk/storage"
)

// PartnerBilling is what an invoice prints about the partner it bills:
// its legal name and address, VAT ID, where invoices are mailed, and the
// tax rate charged on its invoices. A rate of zero with a VAT ID set
// prints a reverse-charge note.
type PartnerBilling struct {
	Name    string    `json:"name"` // legal name; empty: the partner's name
	Address string    `json:"address"`
	VATID   string    `json:"vat_id"`
	Email   string    `json:"email"` // invoices go here; empty: the partner's email
	TaxBP   int       `json:"tax_bp"`
	Updated time.Time `json:"updated,omitzero"`
}

// GetBilling returns a partner's billing details.
func (s *Service) GetBilling(a Actor, partnerID uint64) (PartnerBilling, error) {
	if !a.canSeePartner(partnerID) {
		return PartnerBilling{}, ErrNotFound
	}
	var b PartnerBilling
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := getPartner(tx, partnerID); err != nil {
			return err
		}
		var err error
		b, err = getBilling(tx, partnerID)
		return err
	})
	return b, err
}

// SetBilling replaces a partner's billing details (operator only: the
// tax rate is the operator's to set).
func (s *Service) SetBilling(a Actor, partnerID uint64, in PartnerBilling) (PartnerBilling, error) {
	if err := a.requireOperator(); err != nil {
		return PartnerBilling{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Address = cleanMultiLine(in.Address)
	in.VATID = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.VATID), " ", ""))
	in.Email = normEmail(in.Email)
	switch {
	case len(in.Name) > 200:
		return PartnerBilling{}, Invalid("name", "must be at most 200 characters")
	case len(in.Address) > 1000:
		return PartnerBilling{}, Invalid("address", "must be at most 1000 characters")
	case len(in.VATID) > 40:
		return PartnerBilling{}, Invalid("vat_id", "must be at most 40 characters")
	case in.TaxBP < 0 || in.TaxBP > 10000:
		return PartnerBilling{}, Invalid("tax_bp", "must be between 0 and 10000 (0 to 100 percent)")
	}
	for _, err := range []error{checkOneLine("name", in.Name), checkMultiLine("address", in.Address), checkOneLine("vat_id", in.VATID)} {
		if err != nil {
			return PartnerBilling{}, err
		}
	}
	if in.Email != "" {
		if err := validEmail("email", in.Email); err != nil {
			return PartnerBilling{}, err
		}
	}
	err := s.update(func(tx *storage.Tx) error {
		p, err := getPartner(tx, partnerID)
		if err != nil {
			return err
		}
		in.Updated = s.now()
		if err := putBilling(tx, partnerID, in); err != nil {
			return err
		}
		return s.audit(tx, a, "partner.billing", p.PublicID, "tax "+FormatBP(in.TaxBP)+"%")
	})
	return in, err
}

// billingParty is the partner's block on an invoice.
func billingParty(p Partner, b PartnerBilling) Party {
	out := Party{Name: b.Name, Address: b.Address, VATID: b.VATID, Email: b.Email}
	if out.Name == "" {
		out.Name = p.Name
	}
	if out.Email == "" {
		out.Email = p.Email
	}
	return out
}

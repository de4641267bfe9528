package app

import (
	"errors"

	"licensedesk/storage"
)

// linkedCustomer is the customer record license l links to, when the
// actor may see it and it belongs to the license's partner: customers
// belong to a partner, and a license the operator moved to another
// partner keeps no link to the old partner's customer.
func linkedCustomer(tx *storage.Tx, a Actor, l *License) (Customer, bool) {
	id := licenseCustomerID(tx, l.ID)
	if id == 0 {
		return Customer{}, false
	}
	c, err := visibleCustomer(tx, a, id)
	if err != nil || c.PartnerID != l.PartnerID {
		return Customer{}, false
	}
	return c, true
}

// LicenseCustomerIDs maps each of the licenses that the actor may see and
// that link to a customer record (of the license's own partner) to that
// record's id: the license list links its customers with it. Licenses
// the actor may not see, and unknown ids, are left out.
func (s *Service) LicenseCustomerIDs(a Actor, licenseIDs []uint64) (map[uint64]uint64, error) {
	out := make(map[uint64]uint64, len(licenseIDs))
	err := s.db.View(func(tx *storage.Tx) error {
		for _, id := range licenseIDs {
			l, err := visibleLicense(tx, a, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if c, ok := linkedCustomer(tx, a, &l); ok {
				out[id] = c.ID
			}
		}
		return nil
	})
	return out, err
}

package app

import (
	"encoding/binary"
	"encoding/json"

	"licensedesk/storage"
)

// Customer records and their links to licenses. Customers are not in the
// search index: a partner's list is read from its own index and filtered.
//
//	customers:            id -> Customer (JSON)
//	idx_customer_email:   partner id | lower(email) -> customer id (one record per address per partner)
//	idx_customer_partner: partner id | customer id -> nil (a partner's customers, oldest first)
//	idx_customer_license: customer id | license id -> nil (a customer's licenses)
//	idx_license_customer: license id -> customer id

func customerEmailKey(partner uint64, email string) []byte {
	return append(storage.EncodeID(partner), email...)
}

func getCustomer(tx *storage.Tx, id uint64) (Customer, error) {
	var c Customer
	raw := tx.GetRaw(storage.Customers, storage.EncodeID(id))
	if raw == nil {
		return c, ErrNotFound
	}
	err := json.Unmarshal(raw, &c)
	return c, err
}

// customerByEmail finds a partner's customer by address ("" when none).
func customerByEmail(tx *storage.Tx, partner uint64, email string) (Customer, error) {
	raw := tx.GetRaw(storage.CustomersByEmail, customerEmailKey(partner, email))
	if raw == nil {
		return Customer{}, ErrNotFound
	}
	return getCustomer(tx, storage.DecodeID(raw))
}

// putCustomer writes a customer and moves its email index entry from old
// (nil for a new record).
func putCustomer(tx *storage.Tx, old, c *Customer) error {
	if old == nil || old.Email != c.Email {
		if c.Email != "" {
			k := customerEmailKey(c.PartnerID, c.Email)
			if cur := tx.GetRaw(storage.CustomersByEmail, k); cur != nil && storage.DecodeID(cur) != c.ID {
				return Conflict("email", "this partner already has a customer with the email %s", c.Email)
			}
			if err := tx.PutRaw(storage.CustomersByEmail, k, storage.EncodeID(c.ID)); err != nil {
				return err
			}
		}
		if old != nil && old.Email != "" {
			if err := tx.Delete(storage.CustomersByEmail, customerEmailKey(old.PartnerID, old.Email)); err != nil {
				return err
			}
		}
	}
	if old == nil {
		k := binary.BigEndian.AppendUint64(storage.EncodeID(c.PartnerID), c.ID)
		if err := tx.PutRaw(storage.CustomersByPartner, k, nil); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.Customers, storage.EncodeID(c.ID), raw)
}

// linkLicenseCustomer makes customer the license's customer record,
// replacing any earlier link.
func linkLicenseCustomer(tx *storage.Tx, license, customer uint64) error {
	if cur := tx.GetRaw(storage.LicenseCustomer, storage.EncodeID(license)); cur != nil {
		if err := tx.Delete(storage.CustomerLicenses, binary.BigEndian.AppendUint64(append([]byte(nil), cur...), license)); err != nil {
			return err
		}
	}
	if err := tx.PutRaw(storage.LicenseCustomer, storage.EncodeID(license), storage.EncodeID(customer)); err != nil {
		return err
	}
	return tx.PutRaw(storage.CustomerLicenses, binary.BigEndian.AppendUint64(storage.EncodeID(customer), license), nil)
}

// licenseCustomerID is the customer record a license links to (0: none).
func licenseCustomerID(tx *storage.Tx, license uint64) uint64 {
	if raw := tx.GetRaw(storage.LicenseCustomer, storage.EncodeID(license)); raw != nil {
		return storage.DecodeID(raw)
	}
	return 0
}

// customerLicenseIDs lists a customer's licenses, oldest first.
func customerLicenseIDs(tx *storage.Tx, customer uint64) []uint64 {
	var ids []uint64
	tx.Each(storage.CustomerLicenses, storage.EncodeID(customer), func(k, _ []byte) bool {
		ids = append(ids, storage.DecodeID(k[8:]))
		return true
	})
	return ids
}

// partnerCustomerIDs walks a partner's customers (every partner's, for
// partner 0 and all true), in id order.
func eachCustomer(tx *storage.Tx, partner uint64, all bool, fn func(c Customer) bool) error {
	var err error
	if all {
		tx.Each(storage.Customers, nil, func(_, v []byte) bool {
			var c Customer
			if err = json.Unmarshal(v, &c); err != nil {
				return false
			}
			return fn(c)
		})
		return err
	}
	tx.Each(storage.CustomersByPartner, storage.EncodeID(partner), func(k, _ []byte) bool {
		var c Customer
		if c, err = getCustomer(tx, storage.DecodeID(k[8:])); err != nil {
			return false
		}
		return fn(c)
	})
	return err
}

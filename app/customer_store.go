package app

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"time"

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
//	idx_customer_key:     partner id | grouping name 0x00 email -> customer id (customerGroupKey)

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
	// The grouping index follows the name and email; a key another record
	// holds already (an older record of the same customer) stays with it.
	var oldKey []byte
	if old != nil {
		oldKey = customerGroupKey(old.PartnerID, old.Name, old.Email)
	}
	if newKey := customerGroupKey(c.PartnerID, c.Name, c.Email); !bytes.Equal(oldKey, newKey) {
		if oldKey != nil {
			if cur := tx.GetRaw(storage.CustomersByKey, oldKey); cur != nil && storage.DecodeID(cur) == c.ID {
				if err := tx.Delete(storage.CustomersByKey, oldKey); err != nil {
					return err
				}
			}
		}
		if tx.GetRaw(storage.CustomersByKey, newKey) == nil {
			if err := tx.PutRaw(storage.CustomersByKey, newKey, storage.EncodeID(c.ID)); err != nil {
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

// customerGroupKey is the one rule that groups typed customers into
// records: the same partner, the same name ignoring case and runs of
// spaces, and the same email (normEmail) are one customer. A customer
// typed with an email only is named by its email, as its record is.
func customerGroupKey(partner uint64, name, email string) []byte {
	email = normEmail(email)
	name = strings.ToLower(strings.Join(strings.Fields(name), " "))
	if name == "" {
		name = email
	}
	k := make([]byte, 0, 8+len(name)+1+len(email))
	k = append(append(append(append(k, storage.EncodeID(partner)...), name...), 0), email...)
	return k
}

// hasCustomer reports whether a license names a customer at all.
func hasCustomer(l *License) bool {
	return strings.TrimSpace(l.Customer) != "" || normEmail(l.CustomerEmail) != ""
}

// customerMoves reports whether a license write from old (nil: a new
// license) to l changes which customer record it belongs to: its partner
// or its typed customer changed under the grouping rule. A write that
// leaves partner and customer alone (a note, a status) costs three
// comparisons.
func customerMoves(old, l *License) bool {
	if old == nil {
		return hasCustomer(l)
	}
	if old.PartnerID == l.PartnerID && old.Customer == l.Customer && old.CustomerEmail == l.CustomerEmail {
		return false
	}
	return old.PartnerID != l.PartnerID ||
		!bytes.Equal(customerGroupKey(old.PartnerID, old.Customer, old.CustomerEmail), customerGroupKey(l.PartnerID, l.Customer, l.CustomerEmail))
}

// customerLinks links licenses to the records of their typed customers
// inside one transaction: a license's customer (under its partner, by
// customerGroupKey) is found through idx_customer_key or created, each
// customer looked up once per transaction; the index writes are collected
// and flush writes them in key order, so a batch of thousands of licenses
// stays one linear pass. Set each license at most once, then flush.
type customerLinks struct {
	tx   *storage.Tx
	now  time.Time
	ids  map[string]uint64 // group key -> customer id, found or made in this transaction
	mail map[string]bool   // email index keys given out in this transaction
	puts map[string][]custKV
	dels map[string][][]byte
}

type custKV struct{ k, v []byte }

func newCustomerLinks(tx *storage.Tx, now time.Time) *customerLinks {
	return &customerLinks{tx: tx, now: now, ids: map[string]uint64{}, mail: map[string]bool{},
		puts: map[string][]custKV{}, dels: map[string][][]byte{}}
}

func (c *customerLinks) put(bucket string, k, v []byte) {
	c.puts[bucket] = append(c.puts[bucket], custKV{k, v})
}

// set links license l, written from old (nil: new), to its customer's
// record, moving a link it had, or unlinks it when it names no customer.
// A record that is left without licenses stays: it is in the partner's
// customer list.
func (c *customerLinks) set(old, l *License) error {
	var cur uint64
	if old != nil {
		cur = licenseCustomerID(c.tx, l.ID)
	}
	var id uint64
	if hasCustomer(l) {
		var err error
		if id, err = c.find(l.PartnerID, l.Customer, l.CustomerEmail); err != nil {
			return err
		}
	}
	if id == cur {
		return nil
	}
	lk := storage.EncodeID(l.ID)
	if cur != 0 {
		c.dels[storage.CustomerLicenses] = append(c.dels[storage.CustomerLicenses], binary.BigEndian.AppendUint64(storage.EncodeID(cur), l.ID))
		if id == 0 {
			c.dels[storage.LicenseCustomer] = append(c.dels[storage.LicenseCustomer], lk)
		}
	}
	if id != 0 {
		c.put(storage.LicenseCustomer, lk, storage.EncodeID(id))
		c.put(storage.CustomerLicenses, binary.BigEndian.AppendUint64(storage.EncodeID(id), l.ID), nil)
	}
	return nil
}

// find returns the partner's record of the typed customer, creating it
// (named as typed, created now) when there is none.
func (c *customerLinks) find(partner uint64, name, email string) (uint64, error) {
	gk := customerGroupKey(partner, name, email)
	if id, ok := c.ids[string(gk)]; ok {
		return id, nil
	}
	if raw := c.tx.GetRaw(storage.CustomersByKey, gk); raw != nil {
		id := storage.DecodeID(raw)
		if c.tx.GetRaw(storage.Customers, raw) != nil {
			c.ids[string(gk)] = id
			return id, nil
		}
	}
	id, err := c.tx.NextID(storage.Customers)
	if err != nil {
		return 0, err
	}
	cu := Customer{ID: id, PartnerID: partner, Name: strings.TrimSpace(name), Email: normEmail(email), Created: c.now, Updated: c.now}
	if cu.Name == "" {
		cu.Name = cu.Email
	}
	raw, err := json.Marshal(cu)
	if err != nil {
		return 0, err
	}
	c.put(storage.Customers, storage.EncodeID(id), raw)
	c.put(storage.CustomersByPartner, binary.BigEndian.AppendUint64(storage.EncodeID(partner), id), nil)
	c.put(storage.CustomersByKey, gk, storage.EncodeID(id))
	if cu.Email != "" { // the first record of an address holds it for activation by email
		ek := customerEmailKey(partner, cu.Email)
		if !c.mail[string(ek)] && c.tx.GetRaw(storage.CustomersByEmail, ek) == nil {
			c.mail[string(ek)] = true
			c.put(storage.CustomersByEmail, ek, storage.EncodeID(id))
		}
	}
	c.ids[string(gk)] = id
	return id, nil
}

// flush writes what set collected, deletions first, each bucket's keys in
// order.
func (c *customerLinks) flush() error {
	for bucket, ks := range c.dels {
		slices.SortFunc(ks, bytes.Compare)
		for _, k := range ks {
			if err := c.tx.Delete(bucket, k); err != nil {
				return err
			}
		}
	}
	for bucket, kvs := range c.puts {
		slices.SortFunc(kvs, func(a, b custKV) int { return bytes.Compare(a.k, b.k) })
		for _, e := range kvs {
			if err := c.tx.PutRaw(bucket, e.k, e.v); err != nil {
				return err
			}
		}
	}
	clear(c.dels)
	clear(c.puts)
	return nil
}

// linkCustomers links each license of a write (olds[i] the stored
// version of ls[i]; olds nil for new licenses) whose customer or partner
// changed, in one pass with sorted writes.
func linkCustomers(tx *storage.Tx, now time.Time, olds, ls []License) error {
	var c *customerLinks
	for i := range ls {
		var old *License
		if olds != nil {
			old = &olds[i]
		}
		if !customerMoves(old, &ls[i]) {
			continue
		}
		if c == nil {
			c = newCustomerLinks(tx, now)
		}
		if err := c.set(old, &ls[i]); err != nil {
			return err
		}
	}
	if c == nil {
		return nil
	}
	return c.flush()
}

package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"licensedesk/storage"
)

// migrateCustomerKeys fills idx_customer_key, the grouping index through
// which every license write finds its customer's record, from the
// records there are (the oldest record of a customer holds the key), and
// links the licenses that name a customer but link to none (customers
// typed after migration 9 stayed text until then) or link to a record of
// another partner (the operator moved them): they get their partner's
// record of their customer (partner, name and email as customerGroupKey
// groups them), made when there is none, as any license write does now.
func migrateCustomerKeys(tx *storage.Tx) error {
	var keys []custKV
	taken := map[string]bool{}
	partnerOf := map[uint64]uint64{} // customer id -> its partner
	var err error
	tx.Each(storage.Customers, nil, func(k, v []byte) bool {
		var c Customer
		if err = json.Unmarshal(v, &c); err != nil {
			err = fmt.Errorf("customer %d: %w", storage.DecodeID(k), err)
			return false
		}
		partnerOf[c.ID] = c.PartnerID
		gk := customerGroupKey(c.PartnerID, c.Name, c.Email)
		if !taken[string(gk)] && tx.GetRaw(storage.CustomersByKey, gk) == nil {
			taken[string(gk)] = true
			keys = append(keys, custKV{gk, bytes.Clone(k)})
		}
		return true
	})
	if err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b custKV) int { return bytes.Compare(a.k, b.k) })
	for _, e := range keys {
		if err := tx.PutRaw(storage.CustomersByKey, e.k, e.v); err != nil {
			return err
		}
	}
	links := newCustomerLinks(tx, time.Time{})
	tx.Each(storage.Licenses, nil, func(k, v []byte) bool {
		var l License
		if l, err = decodeLicense(v); err != nil {
			err = fmt.Errorf("license %d: %w", storage.DecodeID(k), err)
			return false
		}
		links.now = l.Purchased // a record made here dates from its first license's purchase
		if cur := tx.GetRaw(storage.LicenseCustomer, k); cur != nil {
			if p, ok := partnerOf[storage.DecodeID(cur)]; !ok || p != l.PartnerID {
				err = links.set(&l, &l) // moved to another partner: its customer follows
			}
			return err == nil
		}
		if l.Deleted != nil || !hasCustomer(&l) {
			return true
		}
		err = links.set(nil, &l)
		return err == nil
	})
	if err != nil {
		return err
	}
	return links.flush()
}

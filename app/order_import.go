package app

import (
	"bytes"
	"encoding/json"
	"slices"

	"licensedesk/storage"
)

// ImportOrders stores prepared orders in bulk, for loaders such as the
// benchmark generator (operator only): ids are assigned here, records and
// list indexes are written in sorted order, sales sums are moved, and no
// history is written. Each order's number must be unique.
func (s *Service) ImportOrders(a Actor, batch []Order) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	type kv struct{ k, v []byte }
	return s.db.Update(func(tx *storage.Tx) error {
		var recs, nums, idx []kv
		for i := range batch {
			o := &batch[i]
			id, err := nextOrderID(tx)
			if err != nil {
				return err
			}
			o.ID = id
			raw, err := json.Marshal(o)
			if err != nil {
				return err
			}
			recs = append(recs, kv{storage.EncodeID(id), raw})
			nums = append(nums, kv{[]byte(o.Number), storage.EncodeID(id)})
			for _, k := range orderIndexKeys(o) {
				idx = append(idx, kv{k, nil})
			}
			if o.Payment != PayMonthly {
				if err := addSales(tx, o.PartnerID, o.Created, o.Total.Currency, o.Total.Amount-o.Refunded.Amount); err != nil {
					return err
				}
			}
		}
		byKey := func(x, y kv) int { return bytes.Compare(x.k, y.k) }
		for _, set := range []struct {
			bucket string
			rows   []kv
		}{{storage.Orders, recs}, {storage.OrdersByNumber, nums}, {storage.OrderIndex, idx}} {
			slices.SortFunc(set.rows, byKey)
			b := tx.Bucket([]byte(set.bucket))
			for _, r := range set.rows {
				if set.bucket == storage.OrdersByNumber && b.Get(r.k) != nil {
					return Conflict("number", "order number %s is taken", r.k)
				}
				if err := b.Put(r.k, r.v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

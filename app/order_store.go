package app

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Order list indexes live in one bucket:
//
//	'l' mask [partner] [state] [product] created id   one entry per subset (mask) of
//	                                                   the three filters, per product
//
// so a page filtered by any of partner/state/product and a date range,
// sorted by date (which is number order too), is a range scan of keys.
const (
	famOrderList = 'l'

	orderMaskPartner = 1
	orderMaskState   = 2
	orderMaskProduct = 4
)

func orderPrefix(mask byte, partner uint64, state OrderState, product uint64) []byte {
	// Room for the whole key: the caller appends created and id.
	k := make([]byte, 0, 2+8+len(state)+1+8+16)
	k = append(k, famOrderList, mask)
	if mask&orderMaskPartner != 0 {
		k = binary.BigEndian.AppendUint64(k, partner)
	}
	if mask&orderMaskState != 0 {
		k = append(k, state...)
		k = append(k, 0)
	}
	if mask&orderMaskProduct != 0 {
		k = binary.BigEndian.AppendUint64(k, product)
	}
	return k
}

func orderProducts(o *Order) []uint64 {
	ids := make([]uint64, 0, min(len(o.Lines), 8))
	var seen map[uint64]bool // for long orders (renewals, monthly bills)
	for _, l := range o.Lines {
		switch {
		case seen != nil:
			if seen[l.ProductID] {
				continue
			}
			seen[l.ProductID] = true
		case slices.Contains(ids, l.ProductID):
			continue
		case len(ids) == 8:
			seen = make(map[uint64]bool, 16)
			for _, id := range ids {
				seen[id] = true
			}
			seen[l.ProductID] = true
		}
		ids = append(ids, l.ProductID)
	}
	return ids
}

func orderIndexKeys(o *Order) [][]byte {
	if o == nil {
		return nil
	}
	products := orderProducts(o)
	keys := make([][]byte, 0, 4+4*len(products))
	at := o.Created.Unix()
	for mask := byte(0); mask < 8; mask++ {
		if mask&orderMaskProduct == 0 {
			keys = append(keys, appendSortID(orderPrefix(mask, o.PartnerID, o.State, 0), at, o.ID))
			continue
		}
		for _, p := range products {
			keys = append(keys, appendSortID(orderPrefix(mask, o.PartnerID, o.State, p), at, o.ID))
		}
	}
	return keys
}

// nextOrderID draws the next order id in tx.
func nextOrderID(tx *storage.Tx) (uint64, error) { return tx.NextID(storage.Orders) }

// putOrder writes an order and moves its index entries from old (nil for
// a new order) in the caller's transaction.
func putOrder(tx *storage.Tx, old, o *Order) error {
	if err := moveIndexKeys(tx, storage.OrderIndex, orderIndexKeys(old), orderIndexKeys(o)); err != nil {
		return err
	}
	if old == nil {
		if err := tx.Unique(storage.OrdersByNumber, o.Number, o.ID); err != nil {
			return err
		}
		if o.IdempotencyKey != "" {
			if err := tx.Unique(storage.OrdersByIdem, o.IdempotencyKey, o.ID); err != nil {
				return err
			}
		}
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.Orders, storage.EncodeID(o.ID), raw)
}

func getOrder(tx *storage.Tx, id uint64) (Order, error) {
	var o Order
	err := tx.Get(storage.Orders, storage.EncodeID(id), &o)
	return o, err
}

// visibleOrder loads an order the actor may see; another partner's is
// simply not found.
func visibleOrder(tx *storage.Tx, a Actor, id uint64) (Order, error) {
	o, err := getOrder(tx, id)
	if err != nil {
		return Order{}, err
	}
	if !a.canSeePartner(o.PartnerID) {
		return Order{}, ErrNotFound
	}
	return o, nil
}

// orderByIdempotency finds the order a client's earlier request with the
// same key made.
func orderByIdempotency(tx *storage.Tx, key string) (uint64, bool) {
	id, err := tx.Lookup(storage.OrdersByIdem, key)
	return id, err == nil
}

// orderByNumber finds an order by its number, in any case.
func orderByNumber(tx *storage.Tx, number string) (uint64, bool) {
	id, err := tx.Lookup(storage.OrdersByNumber, strings.ToUpper(strings.TrimSpace(number)))
	return id, err == nil
}

// eachOrderKey walks the list index under prefix between the created
// bounds [from, to) in unix seconds, newest first when desc; fn gets the
// order id and returns false to stop.
func eachOrderKey(tx *storage.Tx, prefix []byte, from, to int64, desc bool, fn func(id uint64) bool) {
	lo := appendSortID(append([]byte(nil), prefix...), from, 0)
	hi := appendSortID(append([]byte(nil), prefix...), to, 0)
	c := tx.Cursor(storage.OrderIndex)
	if !desc {
		for k, _ := c.Seek(lo); k != nil && string(k) < string(hi); k, _ = c.Next() {
			if len(k) != len(prefix)+16 || string(k[:len(prefix)]) != string(prefix) {
				break
			}
			_, id := decodeSortID(k)
			if !fn(id) {
				return
			}
		}
		return
	}
	k, _ := c.Seek(hi)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && string(k) >= string(lo); k, _ = c.Prev() {
		if len(k) != len(prefix)+16 || string(k[:len(prefix)]) != string(prefix) {
			break
		}
		_, id := decodeSortID(k)
		if !fn(id) {
			return
		}
	}
}

// Sales per month are kept as running sums beside the orders, moved in
// the same transaction as each purchase, renewal, refund and monthly charge, so
// the dashboard chart reads twelve keys instead of a year of orders.
func salesKey(partnerID uint64, month, currency string) []byte {
	return storage.Key(partnerID, month, currency)
}

// addSales moves the month's net sales of the partner and of the desk. A
// total that would leave int64 refuses the change (the caller's whole
// transaction) rather than wrap round.
func addSales(tx *storage.Tx, partnerID uint64, at time.Time, currency string, delta int64) error {
	month := at.UTC().Format("2006-01")
	for _, id := range []uint64{partnerID, 0} {
		k := salesKey(id, month, currency)
		var cur int64
		if raw := tx.Bucket([]byte(storage.SalesByMonth)).Get(k); len(raw) == 8 {
			cur = int64(binary.BigEndian.Uint64(raw))
		}
		sum, err := addMoney(cur, delta)
		if err != nil { // refused, not wrapped round into a negative month
			return Invalid("total", "this would take %s's sales in %s past what the desk can count", currency, month)
		}
		if err := tx.PutRaw(storage.SalesByMonth, k, binary.BigEndian.AppendUint64(nil, uint64(sum))); err != nil {
			return err
		}
	}
	return nil
}

// salesOf reads a month's net sales per currency for a partner (0: all).
func salesOf(tx *storage.Tx, partnerID uint64, month string) map[string]int64 {
	out := map[string]int64{}
	prefix := storage.Key(partnerID, month)
	tx.Each(storage.SalesByMonth, prefix, func(k, v []byte) bool {
		if len(v) == 8 {
			cur := string(k[len(prefix) : len(k)-1])
			out[cur] = int64(binary.BigEndian.Uint64(v))
		}
		return true
	})
	return out
}

package storage

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// Counters: a bucket of uint64 values kept in the same transaction as the
// records they count, so a total is one Get instead of a scan. A counter
// at zero is deleted.

// AddCount adds delta to the counter at key.
func (tx *Tx) AddCount(bucket string, key []byte, delta int64) error {
	b := tx.bucket(bucket)
	n := int64(GetCountIn(b, key)) + delta
	if n <= 0 {
		return b.Delete(key)
	}
	return b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// GetCount reads the counter at key (0 when absent).
func (tx *Tx) GetCount(bucket string, key []byte) uint64 {
	return GetCountIn(tx.bucket(bucket), key)
}

// GetCountIn reads a counter from an open bucket.
func GetCountIn(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// appendOnly buckets get keys in increasing order (ids, sequences; order
// numbers rise within each series, and a mail's attachments come with
// it): pages are filled before a new one starts, instead of bbolt's
// default half, which doubles such a bucket's size on disk and the pages
// each commit writes at its end. (The license history is not one: a
// license's later changes go in among older entries, where full pages
// would split on every insert. Its counters are keyed by license id and
// only rewritten in place later, so they fill their pages.)
var appendOnly = map[string]bool{Licenses: true, Audit: true, Changes: true,
	Customers: true, LicenseCustomer: true, Orders: true, OrdersByNumber: true, Invoices: true, InvoiceLines: true, InvoicesByNumber: true,
	Outbox: true, OutboxAtt: true, Transfers: true, TransferItems: true, HistoryCounts: true}

// fill sets the fill percent of an append-only bucket; bbolt resets it for
// every transaction.
func fill(name string, b *bolt.Bucket) *bolt.Bucket {
	if b != nil && appendOnly[name] {
		b.FillPercent = 0.95
	}
	return b
}

// Bucket returns the named bucket, tuned for how its keys grow.
func (tx *Tx) Bucket(name []byte) *bolt.Bucket {
	return fill(string(name), tx.Tx.Bucket(name))
}

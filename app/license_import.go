package app

import (
	"bytes"
	"slices"
	"time"

	"licensedesk/storage"
)

// ImportLicenses stores prepared licenses in bulk, for loaders such as
// the benchmark generator: ids and keys are assigned here, records and
// list indexes are written in sorted order (bbolt inserts in random order
// are slow), and no history or change-log entries are written. Call
// Reindex after the last batch so search sees them.
func (s *Service) ImportLicenses(a Actor, batch []License) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error { return bulkInsertTx(tx, s.now(), batch, false) })
}

// bulkInsertTx writes new licenses in the caller's transaction: ids are
// assigned here (and keys too, unless keepKeys), and records, the key
// index and the list indexes are each written in sorted key order. A key
// already taken is ErrConflict. Licenses that name a customer are linked
// to its record (made now when there is none). It keeps no state between
// calls, so a retried transaction does the same again.
func bulkInsertTx(tx *storage.Tx, now time.Time, batch []License, keepKeys bool) error {
	type kv struct{ k, v []byte }
	var recs, keys, idx []kv
	for i := range batch {
		l := &batch[i]
		if err := checkLatest("valid_to", l.ValidTo); err != nil {
			return err // a loader's record past the latest date is refused, as any path's is
		}
		id, err := tx.NextID(storage.Licenses)
		if err != nil {
			return err
		}
		l.ID = id
		if !keepKeys {
			l.Key = NewLicenseKey()
		}
		if l.Registrations == nil {
			l.Registrations = []Registration{}
		}
		recs = append(recs, kv{storage.EncodeID(id), encodeLicense(l)})
		keys = append(keys, kv{[]byte(NormaliseKey(l.Key)), storage.EncodeID(id)})
		for _, k := range indexKeys(l) {
			idx = append(idx, kv{k, nil})
		}
	}
	counts := map[string]int64{}
	for _, r := range idx {
		if ck, ok := countKey(r.k); ok {
			counts[string(ck)]++
		}
	}
	for ck, n := range counts {
		if err := tx.AddCount(storage.LicenseCounts, []byte(ck), n); err != nil {
			return err
		}
	}
	byKey := func(x, y kv) int { return bytes.Compare(x.k, y.k) }
	for _, set := range []struct {
		bucket string
		rows   []kv
	}{{storage.Licenses, recs}, {storage.LicensesByKey, keys}, {storage.LicenseIndex, idx}} {
		slices.SortFunc(set.rows, byKey)
		b := tx.Bucket([]byte(set.bucket))
		for i, r := range set.rows {
			if set.bucket == storage.LicensesByKey && (b.Get(r.k) != nil || i > 0 && bytes.Equal(set.rows[i-1].k, r.k)) {
				return ErrConflict // drawn keys: 122 random bits, never in practice
			}
			if err := b.Put(r.k, r.v); err != nil {
				return err
			}
		}
	}
	return linkCustomers(tx, now, nil, batch)
}

package app

import (
	"fmt"

	"licensedesk/storage"
)

// migrateLedgerCounts gives each partner its ledger entry counter and
// each entry its running balance (earlier versions summed the whole
// ledger on every read of the account to compute both), so a page of
// the balance history is read from one end of the partner's keys. One
// pass in key order; only entries whose stored balance differs are
// rewritten.
func migrateLedgerCounts(tx *storage.Tx) error {
	type fix struct{ k, v []byte }
	counts := map[uint64]int64{}
	var cur uint64
	var run int64
	var from []byte
	for {
		// Rewrites wait until the walk stops (a bucket must not change
		// under its cursor); the walk stops every fixBatch of them, so a
		// long ledger is not held in memory.
		var fixes []fix
		var next []byte
		var err error
		tx.EachFrom(storage.Ledger, from, func(k, v []byte) bool {
			pid := storage.DecodeID(k)
			if counts[pid] == 0 || pid != cur {
				cur, run = pid, 0
			}
			var e LedgerEntry
			if err = jsonUnmarshal(v, &e); err != nil {
				err = fmt.Errorf("ledger entry %x: %w", k, err)
				return false
			}
			run += e.Amount
			counts[pid]++
			if e.Balance != run {
				e.Balance = run
				fixes = append(fixes, fix{append([]byte(nil), k...), appendLedgerJSON(nil, &e)})
				if len(fixes) == fixBatch {
					next = append(append([]byte(nil), k...), 0) // the first key after k
					return false
				}
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, f := range fixes {
			if err := tx.PutRaw(storage.Ledger, f.k, f.v); err != nil {
				return err
			}
		}
		if next == nil {
			break
		}
		from = next
	}
	for pid, n := range counts {
		if err := tx.AddCount(storage.LedgerCounts, storage.EncodeID(pid), n); err != nil {
			return err
		}
	}
	return nil
}

// fixBatch is how many rewritten ledger entries migration 11 holds at once.
var fixBatch = 10000

package storage

import (
	"encoding/binary"
	"fmt"
)

// slimLicenseIndex (schema 4) keeps, of the license list index, only the
// keys its queries read, and fills the per-prefix counters.
//
// The index's 'v' keys are: 'v' mask [partner] [status] [product] validTo
// id, one per subset (mask) of the three filters; mask bit 2 means the key
// holds the status. Lists without a status filter now merge the six status
// ranges, so keys without the status bit go, as do the 'p' (partner, id)
// keys, whose one use is answered by the counters. 'd' (due) keys stay.
// Each kept 'v' key counts once under its prefix (the key without validTo
// and id) in license_counts.
//
// The kept keys are copied out in order and written into a fresh bucket:
// sequential inserts are fast and fill pages, where deleting half of a
// large bucket's keys in place would rewrite every page anyway.
func slimLicenseIndex(tx *Tx) error {
	const statusBit = 2
	keep := func(k []byte) bool {
		return len(k) > 0 && (k[0] == 'd' || k[0] == 'v' && len(k) > 1 && k[1]&statusBit != 0)
	}
	var arena []byte
	var ends []int
	dropped := 0
	counts := map[string]uint64{}
	tx.Each(LicenseIndex, nil, func(k, _ []byte) bool {
		if !keep(k) {
			dropped++
			return true
		}
		arena = append(arena, k...)
		ends = append(ends, len(arena))
		if k[0] == 'v' && len(k) >= 18 {
			counts[string(k[:len(k)-16])]++
		}
		return true
	})
	if dropped > 0 {
		if err := tx.DeleteBucket([]byte(LicenseIndex)); err != nil {
			return fmt.Errorf("drop the old list index: %w", err)
		}
		b, err := tx.CreateBucket([]byte(LicenseIndex))
		if err != nil {
			return err
		}
		b.FillPercent = 0.9
		start := 0
		for _, end := range ends {
			if err := b.Put(arena[start:end:end], nil); err != nil {
				return err
			}
			start = end
		}
	}
	if err := tx.DeleteBucket([]byte(LicenseCounts)); err != nil {
		return err
	}
	c, err := tx.CreateBucket([]byte(LicenseCounts))
	if err != nil {
		return err
	}
	for k, n := range counts {
		if err := c.Put([]byte(k), binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return err
		}
	}
	return nil
}

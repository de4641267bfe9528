package app

import (
	"bytes"
	"math"

	"licensedesk/storage"
)

// scan walks the expiry index for the filter's partner/status/product in
// expiry order (or reverse), calling fn with each id until it returns
// false. Without a status filter it merges the six status ranges, which
// come out in one (expiry, id) order as if they were one.
func (f *licenseFilter) scan(tx *storage.Tx, desc bool, fn func(sortVal int64, id uint64) bool) {
	var runs []*indexRun
	if f.status != "" {
		runs = append(runs, f.run(tx, f.status, desc))
	} else {
		for _, st := range allStatuses {
			runs = append(runs, f.run(tx, st, desc))
		}
	}
	for {
		var best *indexRun
		for _, r := range runs {
			if r.k == nil {
				continue
			}
			if best == nil {
				best = r
				continue
			}
			c := bytes.Compare(r.suffix(), best.suffix())
			if desc && c > 0 || !desc && c < 0 {
				best = r
			}
		}
		if best == nil {
			return
		}
		v, id := decodeSortID(best.k)
		if !fn(v, id) {
			return
		}
		best.next()
	}
}

// indexRun is one cursor over a prefix of the expiry index, within the
// filter's expiry range.
type indexRun struct {
	c      storage.Cursor
	prefix []byte
	lo, hi int64
	desc   bool
	k      []byte // current key, nil when done
}

func (f *licenseFilter) run(tx *storage.Tx, st Status, desc bool) *indexRun {
	prefix := validPrefix(f.mask()|maskStatus, f.partner, st, f.product)
	r := &indexRun{c: tx.Cursor(storage.LicenseIndex), prefix: prefix, lo: f.lo, hi: f.hi, desc: desc}
	if desc {
		start := appendSortID(prefix, f.hi, math.MaxUint64)
		k, _ := r.c.Seek(start)
		switch {
		case k == nil:
			k, _ = r.c.Last()
		case !bytes.Equal(k, start):
			k, _ = r.c.Prev()
		}
		r.set(k)
	} else {
		k, _ := r.c.Seek(appendSortID(prefix, f.lo, 0))
		r.set(k)
	}
	return r
}

// set makes k current if it is in the run's prefix and range.
func (r *indexRun) set(k []byte) {
	r.k = nil
	if k == nil || len(k) != len(r.prefix)+16 || !bytes.HasPrefix(k, r.prefix) {
		return
	}
	v, _ := decodeSortID(k)
	if v < r.lo || v > r.hi {
		return
	}
	r.k = k
}

func (r *indexRun) next() {
	if r.desc {
		k, _ := r.c.Prev()
		r.set(k)
		return
	}
	k, _ := r.c.Next()
	r.set(k)
}

func (r *indexRun) suffix() []byte { return r.k[len(r.prefix):] }

// unbounded reports whether the filter has no expiry range, so its total
// is in the counters.
func (f *licenseFilter) unbounded() bool { return f.lo == math.MinInt64 && f.hi == noDate }

// total counts the licenses the index part of the filter (partner,
// status, product, expiry range) holds: from the counters when there is
// no expiry range, else by reading the range's keys.
func (f *licenseFilter) total(tx *storage.Tx) int {
	if f.unbounded() {
		return int(countLicenses(tx, f.mask(), f.partner, f.status, f.product))
	}
	n := 0
	f.scan(tx, false, func(int64, uint64) bool { n++; return true })
	return n
}

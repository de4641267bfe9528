package storage

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// Write buffers for the indexes that purchases spread over their trees.
//
// A purchase adds keys under its partner in the order, license and outbox
// list indexes and in the ledger: a dozen places far apart in big trees.
// Every leaf a commit touches is rewritten whole (4 KiB) and synced, so 30
// purchases of 30 partners in one group commit rewrote some 250 leaves of
// these trees alone, most of what the commit wrote. New keys of these
// buckets therefore go first to a small companion bucket ("fresh"), where a
// commit's keys share a few leaves, and move into the big bucket in one
// sorted pass once the fresh bucket holds freshMax keys: the big tree's
// leaves are then rewritten once per thousand keys instead of once per key.
//
// Readers see the union: every Get and walk of a buffered bucket through
// Tx (Get, GetRaw, Each*, Cursor, Lookup) merges the two trees in key
// order, the fresh value winning where both hold a key. Delete removes a
// key from both. The move happens at the end of a transaction (never while
// a caller's cursor is open), in the same transaction, so the data file
// is consistent at every commit and a crash loses nothing.
//
// Bulk loaders may write the big bucket directly (bucket.Put in sorted
// order): the union stays right.

// buffered maps each buffered bucket to its fresh companion.
var buffered = map[string]string{
	LicenseIndex: LicenseIndex + "~fresh",
	OrderIndex:   OrderIndex + "~fresh",
	OutboxIdx:    OutboxIdx + "~fresh",
	Ledger:       Ledger + "~fresh",
}

func init() {
	// The companions are created at open with the other buckets.
	for _, big := range []string{LicenseIndex, OrderIndex, OutboxIdx, Ledger} {
		AllBuckets = append(AllBuckets, buffered[big])
	}
}

// freshMax is how many puts a fresh bucket takes before its keys move. A
// commit's keys dirty about freshMax/70 of its leaves; moving them
// rewrites the big tree's touched leaves once. Measured with 32 partners
// buying at once (bench/buy), 1,024 keeps both small for the indexes,
// whose values are empty. The ledger's are whole entries of about 200
// bytes, so the same number of keys spreads over several times the
// leaves: its companion moves after 256 puts, which cut the pages a
// purchase writes by about 6 % (6.3–6.8 against 6.8–7.1, bench/RESULTS.md).
// A transaction that writes more (a bulk change) puts the rest straight
// into the big bucket.
func freshMax(bucket string) uint64 {
	if bucket == Ledger {
		return 256
	}
	return 1024
}

// freshOf returns bucket's fresh companion in tx, or nil when the bucket
// is not buffered (or the file predates the companion: read-only opens).
func (tx *Tx) freshOf(bucket string) *bolt.Bucket {
	name, ok := buffered[bucket]
	if !ok {
		return nil
	}
	return tx.Tx.Bucket([]byte(name))
}

// getRaw reads key from bucket and its fresh companion; the returned
// bytes are valid for the transaction only.
func (tx *Tx) getRaw(bucket string, key []byte) []byte {
	if f := tx.freshOf(bucket); f != nil {
		if v := f.Get(key); v != nil {
			return v
		}
	}
	return tx.bucket(bucket).Get(key)
}

// putRaw stores key in bucket: a buffered bucket's key goes to the fresh
// companion while it has room; once it is full (a bulk change), straight
// to the big bucket, and out of the companion, so an older value there
// cannot hide the new one.
//
// The companion's sequence counts the puts since it was last moved: an
// upper bound of the keys it holds (a key put twice counts twice, a
// deleted one is not taken off), which is all the move needs, and it
// spares a lookup on every put and delete.
func (tx *Tx) putRaw(bucket string, key, val []byte) error {
	if f := tx.freshOf(bucket); f != nil {
		n := f.Sequence()
		if n < freshMax(bucket) {
			if err := f.Put(key, val); err != nil {
				return err
			}
			return f.SetSequence(n + 1)
		}
		if err := f.Delete(key); err != nil {
			return err
		}
	}
	return tx.bucket(bucket).Put(key, val)
}

// deleteRaw removes key from bucket and its fresh companion.
func (tx *Tx) deleteRaw(bucket string, key []byte) error {
	if f := tx.freshOf(bucket); f != nil && f.Sequence() > 0 {
		if err := f.Delete(key); err != nil {
			return err
		}
	}
	return tx.bucket(bucket).Delete(key)
}

// moveFresh moves the keys of every fresh companion that is full into its
// big bucket. It runs when a write transaction's work is done, before
// the commit, so no cursor of the caller is open.
func (tx *Tx) moveFresh() error {
	for big, name := range buffered {
		f := tx.Tx.Bucket([]byte(name))
		if f == nil || f.Sequence() < freshMax(big) {
			continue
		}
		b := tx.bucket(big)
		c := f.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		// Dropping the companion frees its pages in one step.
		if err := tx.DeleteBucket([]byte(name)); err != nil {
			return err
		}
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return err
		}
	}
	return nil
}

// Cursor walks a bucket in key order. For a buffered bucket it walks the
// union of the bucket and its fresh companion.
type Cursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
	Prev() (k, v []byte)
}

// Cursor opens a cursor on bucket; like bbolt's, it must not outlive the
// transaction, and the bucket must not be written while it is in use.
func (tx *Tx) Cursor(bucket string) Cursor {
	main := tx.bucket(bucket).Cursor()
	f := tx.freshOf(bucket)
	if f == nil || f.Sequence() == 0 {
		return main
	}
	return &mergedCursor{a: main, b: f.Cursor()}
}

// mergedCursor is the union of two cursors over disjoint-or-overlapping
// key sets; where both hold a key, b's value is the one seen.
type mergedCursor struct {
	a, b   *bolt.Cursor
	ak, av []byte
	bk, bv []byte
	fwd    bool
	k      []byte // current key, nil when off either end
}

func (m *mergedCursor) pick() ([]byte, []byte) {
	switch {
	case m.ak == nil && m.bk == nil:
		m.k = nil
		return nil, nil
	case m.ak == nil:
		m.k = m.bk
		return m.bk, m.bv
	case m.bk == nil:
		m.k = m.ak
		return m.ak, m.av
	}
	c := bytes.Compare(m.ak, m.bk)
	if !m.fwd {
		c = -c
	}
	if c < 0 {
		m.k = m.ak
		return m.ak, m.av
	}
	m.k = m.bk
	return m.bk, m.bv
}

func (m *mergedCursor) First() ([]byte, []byte) {
	m.fwd = true
	m.ak, m.av = m.a.First()
	m.bk, m.bv = m.b.First()
	return m.pick()
}

func (m *mergedCursor) Last() ([]byte, []byte) {
	m.fwd = false
	m.ak, m.av = m.a.Last()
	m.bk, m.bv = m.b.Last()
	return m.pick()
}

func (m *mergedCursor) Seek(seek []byte) ([]byte, []byte) {
	m.fwd = true
	m.ak, m.av = m.a.Seek(seek)
	m.bk, m.bv = m.b.Seek(seek)
	return m.pick()
}

func (m *mergedCursor) Next() ([]byte, []byte) { return m.step(true) }

func (m *mergedCursor) Prev() ([]byte, []byte) { return m.step(false) }

// step moves one key forward or backward.
func (m *mergedCursor) step(fwd bool) ([]byte, []byte) {
	if m.k == nil {
		return nil, nil
	}
	cur := m.k
	if m.fwd != fwd {
		// Turning round: put both just past the current key.
		m.fwd = fwd
		m.ak, m.av = seekPast(m.a, cur, fwd)
		m.bk, m.bv = seekPast(m.b, cur, fwd)
		return m.pick()
	}
	move := (*bolt.Cursor).Next
	if !fwd {
		move = (*bolt.Cursor).Prev
	}
	if m.ak != nil && bytes.Equal(m.ak, cur) {
		m.ak, m.av = move(m.a)
	}
	if m.bk != nil && bytes.Equal(m.bk, cur) {
		m.bk, m.bv = move(m.b)
	}
	return m.pick()
}

// seekPast positions c on the first key after k (fwd) or the last
// before it.
func seekPast(c *bolt.Cursor, k []byte, fwd bool) ([]byte, []byte) {
	if fwd {
		return seekAfter(c, k)
	}
	return seekBefore(c, k)
}

// seekAfter positions c on the first key after k.
func seekAfter(c *bolt.Cursor, k []byte) ([]byte, []byte) {
	ck, cv := c.Seek(k)
	if ck != nil && bytes.Equal(ck, k) {
		return c.Next()
	}
	return ck, cv
}

// seekBefore positions c on the last key before k.
func seekBefore(c *bolt.Cursor, k []byte) ([]byte, []byte) {
	if ck, _ := c.Seek(k); ck == nil {
		return c.Last()
	}
	return c.Prev()
}

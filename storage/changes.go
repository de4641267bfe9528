package storage

import (
	"bytes"
	"strconv"
)

// Change names one record whose search document must be refreshed.
type Change struct {
	Seq  uint64
	Kind string // e.g. "license"
	ID   uint64
}

// Changed records, in the same transaction as the write, that the record
// kind/id changed. The search index follows this log and stores the last
// sequence it applied, so a crash between commit and indexing is repaired
// on the next start.
func (tx *Tx) Changed(kind string, id uint64) error {
	seq, err := tx.NextID(Changes)
	if err != nil {
		return err
	}
	return tx.PutRaw(Changes, EncodeID(seq), []byte(kind+":"+strconv.FormatUint(id, 10)))
}

// LastChange is the sequence of the newest change ever recorded.
func (tx *Tx) LastChange() uint64 {
	return tx.bucket(Changes).Sequence()
}

// ChangesAfter returns up to limit changes with a sequence above seq, and
// whether the log still holds every change after seq (false when older
// entries were trimmed and the index must be rebuilt instead).
func (tx *Tx) ChangesAfter(seq uint64, limit int) (out []Change, complete bool) {
	c := tx.bucket(Changes).Cursor()
	k, v := c.Seek(EncodeID(seq + 1))
	if k == nil {
		return nil, tx.LastChange() <= seq
	}
	complete = DecodeID(k) == seq+1
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		kind, id, ok := bytes.Cut(v, []byte(":"))
		if !ok {
			continue
		}
		n, _ := strconv.ParseUint(string(id), 10, 64)
		out = append(out, Change{Seq: DecodeID(k), Kind: string(kind), ID: n})
	}
	return out, complete
}

// TrimChanges deletes log entries up to and including seq.
func (db *DB) TrimChanges(seq uint64) error {
	return db.Update(func(tx *Tx) error {
		c := tx.bucket(Changes).Cursor()
		for k, _ := c.First(); k != nil && DecodeID(k) <= seq; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

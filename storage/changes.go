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

// TrimChanges deletes log entries up to and including seq. The keys are
// read a chunk at a time and then deleted: deleting under a cursor and
// seeking the first entry again walks the emptied leaves each time,
// quadratic in a large backlog (a bulk import's).
func (db *DB) TrimChanges(seq uint64) error {
	return db.Update(func(tx *Tx) error {
		b := tx.bucket(Changes)
		keys := make([][]byte, 0, 4096)
		from := uint64(0)
		for {
			keys = keys[:0]
			c := b.Cursor()
			for k, _ := c.Seek(EncodeID(from)); k != nil && DecodeID(k) <= seq && len(keys) < cap(keys); k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			if len(keys) == 0 {
				return nil
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			from = DecodeID(keys[len(keys)-1]) + 1
		}
	})
}

package storage_test

import (
	"errors"
	"testing"
	"time"

	"licensedesk/storage"
)

// A file that held many records and lost most of them shrinks when
// compacted, and keeps every record and bucket sequence; while a desk
// holds the file, Compact refuses and changes nothing.
func TestCompactShrinksTheFileAndKeepsEveryRecord(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	val := make([]byte, 900)
	for chunk := range 20 {
		err := db.Update(func(tx *storage.Tx) error {
			for i := range 500 {
				if err := tx.PutRaw(storage.Licenses, storage.EncodeID(uint64(chunk*500+i+1)), val); err != nil {
					return err
				}
			}
			_, err := tx.NextID(storage.Licenses)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Keep every tenth record.
	err = db.Update(func(tx *storage.Tx) error {
		for id := uint64(1); id <= 10000; id++ {
			if id%10 != 0 {
				if err := tx.Delete(storage.Licenses, storage.EncodeID(id)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var seq uint64
	_ = db.View(func(tx *storage.Tx) error { seq = tx.Bucket([]byte(storage.Licenses)).Sequence(); return nil })

	// A desk holds the file: refused, nothing changed.
	if _, _, err := storage.Compact(dir, 100*time.Millisecond); !errors.As(err, new(*storage.ErrLocked)) {
		t.Fatalf("compact while the file is open: %v, want ErrLocked", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	before, after, err := storage.Compact(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/2 {
		t.Errorf("compacted from %d to %d bytes; a tenth of the records are left", before, after)
	}
	db = openDB(t, dir)
	err = db.View(func(tx *storage.Tx) error {
		n := 0
		tx.Each(storage.Licenses, nil, func(k, v []byte) bool {
			n++
			if id := storage.DecodeID(k); id%10 != 0 || len(v) != len(val) {
				t.Errorf("record %d (%d bytes) after compaction", id, len(v))
			}
			return true
		})
		if n != 1000 {
			t.Errorf("%d records after compaction, want 1000", n)
		}
		if got := tx.Bucket([]byte(storage.Licenses)).Sequence(); got != seq {
			t.Errorf("licenses sequence %d after compaction, want %d", got, seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Writes go on after compaction.
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.PutRaw(storage.Licenses, storage.EncodeID(20001), []byte("after"))
	}); err != nil {
		t.Fatal(err)
	}
}

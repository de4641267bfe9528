package storage

import (
	"bytes"
	"testing"
)

// ReleaseMapped inside a read transaction leaves the data readable, in
// that transaction and in the next, with the same content.
func TestReleaseMappedKeepsDataReadable(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := bytes.Repeat([]byte("licensedesk "), 400)
	if err := db.Update(func(tx *Tx) error {
		for i := uint64(1); i <= 2000; i++ {
			if err := tx.PutRaw(Licenses, EncodeID(i), val); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check := func(tx *Tx) {
		n := 0
		tx.Each(Licenses, nil, func(k, v []byte) bool {
			if !bytes.Equal(v, val) {
				t.Fatalf("record %d changed after ReleaseMapped", DecodeID(k))
			}
			n++
			return true
		})
		if n != 2000 {
			t.Fatalf("%d records readable, want 2000", n)
		}
	}
	if err := db.View(func(tx *Tx) error {
		check(tx)
		if err := tx.ReleaseMapped(); err != nil {
			t.Fatalf("ReleaseMapped: %v", err)
		}
		check(tx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error { check(tx); return nil })
}

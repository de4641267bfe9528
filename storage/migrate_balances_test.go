package storage_test

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"licensedesk/storage"
)

// A file from before the running balance (schema 2) gets each partner's
// balance, the sum of its ledger entries, from migration 6.
func TestMigrateRunningBalances(t *testing.T) {
	dir := t.TempDir()
	schema1Fixture(t, dir, nil, []map[string]any{{"id": 7, "public_id": "P-ABCD-EFGH", "name": "One"}, {"id": 8, "public_id": "P-2345-6789", "name": "Two"}})
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for i, e := range []struct {
			partner uint64
			amount  int64
		}{{7, 10000}, {7, -2500}, {8, 700}, {7, -1}} {
			raw, _ := json.Marshal(map[string]any{"id": i + 1, "partner_id": e.partner, "amount": e.amount})
			k := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, e.partner), uint64(i+1))
			if err := tx.Bucket([]byte("ledger")).Put(k, raw); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("2"))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dir)
	db.View(func(tx *storage.Tx) error {
		for id, want := range map[uint64]int64{7: 7499, 8: 700, 9: 0} {
			raw := tx.GetRaw(storage.Balances, storage.EncodeID(id))
			got := int64(0)
			if raw != nil {
				got = int64(storage.DecodeID(raw))
			}
			if got != want {
				t.Errorf("partner %d: running balance %d, want %d", id, got, want)
			}
		}
		return nil
	})
}

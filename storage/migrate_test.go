package storage_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"licensedesk/storage"
)

// schema1Fixture writes a data file the way schema 1 stored it: records
// in their buckets, schema_version "1", and no email or public-ID index
// buckets at all.
func schema1Fixture(t *testing.T, dir string, users, partners []map[string]any) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := func(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "users", "sessions", "tokens", "partners", "products", "ledger", "audit", "changes"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("1")); err != nil {
			return err
		}
		put := func(bucket string, recs []map[string]any) error {
			for _, r := range recs {
				raw, err := json.Marshal(r)
				if err != nil {
					return err
				}
				if err := tx.Bucket([]byte(bucket)).Put(key(uint64(r["id"].(int))), raw); err != nil {
					return err
				}
			}
			return nil
		}
		if err := put("users", users); err != nil {
			return err
		}
		return put("partners", partners)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	dir := t.TempDir()
	schema1Fixture(t, dir,
		[]map[string]any{
			{"id": 1, "email": "Operator@Example.com", "role": "operator", "password_hash": "x"},
			{"id": 2, "email": " bob@reseller.example ", "role": "partner", "partner_id": 7, "password_hash": "x"},
		},
		[]map[string]any{
			{"id": 7, "public_id": "P-ABCD-EFGH", "name": "Reseller One"},
			{"id": 8, "public_id": "P-2345-6789", "name": "Reseller Two"},
		})

	db := openDB(t, dir)
	v, err := db.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v != storage.SchemaVersion() {
		t.Fatalf("after migration the schema is %d, want %d", v, storage.SchemaVersion())
	}
	db.View(func(tx *storage.Tx) error {
		for _, name := range storage.AllBuckets {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing after migration", name)
			}
		}
		for email, want := range map[string]uint64{"operator@example.com": 1, "bob@reseller.example": 2} {
			if id, err := tx.Lookup(storage.UsersByEmail, email); err != nil || id != want {
				t.Errorf("email index %s → %d, %v; want %d", email, id, err, want)
			}
		}
		for pub, want := range map[string]uint64{"P-ABCD-EFGH": 7, "P-2345-6789": 8} {
			if id, err := tx.Lookup(storage.PartnersByPubID, pub); err != nil || id != want {
				t.Errorf("public-ID index %s → %d, %v; want %d", pub, id, err, want)
			}
		}
		if n := tx.Count(storage.Users); n != 2 {
			t.Errorf("%d users after migration, want 2", n)
		}
		// The records themselves are untouched.
		var u map[string]any
		if err := tx.Get(storage.Users, storage.EncodeID(1), &u); err != nil || u["email"] != "Operator@Example.com" {
			t.Errorf("user 1 after migration: %v %v", u, err)
		}
		return nil
	})
}

func TestMigrationIsOneTransaction(t *testing.T) {
	// Two schema-1 users whose emails differ only in case cannot both be
	// indexed: the migration fails, says which value, and leaves the file
	// at schema 1 with no half-built index.
	dir := t.TempDir()
	schema1Fixture(t, dir,
		[]map[string]any{
			{"id": 1, "email": "same@example.com", "role": "operator"},
			{"id": 2, "email": "SAME@example.com", "role": "operator"},
		}, nil)
	db, err := storage.Open(dir, storage.Options{})
	if err == nil {
		db.Close()
		t.Fatal("a migration that cannot complete was reported as done")
	}
	if !strings.Contains(err.Error(), "migration 2") || !strings.Contains(err.Error(), "same@example.com") {
		t.Errorf("the error does not name the migration and the value: %v", err)
	}
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema_version"))); v != "1" {
			t.Errorf("schema_version after a failed migration = %q, want 1", v)
		}
		if idx := tx.Bucket([]byte(storage.UsersByEmail)); idx != nil && idx.Stats().KeyN != 0 {
			t.Errorf("failed migration left %d index entries", idx.Stats().KeyN)
		}
		return nil
	})
}

func TestNewerSchemaIsRefused(t *testing.T) {
	// A file written by a newer licensedesk (here: schema 99, which also
	// dropped the "secrets" bucket) is refused and left as it was.
	dir := t.TempDir()
	path := filepath.Join(dir, storage.FileName)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return m.Put([]byte("schema_version"), []byte("99"))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}

	db, err := storage.Open(dir, storage.Options{})
	if err == nil {
		db.Close()
		t.Fatal("opened a file with a newer schema")
	}
	var locked *storage.ErrLocked
	if errors.As(err, &locked) {
		t.Fatalf("newer schema reported as a lock: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"99", "newer", path} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}

	b, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the refused file no longer opens: %v", err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema_version"))); v != "99" {
			t.Errorf("schema_version changed to %q", v)
		}
		var names []string
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
		if len(names) != 1 {
			t.Errorf("the refused file was changed: it now has buckets %v", names)
		}
		return nil
	})
}

func TestUnreadableSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucket([]byte("meta"))
		return m.Put([]byte("schema_version"), []byte("two"))
	})
	b.Close()
	db, err := storage.Open(dir, storage.Options{})
	if err == nil {
		db.Close()
		t.Fatal("opened a file whose schema version is not a number")
	}
	if !strings.Contains(err.Error(), "two") {
		t.Errorf("message does not show the bad value: %v", err)
	}
}

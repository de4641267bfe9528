package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/storage"
)

func openDB(t *testing.T, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenCreatesEveryBucketAndSchema(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	err := db.View(func(tx *storage.Tx) error {
		for _, name := range storage.AllBuckets {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing after open", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v != storage.SchemaVersion() {
		t.Fatalf("fresh file has schema %d, want %d", v, storage.SchemaVersion())
	}
	if db.Path() != filepath.Join(dir, storage.FileName) {
		t.Fatalf("path %s", db.Path())
	}
	// Reopening a current file applies nothing and keeps the version.
	db.Close()
	db = openDB(t, dir)
	if v, _ := db.Version(); v != storage.SchemaVersion() {
		t.Fatalf("reopened file has schema %d", v)
	}
}

func TestKeyOrdering(t *testing.T) {
	// Each list is in the order the keys must sort in.
	cases := map[string][][]byte{
		"strings end with 0x00 so a prefix sorts before longer values": {
			storage.Key("ab", uint64(9)),
			storage.Key("abc", uint64(1)),
			storage.Key("b", uint64(0)),
		},
		"uint64 big-endian": {
			storage.Key(uint64(0)),
			storage.Key(uint64(1)),
			storage.Key(uint64(255)),
			storage.Key(uint64(256)),
			storage.Key(uint64(1 << 40)),
			storage.Key(uint64(math.MaxUint64)),
		},
		"int64 sign flip puts negatives first": {
			storage.Key(int64(math.MinInt64)),
			storage.Key(int64(-1000)),
			storage.Key(int64(-1)),
			storage.Key(int64(0)),
			storage.Key(int64(1)),
			storage.Key(int64(math.MaxInt64)),
		},
		"composite: first part decides, then the next": {
			storage.Key("active", int64(-5), uint64(2)),
			storage.Key("active", int64(3), uint64(1)),
			storage.Key("active", int64(3), uint64(2)),
			storage.Key("expired", int64(-9), uint64(1)),
		},
	}
	for name, keys := range cases {
		for i := 1; i < len(keys); i++ {
			if bytes.Compare(keys[i-1], keys[i]) >= 0 {
				t.Errorf("%s: key %d (%x) does not sort before key %d (%x)", name, i-1, keys[i-1], i, keys[i])
			}
		}
	}
	// A string prefix selects exactly that value, not longer ones.
	p := storage.Key("ab")
	if bytes.HasPrefix(storage.Key("abc", uint64(1)), p) {
		t.Error(`prefix Key("ab") matches Key("abc", …)`)
	}
	if !bytes.HasPrefix(storage.Key("ab", uint64(1)), p) {
		t.Error(`prefix Key("ab") does not match Key("ab", …)`)
	}
	// []byte parts are copied as they are.
	if got := storage.Key([]byte{1, 2}, "x"); !bytes.Equal(got, []byte{1, 2, 'x', 0}) {
		t.Errorf("Key([]byte, string) = %x", got)
	}
	if storage.DecodeID(storage.EncodeID(1234567)) != 1234567 {
		t.Error("EncodeID/DecodeID do not round-trip")
	}
}

func TestKeyOrderInBucket(t *testing.T) {
	// The ordering holds in bbolt: a cursor walks a composite index
	// (partner | valid_to | id) in date order, negatives first.
	db := openDB(t, t.TempDir())
	dates := []int64{500, -20, 0, 7, -1, math.MaxInt64, math.MinInt64}
	err := db.Update(func(tx *storage.Tx) error {
		for i, d := range dates {
			if err := tx.PutRaw(storage.LicenseIndex, storage.Key(uint64(3), d, uint64(i)), nil); err != nil {
				return err
			}
		}
		// Another partner's entries must not show up under partner 3.
		return tx.PutRaw(storage.LicenseIndex, storage.Key(uint64(4), int64(-100), uint64(1)), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	db.View(func(tx *storage.Tx) error {
		tx.Each(storage.LicenseIndex, storage.Key(uint64(3)), func(k, v []byte) bool {
			got = append(got, int64(storage.DecodeID(k[8:16])^(1<<63)))
			return true
		})
		return nil
	})
	want := slices.Clone(dates)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("walk order %v, want %v", got, want)
	}
	var rev []int64
	db.View(func(tx *storage.Tx) error {
		tx.EachReverse(storage.LicenseIndex, storage.Key(uint64(3)), func(k, v []byte) bool {
			rev = append(rev, int64(storage.DecodeID(k[8:16])^(1<<63)))
			return true
		})
		return nil
	})
	slices.Reverse(want)
	if !slices.Equal(rev, want) {
		t.Fatalf("reverse walk %v, want %v", rev, want)
	}
}

func TestUnique(t *testing.T) {
	db := openDB(t, t.TempDir())
	err := db.Update(func(tx *storage.Tx) error {
		if err := tx.Unique(storage.UsersByEmail, "a@example.com", 1); err != nil {
			return fmt.Errorf("first claim: %w", err)
		}
		if err := tx.Unique(storage.UsersByEmail, "a@example.com", 1); err != nil {
			return fmt.Errorf("same id claiming again: %w", err)
		}
		if err := tx.Unique(storage.UsersByEmail, "a@example.com", 2); !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("another id claiming a taken value: got %v, want ErrConflict", err)
		}
		if err := tx.Unique(storage.UsersByEmail, "b@example.com", 2); err != nil {
			return fmt.Errorf("another value: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *storage.Tx) error {
		if id, err := tx.Lookup(storage.UsersByEmail, "a@example.com"); err != nil || id != 1 {
			t.Errorf("lookup a: %d %v; the conflicting claim must not overwrite", id, err)
		}
		if _, err := tx.Lookup(storage.UsersByEmail, "c@example.com"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("lookup of a missing value: %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestGetPutCopy(t *testing.T) {
	db := openDB(t, t.TempDir())
	type rec struct {
		Name string `json:"name"`
	}
	db.Update(func(tx *storage.Tx) error { return tx.Put(storage.Products, storage.EncodeID(1), rec{"x"}) })
	var raw []byte
	db.View(func(tx *storage.Tx) error {
		var r rec
		if err := tx.Get(storage.Products, storage.EncodeID(1), &r); err != nil || r.Name != "x" {
			t.Errorf("get: %+v %v", r, err)
		}
		if err := tx.Get(storage.Products, storage.EncodeID(2), &r); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("get missing: %v", err)
		}
		raw = tx.GetRaw(storage.Products, storage.EncodeID(1))
		return nil
	})
	// GetRaw's copy stays valid after the transaction.
	db.Update(func(tx *storage.Tx) error { return tx.Put(storage.Products, storage.EncodeID(1), rec{"changed"}) })
	if string(raw) != `{"name":"x"}` {
		t.Fatalf("GetRaw copy after the tx: %q", raw)
	}
}

func writeChanges(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	err := db.Update(func(tx *storage.Tx) error {
		for i := 1; i <= n; i++ {
			if err := tx.Changed("product", uint64(100+i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func changesAfter(db *storage.DB, seq uint64, limit int) (out []storage.Change, complete bool, last uint64) {
	db.View(func(tx *storage.Tx) error {
		out, complete = tx.ChangesAfter(seq, limit)
		last = tx.LastChange()
		return nil
	})
	return
}

func TestChangeLog(t *testing.T) {
	db := openDB(t, t.TempDir())
	if ch, complete, last := changesAfter(db, 0, 10); len(ch) != 0 || !complete || last != 0 {
		t.Fatalf("empty log: %v %v %d", ch, complete, last)
	}
	writeChanges(t, db, 5)

	ch, complete, last := changesAfter(db, 0, 10)
	if !complete || len(ch) != 5 || last != 5 {
		t.Fatalf("after 0: %d changes, complete %v, last %d", len(ch), complete, last)
	}
	for i, c := range ch {
		if c.Seq != uint64(i+1) || c.Kind != "product" || c.ID != uint64(101+i) {
			t.Errorf("change %d = %+v", i, c)
		}
	}
	if ch, complete, _ := changesAfter(db, 2, 2); !complete || len(ch) != 2 || ch[0].Seq != 3 || ch[1].Seq != 4 {
		t.Fatalf("after 2, limit 2: %+v complete %v", ch, complete)
	}
	if ch, complete, _ := changesAfter(db, 5, 10); len(ch) != 0 || !complete {
		t.Fatalf("after the newest: %+v complete %v", ch, complete)
	}

	// Trimming keeps later entries complete and makes earlier ones incomplete.
	if err := db.TrimChanges(3); err != nil {
		t.Fatal(err)
	}
	if ch, complete, _ := changesAfter(db, 3, 10); !complete || len(ch) != 2 || ch[0].Seq != 4 {
		t.Fatalf("after trim(3), from 3: %+v complete %v", ch, complete)
	}
	if _, complete, _ := changesAfter(db, 1, 10); complete {
		t.Fatal("after trim(3), from 1: reported complete though 2 and 3 are gone")
	}
	if _, complete, _ := changesAfter(db, 0, 10); complete {
		t.Fatal("after trim(3), from 0: reported complete")
	}

	// Trimming everything: the newest sequence still answers, older ones do not.
	if err := db.TrimChanges(5); err != nil {
		t.Fatal(err)
	}
	if ch, complete, last := changesAfter(db, 5, 10); !complete || len(ch) != 0 || last != 5 {
		t.Fatalf("all trimmed, from 5: %+v complete %v last %d", ch, complete, last)
	}
	if _, complete, _ := changesAfter(db, 4, 10); complete {
		t.Fatal("all trimmed, from 4: reported complete")
	}
	// New changes continue the sequence.
	writeChanges(t, db, 1)
	if ch, complete, _ := changesAfter(db, 5, 10); !complete || len(ch) != 1 || ch[0].Seq != 6 {
		t.Fatalf("new change after trim: %+v complete %v", ch, complete)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	// Each write puts a pair in one transaction: a consistent copy holds
	// both halves of every pair or neither.
	writePair := func(i uint64) error {
		return db.Update(func(tx *storage.Tx) error {
			if err := tx.Put(storage.Products, storage.EncodeID(i), map[string]uint64{"n": i}); err != nil {
				return err
			}
			return tx.Put(storage.Audit, storage.EncodeID(i), map[string]uint64{"n": i})
		})
	}
	for i := uint64(1); i <= 200; i++ {
		if err := writePair(i); err != nil {
			t.Fatal(err)
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := uint64(201); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := writePair(i); err != nil {
				werr = err
				return
			}
		}
	}()

	outDir := t.TempDir()
	f, err := os.Create(filepath.Join(outDir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var announced int64
	n, err := db.Backup(f, func(size int64) { announced = size })
	close(stop)
	wg.Wait()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if werr != nil {
		t.Fatalf("writer during backup: %v", werr)
	}
	if n != announced || n == 0 {
		t.Fatalf("backup wrote %d bytes, announced %d", n, announced)
	}

	cp, err := storage.Open(outDir, storage.Options{})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer cp.Close()
	var products, audit int
	err = cp.View(func(tx *storage.Tx) error {
		products, audit = tx.Count(storage.Products), tx.Count(storage.Audit)
		for i := uint64(1); i <= 200; i++ {
			var v map[string]uint64
			if err := tx.Get(storage.Products, storage.EncodeID(i), &v); err != nil || v["n"] != i {
				return fmt.Errorf("record %d written before the backup: %v %v", i, v, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if products != audit || products < 200 {
		t.Fatalf("backup is not one consistent moment: %d products, %d audit entries", products, audit)
	}
}

func TestSecondOpenIsRefusedWithPID(t *testing.T) {
	dir := t.TempDir()
	openDB(t, dir)
	type result struct {
		db  *storage.DB
		err error
	}
	done := make(chan result, 1)
	go func() {
		db, err := storage.Open(dir, storage.Options{Timeout: 100 * time.Millisecond})
		done <- result{db, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("a second Open on a held file hangs instead of returning an error")
	}
	if r.db != nil {
		r.db.Close()
	}
	var locked *storage.ErrLocked
	if !errors.As(r.err, &locked) {
		t.Fatalf("second open: %v, want *storage.ErrLocked", r.err)
	}
	if locked.PID != os.Getpid() {
		t.Errorf("ErrLocked.PID = %d, want the holder's pid %d", locked.PID, os.Getpid())
	}
	msg := r.err.Error()
	if !strings.Contains(msg, fmt.Sprint(os.Getpid())) || !strings.Contains(msg, "in use") {
		t.Errorf("message does not say who holds the file: %q", msg)
	}
}

func TestClosedFileOpensAgainAndDropsPID(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "licensedesk.pid")); err != nil {
		t.Fatalf("no pid file while open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "licensedesk.pid")); !os.IsNotExist(err) {
		t.Fatalf("pid file left after close: %v", err)
	}
	openDB(t, dir)
}

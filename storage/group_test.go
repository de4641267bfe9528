package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"licensedesk/storage"
)

// Many concurrent writers, some failing and one panicking: every
// successful call is committed and durable after reopening, every failing
// call's effects are gone, and a failing neighbour never fails another.
func TestWriteGroupsConcurrentCallsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	const n = 200
	errBad := errors.New("refused")
	var wg sync.WaitGroup
	errs := make([]error, n)
	seqs := make([]uint64, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seqs[i], errs[i] = db.Write(func(tx *storage.Tx) error {
				if err := tx.PutRaw(storage.Meta, fmt.Appendf(nil, "k%03d", i), []byte("v")); err != nil {
					return err
				}
				if err := tx.Changed("test", uint64(i)); err != nil {
					return err
				}
				switch {
				case i%7 == 3:
					return errBad
				case i == 100:
					panic("boom")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%7 == 3 && !errors.Is(err, errBad):
			t.Errorf("call %d: %v, want its own error", i, err)
		case i == 100 && (err == nil || errors.Is(err, errBad)):
			t.Errorf("call %d panicked: got %v, want an error", i, err)
		case i%7 != 3 && i != 100 && err != nil:
			t.Errorf("call %d failed with %v: a neighbour's failure must not fail it", i, err)
		}
	}
	db.Close()
	db = openDB(t, dir)
	err := db.View(func(tx *storage.Tx) error {
		for i := range n {
			got := tx.GetRaw(storage.Meta, fmt.Appendf(nil, "k%03d", i))
			want := i%7 != 3 && i != 100
			if (got != nil) != want {
				t.Errorf("key %d stored=%v after reopening, want %v", i, got != nil, want)
			}
		}
		committed := 0
		for _, err := range errs {
			if err == nil {
				committed++
			}
		}
		changes, _ := tx.ChangesAfter(0, 1000)
		if len(changes) != committed || committed != n-30 {
			t.Errorf("%d change log entries for %d committed calls, want %d", len(changes), committed, n-30)
		}
		for i := range n {
			if errs[i] == nil && seqs[i] < 1 {
				t.Errorf("call %d committed at sequence %d", i, seqs[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	db := openDB(t, t.TempDir())
	db.Close()
	if _, err := db.Write(func(tx *storage.Tx) error { return nil }); err == nil {
		t.Fatal("a write after Close succeeded")
	}
}

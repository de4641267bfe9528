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

// Writers that keep coming back (each sends its next write when the last
// is durable) share commits: 16 of them writing 40 times each need far
// fewer commits than writes. A lone writer commits each write on its own,
// and WriteStats counts both.
func TestWriteGroupsWritersThatComeBack(t *testing.T) {
	db := openDB(t, t.TempDir())
	put := func(k string) error {
		_, err := db.Write(func(tx *storage.Tx) error { return tx.PutRaw(storage.Meta, []byte(k), []byte("v")) })
		return err
	}
	for i := range 20 {
		if err := put(fmt.Sprintf("alone%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	st := db.WriteStats()
	if st.Commits != 20 || st.Writes != 20 {
		t.Fatalf("a lone writer: %d commits for %d writes, want 20 and 20", st.Commits, st.Writes)
	}
	const writers, each = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := put(fmt.Sprintf("w%02d-%02d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	after := db.WriteStats()
	commits, writes := after.Commits-st.Commits, after.Writes-st.Writes
	if writes != writers*each {
		t.Fatalf("%d writes counted, want %d", writes, writers*each)
	}
	if commits > writes/4 {
		t.Errorf("%d writers coming back: %d commits for %d writes; they should share commits", writers, commits, writes)
	}
	if after.Busy <= st.Busy {
		t.Error("the writer's busy time did not grow")
	}
	// Every commit writes and syncs pages: that time is counted, and it is
	// part of the writer's busy time.
	if after.Disk <= st.Disk || after.Spill < st.Spill || after.Pages <= st.Pages {
		t.Errorf("commit figures did not grow: disk %v -> %v, spill %v -> %v, pages %d -> %d", st.Disk, after.Disk, st.Spill, after.Spill, st.Pages, after.Pages)
	}
	if d, s, b := after.Disk-st.Disk, after.Spill-st.Spill, after.Busy-st.Busy; d+s > b {
		t.Errorf("writing %v and laying out %v pages took longer than the writer was busy (%v)", d, s, b)
	}
}

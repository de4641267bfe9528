package app

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"licensedesk/storage"
)

func openTestService(t *testing.T, dir string, now func() time.Time) *Service {
	t.Helper()
	s, err := Open(Options{DataDir: dir, Logger: quietLog(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var errRolledBack = errors.New("the action failed after taking its number")

// Many writers take numbers at once, a third of them failing after taking
// one: the committed numbers are exactly 1..n, no gap, no duplicate, and
// a restart continues at n+1.
func TestSequenceGapFreeUnderConcurrency(t *testing.T) {
	dir := t.TempDir()
	s := openTestService(t, dir, nil)
	const workers, each = 8, 30
	var mu sync.Mutex
	var committed []uint64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var n uint64
				err := s.update(func(tx *storage.Tx) error {
					var err error
					if n, err = nextNumber(tx, SeqInvoice, 2026); err != nil {
						return err
					}
					if (w+i)%3 == 0 {
						return errRolledBack
					}
					return nil
				})
				if errors.Is(err, errRolledBack) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				committed = append(committed, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(committed)
	if len(committed) == 0 {
		t.Fatal("nothing committed")
	}
	for i, n := range committed {
		if n != uint64(i+1) {
			t.Fatalf("committed numbers are not 1..%d: at %d got %d (%v)", len(committed), i, n, committed)
		}
	}
	k := uint64(len(committed))
	if last, err := s.LastNumber(SeqInvoice, 2026); err != nil || last != k {
		t.Fatalf("LastNumber = %d, %v; want %d", last, err, k)
	}
	s.Close()

	s = openTestService(t, dir, nil)
	defer s.Close()
	var n2026, n2027, order uint64
	if err := s.update(func(tx *storage.Tx) (err error) {
		if n2026, err = nextNumber(tx, SeqInvoice, 2026); err != nil {
			return err
		}
		if n2027, err = nextNumber(tx, SeqInvoice, 2027); err != nil {
			return err
		}
		order, err = nextNumber(tx, SeqOrder, 2026)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n2026 != k+1 || n2027 != 1 || order != 1 {
		t.Fatalf("after a restart: invoice 2026 #%d (want %d), invoice 2027 #%d (want 1), order 2026 #%d (want 1)", n2026, k+1, n2027, order)
	}
}

func TestSequenceRefusesBadNames(t *testing.T) {
	s := openTestService(t, t.TempDir(), nil)
	defer s.Close()
	for _, c := range []struct {
		name string
		year int
	}{{"", 2026}, {"Invoice", 2026}, {"in\x00voice", 2026}, {"invoice", 0}, {"invoice", 10000}, {string(make([]byte, 41)), 2026}} {
		err := s.update(func(tx *storage.Tx) error { _, err := nextNumber(tx, c.name, c.year); return err })
		if err == nil {
			t.Errorf("nextNumber(%q, %d) accepted", c.name, c.year)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		prefix string
		year   int
		n      uint64
		want   string
	}{{"O-", 2026, 123, "O-2026-000123"}, {"", 2026, 123, "2026-000123"}, {"", 2026, 1234567, "2026-1234567"}} {
		if got := FormatNumber(c.prefix, c.year, c.n); got != c.want {
			t.Errorf("FormatNumber(%q, %d, %d) = %q, want %q", c.prefix, c.year, c.n, got, c.want)
		}
	}
}

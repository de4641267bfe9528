package search

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Consecutive rebuilds of sizes spanning several batches must each swap
// in an index that reopens and answers with every document and the seq.
func TestRebuildSwapsRepeatedly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x, err := Open(dir)
	if err != ErrStale {
		t.Fatalf("fresh open: want ErrStale, got %v", err)
	}
	for round, n := range []int{10, BatchSize*2 + 500, 3} {
		seq := uint64(100 + round)
		err := x.Rebuild(func(emit func(string, Doc) error) error {
			for i := range n {
				if err := emit(fmt.Sprint("license:", i), Doc{Type: "license", Key: fmt.Sprintf("R%dK%06dX", round, i)}); err != nil {
					return err
				}
			}
			return nil
		}, seq, nil)
		if err != nil {
			t.Fatalf("round %d (%d docs): %v", round, n, err)
		}
		if got, _ := x.DocCount(); got != uint64(n) {
			t.Fatalf("round %d: %d docs indexed, want %d", round, got, n)
		}
		if x.Applied() != seq {
			t.Fatalf("round %d: applied %d, want %d", round, x.Applied(), seq)
		}
		ids, _, err := x.Search(Query{Text: fmt.Sprintf("R%dK000002X", round)})
		if err != nil || len(ids) != 1 || ids[0] != "license:2" {
			t.Fatalf("round %d: search for a key gave %v, %v", round, ids, err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen after rebuilds: %v", err)
	}
	defer y.Close()
	if y.Applied() != 102 {
		t.Fatalf("reopened index applied %d, want 102", y.Applied())
	}
}

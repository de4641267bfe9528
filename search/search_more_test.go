package search

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// Search says when there are more matches than the limit it returned,
// and only then.
func TestSearchReportsMoreBeyondLimit(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "index"))
	if err != ErrStale {
		t.Fatalf("fresh open: %v", err)
	}
	defer x.Close()
	var ops []Op
	for i := range 5 {
		ops = append(ops, Op{ID: fmt.Sprint("license:", i), Doc: &Doc{Type: "license", Notes: "renewal requested", Key: fmt.Sprintf("KEY%02dABC", i)}})
	}
	ops = append(ops, Op{ID: "license:9", Doc: &Doc{Type: "license", Notes: "unrelated", Key: "OTHER9"}})
	if err := x.Apply(ops, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit int
		n     int
		more  bool
	}{{3, 3, true}, {5, 5, false}, {10, 5, false}} {
		ids, more, err := x.Search(Query{Text: "renewal", Limit: c.limit})
		if err != nil || len(ids) != c.n || more != c.more {
			t.Errorf("limit %d: %d ids, more=%v, err=%v; want %d ids, more=%v", c.limit, len(ids), more, err, c.n, c.more)
		}
		if slices.Contains(ids, "license:9") {
			t.Errorf("limit %d: a license without the word matched", c.limit)
		}
	}
}

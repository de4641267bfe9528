package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigIndex is an index of n license documents, closed, in a directory
// of its own; it returns the directory.
func bigIndex(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	x, err := Open(dir)
	if !errors.Is(err, ErrStale) {
		t.Fatal(err)
	}
	err = x.Rebuild(func(emit func(string, Doc) error) error {
		for i := range n {
			d := Doc{Type: "license", Owner: "7", Key: fmt.Sprintf("K%04dABCDEFGH%04d", i, i*7), Name: fmt.Sprintf("seat %d", i), Notes: "note words " + fmt.Sprint(i), Customer: "Acme"}
			if err := emit(fmt.Sprint("license:", i), d); err != nil {
				return err
			}
		}
		return nil
	}, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatalf("no segment files in %s", dir)
	}
	return segs
}

// damage overwrites n bytes of file at off (negative: from the end).
func damage(t *testing.T, file string, off int64, n int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += int64(len(b))
	}
	for i := range int64(n) {
		b[off+i] ^= 0x5a
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 7, item 5: bytes damaged at the end of a segment made Open panic
// (slice bounds out of range); bytes damaged in the middle opened fine and
// every infix search failed. Both are found on open: the index is stale
// and comes back empty and usable, for the caller to rebuild.
func TestOpenDamagedSegmentIsStale(t *testing.T) {
	for name, hurt := range map[string]func(t *testing.T, seg string){
		"footer":         func(t *testing.T, seg string) { damage(t, seg, -20, 12) },
		"last bytes":     func(t *testing.T, seg string) { damage(t, seg, -4, 4) },
		"middle":         func(t *testing.T, seg string) { fi, _ := os.Stat(seg); damage(t, seg, fi.Size()/2, 16) },
		"truncated":      func(t *testing.T, seg string) { fi, _ := os.Stat(seg); os.Truncate(seg, fi.Size()/3) },
		"missing":        func(t *testing.T, seg string) { os.Remove(seg) },
		"empty":          func(t *testing.T, seg string) { os.Truncate(seg, 0) },
		"replaced a dir": func(t *testing.T, seg string) { os.Remove(seg); os.Mkdir(seg, 0o700) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := bigIndex(t, 600)
			for _, seg := range segments(t, dir) {
				hurt(t, seg)
			}
			y, err := Open(dir)
			// With every segment of the last snapshot gone, Bleve may fall
			// back to an older snapshot whose files are all there (it logs
			// "unable to load snapshot ... continuing"): that index is
			// consistent and holds less than was applied, so its caller
			// catches up from the change log or rebuilds. Anything else
			// must be refused as stale.
			if err == nil && y.Applied() < 42 {
				defer y.Close()
				usable(t, y)
				return
			}
			if !errors.Is(err, ErrStale) {
				if y != nil {
					y.Close()
				}
				t.Fatalf("damaged segment (%s): Open = %v, want ErrStale", name, err)
			}
			defer y.Close()
			usable(t, y)
		})
	}
}

// An undamaged index opens as it is, with its documents.
func TestOpenVerifiesSoundSegments(t *testing.T) {
	dir := bigIndex(t, 600)
	x, err := Open(dir)
	if err != nil {
		t.Fatalf("sound index: %v", err)
	}
	defer x.Close()
	if n, _ := x.DocCount(); n != 600 || x.Applied() != 42 {
		t.Fatalf("sound index: %d docs, applied %d", n, x.Applied())
	}
	ids, _, err := x.Search(Query{Text: "*CDEF*"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("infix on a sound index: %d hits, %v", len(ids), err)
	}
}

// A search on an index whose files went bad under it is ErrDamaged,
// never a QueryError blaming the user.
func TestSearchOnDamagedIndexIsDamaged(t *testing.T) {
	dir := bigIndex(t, 600)
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	// Close the Bleve index under the wrapper: every read now fails.
	x.mu.Lock()
	x.idx.Close()
	x.mu.Unlock()
	_, _, err = x.Search(Query{Text: "*CDEF*"})
	x.mu.Lock()
	x.idx = nil // closed already
	x.mu.Unlock()
	var qe *QueryError
	if !errors.Is(err, ErrDamaged) || errors.As(err, &qe) {
		t.Fatalf("search on a broken index: %v, want ErrDamaged", err)
	}
	if strings.Contains(err.Error(), "query") && !strings.Contains(err.Error(), "damaged") {
		t.Errorf("error blames the query: %v", err)
	}
}

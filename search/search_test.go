package search

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testDocs are license-shaped documents; keys are stored compact and
// upper-case, as the licenses service stores them.
var testDocs = map[string]Doc{
	"license:1": {Type: "license", Owner: "7", Key: "ABCDEFGHJK", IP: "10.0.0.1", Order: "ORD-1001", Name: "Front office", Notes: "renew before audit", Customer: "Acme GmbH"},
	"license:2": {Type: "license", Owner: "7", Key: "ABCXYZ2345", IP: "10.0.0.2", Order: "ORD-1002", Name: "Back office", Notes: "spare seat", Customer: "Acme GmbH"},
	"license:3": {Type: "license", Owner: "8", Key: "QRSTEFGHMN", IP: "192.168.1.20", Order: "ORD-2001", Name: "Warehouse", Notes: "customer asked about upgrade", Customer: "Beta Ltd"},
	"license:4": {Type: "license", Owner: "8", Key: "ZZZZZZZZZZ", Order: "ORD-2002", Name: "Lab machine", Customer: "Beta Ltd"},
	// EFG and FGH both occur, but not EFGH: trigrams over-match, Matches must not.
	"license:5": {Type: "license", Owner: "8", Key: "EFGXXFGH22", Name: "Decoy"},
	"license:6": {Type: "license", Owner: "7", Key: "ABCDEFGHJ", Name: "Short key, a prefix of license 1"},
	"product:1": {Type: "product", Key: "ANTIVIRUS-PRO", Name: "Antivirus Pro", Notes: "endpoint protection"},
}

func newIndex(t *testing.T) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "index"))
	if !errors.Is(err, ErrStale) {
		t.Fatalf("open of a new directory: %v, want ErrStale", err)
	}
	t.Cleanup(func() { x.Close() })
	var ops []Op
	for id, d := range testDocs {
		ops = append(ops, Op{ID: id, Doc: &d})
	}
	if err := x.Apply(ops, 7); err != nil {
		t.Fatal(err)
	}
	return x
}

// find runs q and keeps the hits that pass verification of infix terms,
// as the services do with the records they load.
func find(t *testing.T, x *Index, q Query) []string {
	t.Helper()
	ids, _, err := x.Search(q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	terms := Parse(q.Text)
	var out []string
	for _, id := range ids {
		d := testDocs[id]
		ok := true
		for _, term := range terms {
			if term.Infix && !term.Matches(d.Key, d.IP, d.Order, d.Name, d.Notes, d.Customer) {
				ok = false
			}
		}
		if ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func TestSearchBox(t *testing.T) {
	x := newIndex(t)
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"infix wildcard on the key", Query{Text: "*EFGH*"}, []string{"license:1", "license:3", "license:6"}},
		{"infix is case-insensitive", Query{Text: "*efgh*"}, []string{"license:1", "license:3", "license:6"}},
		{"prefix wildcard", Query{Text: "ABC*"}, []string{"license:1", "license:2", "license:6"}},
		{"prefix, lower case finds upper-case keys", Query{Text: "abc*"}, []string{"license:1", "license:2", "license:6"}},
		{"a full key matches only that key", Query{Text: "ABCDEFGHJK"}, []string{"license:1"}},
		{"a full key typed in lower case", Query{Text: "abcdefghjk"}, []string{"license:1"}},
		{"a full key typed with dashes", Query{Text: "ABCDE-FGHJK"}, []string{"license:1"}},
		{"a shorter key does not match a longer one", Query{Text: "ABCDEFGHJ"}, []string{"license:6"}},
		{"infix with dashes as typed", Query{Text: "*DE-FG*"}, []string{"license:1", "license:6"}},
		{"plain word in notes", Query{Text: "upgrade"}, []string{"license:3"}},
		{"plain word in notes, any case", Query{Text: "AUDIT"}, []string{"license:1"}},
		{"plain word in name", Query{Text: "office"}, []string{"license:1", "license:2"}},
		{"two words must both match", Query{Text: "office front"}, []string{"license:1"}},
		{"customer", Query{Text: "acme"}, []string{"license:1", "license:2"}},
		{"IP address whole", Query{Text: "192.168.1.20"}, []string{"license:3"}},
		{"IP prefix", Query{Text: "10.0.0.*"}, []string{"license:1", "license:2"}},
		{"order number", Query{Text: "ord-2001"}, []string{"license:3"}},
		{"order number infix", Query{Text: "*-100*"}, []string{"license:1", "license:2"}},
		{"owner restriction", Query{Text: "*EFGH*", Owner: "7"}, []string{"license:1", "license:6"}},
		{"owner restriction hides another partner's match", Query{Text: "upgrade", Owner: "7"}, nil},
		{"type restriction", Query{Text: "pro*", Type: "product"}, []string{"product:1"}},
		{"type restriction excludes other types", Query{Text: "antivirus", Type: "license"}, nil},
		{"a dashed key whole", Query{Text: "antivirus-pro"}, []string{"product:1"}},
		{"a dashed key typed without its dash", Query{Text: "ANTIVIRUSPRO"}, []string{"product:1"}},
		{"a dashed key by prefix across the dash", Query{Text: "antivirus-p*"}, []string{"product:1"}},
		{"nothing matches", Query{Text: "*QQQQ*"}, nil},
		{"empty text with an owner lists the owner's", Query{Owner: "8"}, []string{"license:3", "license:4", "license:5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(t, x, c.q)
			if !slices.Equal(got, c.want) {
				t.Errorf("%q (owner %q, type %q) found %v, want %v", c.q.Text, c.q.Owner, c.q.Type, got, c.want)
			}
		})
	}
}

func TestInfixCandidatesIncludeEveryMatch(t *testing.T) {
	// The index may return extra candidates for an infix (trigrams), but
	// never miss a real one; Matches removes the extras.
	x := newIndex(t)
	ids, _, err := x.Search(Query{Text: "*EFGH*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"license:1", "license:3", "license:6"} {
		if !slices.Contains(ids, want) {
			t.Errorf("candidates %v miss %s", ids, want)
		}
	}
	term := Parse("*EFGH*")[0]
	d := testDocs["license:5"]
	if term.Matches(d.Key, d.IP, d.Order, d.Name) {
		t.Error("Matches accepts a key holding EFG and FGH but not EFGH")
	}
}

func TestParse(t *testing.T) {
	terms := Parse("  *efgh*   abc*  word ** 1 2 3 4 5 6 7 8 9")
	if len(terms) < 3 {
		t.Fatalf("parsed %+v", terms)
	}
	if !terms[0].Infix || terms[0].Core != "EFGH" {
		t.Errorf("*efgh* parsed as %+v", terms[0])
	}
	if terms[1].Infix || terms[1].Core != "ABC" {
		t.Errorf("abc* parsed as %+v", terms[1])
	}
	for _, term := range terms {
		if term.Core == "" {
			t.Errorf("an empty term survived: %+v", term)
		}
	}
	if len(terms) > maxTerms {
		t.Errorf("%d terms kept; a query is bounded to %d", len(terms), maxTerms)
	}
}

func TestDeleteAndApplied(t *testing.T) {
	x := newIndex(t)
	if got := x.Applied(); got != 7 {
		t.Fatalf("Applied = %d after applying seq 7", got)
	}
	if err := x.Apply([]Op{{ID: "license:3"}}, 9); err != nil {
		t.Fatal(err)
	}
	if got := find(t, x, Query{Text: "upgrade"}); len(got) != 0 {
		t.Errorf("a deleted document is still found: %v", got)
	}
	if x.Applied() != 9 {
		t.Errorf("Applied = %d, want 9", x.Applied())
	}
	n, _ := x.DocCount()
	if n != uint64(len(testDocs)-1) {
		t.Errorf("DocCount = %d, want %d", n, len(testDocs)-1)
	}
}

// reopen closes x and opens its directory again.
func reopen(t *testing.T, x *Index) (*Index, error) {
	t.Helper()
	dir := x.dir
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(dir)
	if y != nil {
		t.Cleanup(func() { y.Close() })
	}
	return y, err
}

// usable checks that an index answers searches and takes writes.
func usable(t *testing.T, x *Index) {
	t.Helper()
	if x == nil {
		t.Fatal("no index returned")
	}
	if n, err := x.DocCount(); err != nil || n != 0 {
		t.Fatalf("a stale index reopens with %d documents (%v), want a fresh empty one", n, err)
	}
	if x.Applied() != 0 {
		t.Fatalf("a fresh index claims to have applied seq %d", x.Applied())
	}
	d := testDocs["license:1"]
	if err := x.Apply([]Op{{ID: "license:1", Doc: &d}}, 1); err != nil {
		t.Fatalf("the fresh index takes no writes: %v", err)
	}
	if got := find(t, x, Query{Text: "ABC*"}); !slices.Equal(got, []string{"license:1"}) {
		t.Fatalf("the fresh index finds %v", got)
	}
}

func TestOpenReopensCurrentIndex(t *testing.T) {
	x := newIndex(t)
	y, err := reopen(t, x)
	if err != nil {
		t.Fatalf("reopening a current index: %v", err)
	}
	if y.Applied() != 7 {
		t.Errorf("Applied after reopen = %d, want 7", y.Applied())
	}
	if got := find(t, y, Query{Text: "*EFGH*"}); len(got) != 3 {
		t.Errorf("after reopen found %v", got)
	}
}

func TestOpenMissingIsStale(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "not", "there"))
	if !errors.Is(err, ErrStale) {
		t.Fatalf("missing index: %v, want ErrStale", err)
	}
	defer x.Close()
	usable(t, x)
}

func TestOpenCorruptIsStale(t *testing.T) {
	for name, corrupt := range map[string]func(dir string) error{
		"garbage files": func(dir string) error {
			os.RemoveAll(dir)
			os.MkdirAll(dir, 0o700)
			for _, f := range []string{"index_meta.json", "store", "root.bolt"} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("\x00\xffnot an index at all"), 0o600); err != nil {
					return err
				}
			}
			return nil
		},
		"truncated meta": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte(`{"storage":`), 0o600)
		},
		"a file instead of a directory": func(dir string) error {
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			return os.WriteFile(dir, []byte("junk"), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			x := newIndex(t)
			dir := x.dir
			x.Close()
			if err := corrupt(dir); err != nil {
				t.Fatal(err)
			}
			y, err := Open(dir)
			if !errors.Is(err, ErrStale) {
				if y != nil {
					y.Close()
				}
				t.Fatalf("corrupt index: %v, want ErrStale", err)
			}
			defer y.Close()
			usable(t, y)
		})
	}
}

func TestOpenOtherMappingIsStale(t *testing.T) {
	x := newIndex(t)
	if err := x.idx.SetInternal(keyMapping, []byte("0")); err != nil {
		t.Fatal(err)
	}
	y, err := reopen(t, x)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("index of mapping version 0: %v, want ErrStale", err)
	}
	usable(t, y)
}

func TestRebuildSwapsInCompleteIndex(t *testing.T) {
	x := newIndex(t)
	// The rebuilt index holds exactly what the feed gives: license:3
	// changed its notes, everything else is gone.
	feed := func(emit func(id string, d Doc) error) error {
		for i := 0; i < BatchSize+10; i++ { // more than one batch
			d := Doc{Type: "license", Key: "K" + strings.Repeat("0", 5) + string(rune('A'+i%26)), Name: "bulk"}
			if err := emit("license:"+itoa(1000+i), d); err != nil {
				return err
			}
		}
		return emit("license:3", Doc{Type: "license", Owner: "8", Key: "QRSTEFGHMN", Notes: "moved to new site"})
	}
	var progress []int
	if err := x.Rebuild(feed, 42, func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	if x.Applied() != 42 {
		t.Errorf("Applied after rebuild = %d, want 42", x.Applied())
	}
	n, _ := x.DocCount()
	if n != BatchSize+11 {
		t.Errorf("DocCount after rebuild = %d, want %d", n, BatchSize+11)
	}
	if len(progress) == 0 || progress[len(progress)-1] != BatchSize+11 {
		t.Errorf("progress reports %v", progress)
	}
	if got := find(t, x, Query{Text: "upgrade"}); len(got) != 0 {
		t.Errorf("old content survives the rebuild: %v", got)
	}
	if ids, _, _ := x.Search(Query{Text: "moved"}); !slices.Equal(ids, []string{"license:3"}) {
		t.Errorf("new content not found after rebuild: %v", ids)
	}
	if _, err := os.Stat(x.dir + ".rebuild"); !os.IsNotExist(err) {
		t.Errorf("side directory left behind: %v", err)
	}
	// The swapped-in index is the one on disk.
	y, err := reopen(t, x)
	if err != nil {
		t.Fatalf("reopen after rebuild: %v", err)
	}
	if y.Applied() != 42 {
		t.Errorf("Applied after rebuild and reopen = %d", y.Applied())
	}
}

func TestFailedRebuildKeepsOldIndex(t *testing.T) {
	x := newIndex(t)
	boom := errors.New("disk on fire")
	err := x.Rebuild(func(emit func(string, Doc) error) error {
		emit("license:99", Doc{Type: "license", Name: "half"})
		return boom
	}, 50, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("rebuild error %v, want the feed's", err)
	}
	if x.Applied() != 7 {
		t.Errorf("Applied after a failed rebuild = %d, want the old 7", x.Applied())
	}
	if got := find(t, x, Query{Text: "*EFGH*"}); len(got) != 3 {
		t.Errorf("old index no longer answers after a failed rebuild: %v", got)
	}
}

func itoa(n int) string {
	return strings.TrimLeft(strings.Repeat("0", 1)+string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}), "0")
}

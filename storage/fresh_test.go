package storage_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"licensedesk/storage"
)

// model is what a buffered bucket must look like to every reader.
type model map[string]string

func (m model) sorted() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestBufferedBucketReadsAsOne writes a buffered bucket (the order list
// index) with random puts, overwrites and deletes, in transactions of
// every size (some larger than the write buffer, some moving it into the
// big tree, some through the group commit and some rolled back), and
// after each checks every way of reading it against a plain map: Get,
// Each with and without a prefix, EachFrom, EachBefore, EachReverse, and
// a cursor turning round at random.
func TestBufferedBucketReadsAsOne(t *testing.T) {
	db := openDB(t, t.TempDir())
	const bucket = storage.OrderIndex
	r := rand.New(rand.NewPCG(1, 2))
	want := model{}
	sawBoth := false
	key := func() string { return fmt.Sprintf("%c%04d", 'a'+r.IntN(3), r.IntN(3000)) }
	for round := range 60 {
		ops := []int{1, 5, 40, 300, 1500}[r.IntN(5)]
		next := maps(want)
		write := func(tx *storage.Tx) error {
			for range ops {
				k := key()
				switch r.IntN(4) {
				case 0:
					if err := tx.Delete(bucket, []byte(k)); err != nil {
						return err
					}
					delete(next, k)
				default:
					v := fmt.Sprintf("v%d", r.IntN(1000))
					if err := tx.PutRaw(bucket, []byte(k), []byte(v)); err != nil {
						return err
					}
					next[k] = v
				}
			}
			if round%7 == 3 {
				return fmt.Errorf("rolled back")
			}
			return nil
		}
		var err error
		if round%2 == 0 {
			err = db.Update(write)
		} else {
			_, err = db.Write(write)
		}
		if err == nil {
			want = next
		}
		checkBuffered(t, db, bucket, want, r)
		db.View(func(tx *storage.Tx) error {
			big := tx.Bucket([]byte(bucket)).Stats().KeyN
			fresh := tx.Bucket([]byte(bucket + "~fresh")).Stats().KeyN
			if fresh > 1024 {
				t.Fatalf("the buffer holds %d keys", fresh)
			}
			sawBoth = sawBoth || big > 0 && fresh > 0
			return nil
		})
	}
	// The reads above met both trees holding keys at once: the buffer
	// had moved into the big tree and later writes waited in it again.
	if !sawBoth {
		t.Fatal("the buffer never moved while keys waited: the test did not exercise the union")
	}
}

func maps(m model) model {
	out := make(model, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func checkBuffered(t *testing.T, db *storage.DB, bucket string, want model, r *rand.Rand) {
	t.Helper()
	keys := want.sorted()
	err := db.View(func(tx *storage.Tx) error {
		var got []string
		tx.Each(bucket, nil, func(k, v []byte) bool {
			got = append(got, string(k))
			if want[string(k)] != string(v) {
				t.Fatalf("Each: %s = %q, want %q", k, v, want[string(k)])
			}
			return true
		})
		if !slices.Equal(got, keys) {
			t.Fatalf("Each: %d keys, want %d", len(got), len(keys))
		}
		if n := tx.Count(bucket); n != len(keys) {
			t.Fatalf("Count %d, want %d", n, len(keys))
		}
		for range 20 {
			p := string(rune('a' + r.IntN(3)))
			var pre, rev []string
			tx.Each(bucket, []byte(p), func(k, _ []byte) bool { pre = append(pre, string(k)); return true })
			tx.EachReverse(bucket, []byte(p), func(k, _ []byte) bool { rev = append(rev, string(k)); return true })
			var exp []string
			for _, k := range keys {
				if k[:1] == p {
					exp = append(exp, k)
				}
			}
			if !slices.Equal(pre, exp) {
				t.Fatalf("Each(%s): %v, want %v", p, head(pre), head(exp))
			}
			slices.Reverse(rev)
			if !slices.Equal(rev, exp) {
				t.Fatalf("EachReverse(%s) differs", p)
			}
			start := fmt.Sprintf("%s%04d", p, r.IntN(3000))
			var from, before []string
			tx.EachFrom(bucket, []byte(start), func(k, _ []byte) bool { from = append(from, string(k)); return len(from) < 50 })
			tx.EachBefore(bucket, []byte(p), []byte(start), func(k, _ []byte) bool { before = append(before, string(k)); return len(before) < 50 })
			i, _ := slices.BinarySearch(keys, start)
			if !slices.Equal(from, keys[i:min(i+50, len(keys))]) {
				t.Fatalf("EachFrom(%s) differs", start)
			}
			var expBefore []string
			j := i
			if j < len(keys) && keys[j] == start {
				j++
			}
			for j--; j >= 0 && keys[j][:1] == p && len(expBefore) < 50; j-- {
				expBefore = append(expBefore, keys[j])
			}
			if !slices.Equal(before, expBefore) {
				t.Fatalf("EachBefore(%s): %v, want %v", start, head(before), head(expBefore))
			}
			k := fmt.Sprintf("%s%04d", p, r.IntN(3000))
			got := tx.GetRaw(bucket, []byte(k))
			if w, ok := want[k]; ok != (got != nil) || ok && w != string(got) {
				t.Fatalf("GetRaw(%s) = %q, want %q", k, got, w)
			}
		}
		// A cursor walking and turning round at random.
		c := tx.Cursor(bucket)
		pos := -1 // index into keys; -1 or len: off an end
		k, _ := c.Seek([]byte("b1500"))
		pos, _ = slices.BinarySearch(keys, "b1500")
		for step := range 400 {
			if pos < 0 || pos >= len(keys) {
				if k != nil {
					t.Fatalf("step %d: cursor at %s, want the end", step, k)
				}
				if r.IntN(2) == 0 {
					k, _ = c.First()
					pos = 0
				} else {
					k, _ = c.Last()
					pos = len(keys) - 1
				}
				continue
			}
			if !bytes.Equal(k, []byte(keys[pos])) {
				t.Fatalf("step %d: cursor at %q, want %q", step, k, keys[pos])
			}
			if r.IntN(3) == 0 {
				k, _ = c.Prev()
				pos--
			} else {
				k, _ = c.Next()
				pos++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func head(s []string) []string { return s[:min(5, len(s))] }

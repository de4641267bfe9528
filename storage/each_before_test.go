package storage

import (
	"slices"
	"testing"
)

func TestEachBeforeWalksBackFromStart(t *testing.T) {
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := []string{"a1", "b1", "b3", "b5", "c1"}
	if err := db.Update(func(tx *Tx) error {
		for _, k := range keys {
			if err := tx.PutRaw(Audit, []byte(k), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	walk := func(prefix, start string) []string {
		var got []string
		db.View(func(tx *Tx) error {
			tx.EachBefore(Audit, []byte(prefix), []byte(start), func(k, _ []byte) bool { got = append(got, string(k)); return true })
			return nil
		})
		return got
	}
	for _, c := range []struct {
		prefix, start string
		want          []string
	}{
		{"b", "b3", []string{"b3", "b1"}},       // start is a key: included
		{"b", "b4", []string{"b3", "b1"}},       // start between keys
		{"b", "b9", []string{"b5", "b3", "b1"}}, // start past the prefix's keys
		{"b", "b0", nil},                        // start before every key of the prefix
		{"", "zz", []string{"c1", "b5", "b3", "b1", "a1"}},
	} {
		if got := walk(c.prefix, c.start); !slices.Equal(got, c.want) {
			t.Errorf("EachBefore(%q, %q) = %v, want %v", c.prefix, c.start, got, c.want)
		}
	}
}

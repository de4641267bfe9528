package app

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// Issue 7, item 5: an index that cannot be read while the desk runs made
// every infix search answer 422 blaming the user's query. It answers
// ErrSearchUnavailable (a 503), is rebuilt in the background, and
// searches work again without anyone deleting it by hand.
func TestSearchOnUnreadableIndexRebuilds(t *testing.T) {
	s, err := Open(Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.FillDemo(System)
	if err != nil {
		t.Fatal(err)
	}
	// The index goes away under the service (its files unreadable).
	if err := s.idx.Close(); err != nil {
		t.Fatal(err)
	}
	// A word is looked up in the index (an infix term like *A* is
	// answered from the in-memory copy and never reads it).
	q := ListParams{Filters: map[string]string{"q": "dental", "view": "all"}}
	// The first search answers unavailable, never blaming the query; when
	// the indexer has already noticed the unreadable index and swapped in
	// a rebuilt one, it answers from that.
	_, err = s.ListLicenses(System, q)
	var ve *ValidationError
	if errors.As(err, &ve) || err != nil && !errors.Is(err, ErrSearchUnavailable) {
		t.Fatalf("search on an unreadable index: %v, want ErrSearchUnavailable", err)
	}
	if _, err := s.ListProducts(System, ListParams{Filters: map[string]string{"q": "anti*"}}); errors.As(err, &ve) || err != nil && !errors.Is(err, ErrSearchUnavailable) {
		t.Fatalf("product search on an unreadable index: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pg, err := s.ListLicenses(System, q)
		if err == nil && pg.Total > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search still fails 30 s later: %v (of %d licenses)", err, res.Licenses)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

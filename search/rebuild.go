package search

import (
	"fmt"
	"os"

	"github.com/blevesearch/bleve/v2"
)

// Feed produces every document: it calls emit for each one and stops at
// the first error emit returns.
type Feed func(emit func(id string, d Doc) error) error

// BatchSize bounds memory during a rebuild.
const BatchSize = 2000

// Rebuild builds a fresh index from feed into a side directory and then
// swaps it in, so searches keep working on the old index meanwhile. seq is
// the change sequence the feed reflects; progress (may be nil) gets the
// running document count after each batch.
func (x *Index) Rebuild(feed Feed, seq uint64, progress func(n int)) error {
	side := x.dir + ".rebuild"
	if err := os.RemoveAll(side); err != nil {
		return err
	}
	fresh, err := create(side)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			fresh.Close()
			os.RemoveAll(side)
		}
	}()
	var ops []Op
	n := 0
	flush := func(final bool) error {
		if len(ops) == 0 && !final {
			return nil
		}
		// Intermediate batches record 0 so a crash mid-rebuild is never
		// mistaken for a finished index; the final batch records seq.
		s := uint64(0)
		if final {
			s = seq
		}
		if err := apply(fresh, ops, s); err != nil {
			return err
		}
		n += len(ops)
		ops = ops[:0]
		if progress != nil {
			progress(n)
		}
		return nil
	}
	if err := feed(func(id string, d Doc) error {
		ops = append(ops, Op{ID: id, Doc: &d})
		if len(ops) >= BatchSize {
			return flush(false)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	if err := flush(true); err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	if err := fresh.Close(); err != nil {
		return err
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx != nil {
		x.idx.Close()
	}
	if err := os.RemoveAll(x.dir); err != nil {
		return err
	}
	if err := os.Rename(side, x.dir); err != nil {
		return err
	}
	ok = true
	idx, err := bleve.OpenUsing(x.dir, openConfig)
	if err != nil {
		return err
	}
	x.idx = idx
	return nil
}

package search

import (
	"context"
	"fmt"
	"os"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
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
	a, err := x.BuildAside(feed, seq, progress)
	if err != nil {
		return err
	}
	return x.SwapIn(a)
}

// Aside is an index built next to the live one, not yet swapped in. It
// can be brought up to date (Apply) while the live index goes on serving.
type Aside struct {
	idx  bleve.Index
	side string
}

// Apply writes ops to the side index and records seq as applied.
func (a *Aside) Apply(ops []Op, seq uint64) error { return apply(a.idx, ops, seq) }

// Applied is the last change sequence the side index holds.
func (a *Aside) Applied() uint64 { return applied(a.idx) }

// Discard closes and removes a side index that will not be swapped in.
func (a *Aside) Discard() {
	a.idx.Close()
	os.RemoveAll(a.side)
}

// SwapIn closes the side index and puts it in place of the live one.
func (x *Index) SwapIn(a *Aside) error {
	if err := a.idx.Close(); err != nil {
		os.RemoveAll(a.side)
		return err
	}
	return x.swap(a.side)
}

// BuildAside builds a fresh index from feed into a side directory, merged
// to one segment, and returns it open: the caller catches it up with
// changes made meanwhile, then swaps it in (SwapIn) or discards it.
func (x *Index) BuildAside(feed Feed, seq uint64, progress func(n int)) (*Aside, error) {
	side := x.dir + ".rebuild"
	if err := os.RemoveAll(side); err != nil {
		return nil, err
	}
	fresh, err := create(side)
	if err != nil {
		return nil, err
	}
	open := true
	defer func() {
		if open {
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
		// Only the final batch records seq, so a crash mid-rebuild leaves
		// an index that claims nothing and is rebuilt again.
		if err := applyBatch(fresh, ops, seq, final); err != nil {
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
		return nil, fmt.Errorf("rebuild search index: %w", err)
	}
	if err := flush(true); err != nil {
		return nil, fmt.Errorf("rebuild search index: %w", err)
	}
	// A bulk build leaves many segments, and every query walks each
	// segment's dictionaries: merge them into one before swapping in.
	if adv, err := fresh.Advanced(); err == nil {
		if sc, ok := adv.(*scorch.Scorch); ok {
			if err := sc.ForceMerge(context.Background(), nil); err != nil {
				return nil, fmt.Errorf("merge rebuilt search index: %w", err)
			}
		}
	}
	open = false
	return &Aside{idx: fresh, side: side}, nil
}

// swap replaces the live index with the one built in side. The old index
// is moved aside first and put back if the new one cannot be opened.
func (x *Index) swap(side string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx != nil {
		if err := x.idx.Close(); err != nil {
			return err
		}
		x.idx = nil
	}
	old := x.dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(x.dir, old); err != nil && !os.IsNotExist(err) {
		return x.reopen(err)
	}
	if err := os.Rename(side, x.dir); err != nil {
		os.Rename(old, x.dir)
		return x.reopen(err)
	}
	idx, err := bleve.OpenUsing(x.dir, openConfig)
	if err != nil {
		os.RemoveAll(x.dir)
		os.Rename(old, x.dir)
		return x.reopen(err)
	}
	x.idx = idx
	os.RemoveAll(old)
	return nil
}

// reopen brings the previous index back after a failed swap and returns
// the cause.
func (x *Index) reopen(cause error) error {
	idx, err := bleve.OpenUsing(x.dir, openConfig)
	if err != nil {
		return fmt.Errorf("swap in rebuilt search index: %w (and reopening the old one: %v)", cause, err)
	}
	x.idx = idx
	return fmt.Errorf("swap in rebuilt search index: %w", cause)
}

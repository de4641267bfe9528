package app

import (
	"errors"
	"sync"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// The write path: every user action is one call of s.update. Concurrent
// calls share one bbolt transaction (storage's group commit), and each
// returns once that transaction is durable. The search index is not
// updated on the way: a background indexer follows the change log and
// applies the changes of many commits in one index batch. A search waits
// (briefly) for the index to reach the newest committed change, so what a
// user just saved is found by the next search.

// indexWaitBound is how long a search waits for the index to catch up
// with the writes committed before it; after that it answers from the
// index as it is.
const indexWaitBound = 5 * time.Second

// trimEvery is how many durably indexed changes accumulate before the
// change log is trimmed.
const trimEvery = 4096

// errIndexBehindLog: the change log was trimmed past what the index holds
// (an index restored from elsewhere): only a rebuild can bring it up to date.
var errIndexBehindLog = errors.New("search index is behind a trimmed change log")

type indexer struct {
	syncMu    sync.Mutex // one catch-up of the live index at a time
	reindexMu sync.Mutex // one rebuild at a time

	mu      sync.Mutex
	applied uint64        // what the live index durably holds
	moved   chan struct{} // closed (and replaced) when applied moves

	trimMu  sync.Mutex
	trimmed uint64 // the change log holds nothing at or below this
	floor   uint64 // while a rebuild runs: keep the log above this

	kick   chan struct{} // a write committed: index it soon
	urgent chan struct{} // a reader waits for the index: index now
	stop   chan struct{}
	done   chan struct{}
}

// update runs fn as one transaction, committed together with concurrent
// writers' and durable when it returns. fn may run more than once (when a
// neighbour in its group fails): it must only touch the transaction, and
// compute anything random or counted afresh on each run. The search
// index follows in the background.
func (s *Service) update(fn func(tx *storage.Tx) error) error {
	if _, err := s.db.Write(fn); err != nil {
		return err
	}
	s.kickIndex()
	return nil
}

func (s *Service) startIndexer() {
	s.ix.kick = make(chan struct{}, 1)
	s.ix.urgent = make(chan struct{}, 1)
	s.ix.stop = make(chan struct{})
	s.ix.done = make(chan struct{})
	go s.runIndexer()
}

func (s *Service) stopIndexer() {
	if s.ix.stop == nil {
		return
	}
	close(s.ix.stop)
	<-s.ix.done
	s.ix.stop = nil
}

// indexGather is how long the indexer lets writes gather before it
// applies them, unless a reader is waiting for them: one index batch of a
// few hundred changes costs far less than a hundred batches of a few
// (each batch is a segment to write, fsync and later merge).
//
// At 1M licenses, 32 clients editing notes through HTTP: 50 ms gave
// 3,170–3,417 writes/s in three runs, 250 ms 3,057–4,610 in five (fewer,
// larger index segments to persist and merge leave the cores to the
// writes). A search still finds a write at once: it hurries the indexer.
const indexGather = 250 * time.Millisecond

// kickIndex tells the indexer a write committed: it applies the change
// within indexGather, together with those that follow.
func (s *Service) kickIndex() {
	select {
	case s.ix.kick <- struct{}{}:
	default:
	}
}

// hurryIndex tells the indexer a reader waits: it applies what has been
// committed at once.
func (s *Service) hurryIndex() {
	select {
	case s.ix.urgent <- struct{}{}:
	default:
	}
}

func (s *Service) runIndexer() {
	defer close(s.ix.done)
	stop := func() {
		// Leave nothing committed unindexed that a clean stop could apply.
		if err := s.SyncIndex(); err != nil && !errors.Is(err, errIndexBehindLog) {
			s.log.Error("search index sync at close failed; it catches up on the next start", "err", err)
		}
	}
	gather := time.NewTimer(indexGather)
	gather.Stop()
	for {
		select {
		case <-s.ix.kick:
			gather.Reset(indexGather)
			select {
			case <-gather.C:
			case <-s.ix.urgent:
				gather.Stop()
			case <-s.ix.stop:
				gather.Stop()
				stop()
				return
			}
		case <-s.ix.urgent:
		case <-s.ix.stop:
			stop()
			return
		}
		// This sync applies everything committed so far: the signals
		// given until now are answered by it.
		select {
		case <-s.ix.kick:
		default:
		}
		select {
		case <-s.ix.urgent:
		default:
		}
		err := s.SyncIndex()
		if errors.Is(err, errIndexBehindLog) {
			s.log.Warn("search index is behind a trimmed change log: rebuilding")
			err = s.Reindex()
		}
		if err != nil {
			s.log.Error("search index sync failed; retrying in a second", "err", err)
			select {
			case <-time.After(time.Second):
				s.kickIndex()
			case <-s.ix.stop:
				return
			}
		}
	}
}

// publish records what the live index durably holds and wakes waiters.
func (s *Service) publish(applied uint64) {
	s.ix.mu.Lock()
	if applied != s.ix.applied || s.ix.moved == nil {
		s.ix.applied = applied
		if s.ix.moved != nil {
			close(s.ix.moved)
		}
		s.ix.moved = make(chan struct{})
	}
	s.ix.mu.Unlock()
}

// waitIndexed waits, at most indexWaitBound, until the search index holds
// every change committed before the call. Call it outside transactions:
// a read transaction held open would stall the writer when the file grows.
func (s *Service) waitIndexed() {
	var target uint64
	_ = s.db.View(func(tx *storage.Tx) error { target = tx.LastChange(); return nil })
	var timeout <-chan time.Time
	for {
		s.ix.mu.Lock()
		applied, moved := s.ix.applied, s.ix.moved
		s.ix.mu.Unlock()
		if applied >= target || moved == nil {
			return
		}
		if timeout == nil {
			timer := time.NewTimer(indexWaitBound)
			defer timer.Stop()
			timeout = timer.C
		}
		s.hurryIndex()
		select {
		case <-moved:
		case <-timeout:
			s.log.Warn("search answered from an index still catching up", "applied", applied, "committed", target)
			return
		}
	}
}

// indexSearch is every search of the index: it first lets the index catch
// up with committed writes.
func (s *Service) indexSearch(q search.Query) ([]string, bool, error) {
	s.waitIndexed()
	return s.idx.Search(q)
}

// SyncIndex applies to the live search index every change it has not
// applied yet, and trims the change log behind it. It returns
// errIndexBehindLog when the log no longer holds them all.
func (s *Service) SyncIndex() error {
	if s.idx == nil {
		return nil // opened without the index (Options.NoIndex)
	}
	s.ix.syncMu.Lock()
	defer s.ix.syncMu.Unlock()
	if err := s.catchUp(s.idx); err != nil {
		return err
	}
	s.publish(s.idx.Applied())
	return s.trimLog()
}

// indexTarget is the live index or one being rebuilt aside.
type indexTarget interface {
	Applied() uint64
	Apply(ops []search.Op, seq uint64) error
}

// indexBatch is the most change-log entries one index batch takes (and
// so the most documents a Bleve segment is built from). Larger batches
// leave fewer segments to merge but cost more to build, per document:
// a 1,000,000-row CSV import with 10,000 took 42.0 s building segments
// and 11.9 s merging them, with 2,000 31.5 s and 18.2 s (CPU profiles of
// BenchmarkCSVImport, same load), and a batch's analysis holds 5 times
// the memory.
const indexBatch = search.BatchSize

// catchUp applies the change log after what t holds, in batches of many
// commits' changes, each batch durable with its sequence.
func (s *Service) catchUp(t indexTarget) error {
	live := t == indexTarget(s.idx)
	for {
		from := t.Applied()
		var ops []search.Op
		var last uint64
		complete := true
		err := s.db.View(func(tx *storage.Tx) error {
			var changes []storage.Change
			changes, complete = tx.ChangesAfter(from, indexBatch)
			if !complete {
				return nil
			}
			seen := make(map[storage.Change]bool, len(changes))
			var licenses []uint64
			var decoded []*License // licenses[i] as read for its document, or nil
			// The in-memory copy follows the same log (refreshing is
			// idempotent, so an index rebuilt aside refreshes it too).
			defer func() { s.cols.refresh(tx, licenses, decoded) }()
			for _, c := range changes {
				last = c.Seq
				if c.Kind == colsOnlyKind { // the columns only, no search document
					licenses, decoded = append(licenses, c.ID), append(decoded, nil)
					continue
				}
				key := storage.Change{Kind: c.Kind, ID: c.ID}
				if seen[key] {
					continue // one document per record and batch: its state now
				}
				seen[key] = true
				id := docID(c.Kind, c.ID)
				var doc *search.Doc
				var err error
				if c.Kind == "license" {
					// Decoded once for both the document and the copy's row.
					var l *License
					doc, l, err = loadLicenseDoc(tx, c.ID)
					licenses, decoded = append(licenses, c.ID), append(decoded, l)
				} else {
					doc, err = s.loadDoc(tx, c.Kind, c.ID)
				}
				if err != nil && !errors.Is(err, ErrNotFound) { // it does not decode
					s.corruptRecord(c.Kind, c.ID, err)
					err = ErrNotFound
				}
				if errors.Is(err, ErrNotFound) {
					ops = append(ops, search.Op{ID: id})
					continue
				}
				if err != nil {
					return err
				}
				ops = append(ops, search.Op{ID: id, Doc: doc})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !complete {
			return errIndexBehindLog
		}
		if last == 0 {
			return nil // nothing after what t holds
		}
		// Even with no document to change (column-only entries) the
		// sequence moves, so searches stop waiting for it.
		if err := t.Apply(ops, last); err != nil {
			return err
		}
		if live {
			s.publish(last)
		}
	}
}

// trimLog deletes change-log entries the live index durably holds, once
// enough have gathered; never past where a running rebuild will catch up
// from.
func (s *Service) trimLog() error {
	s.ix.trimMu.Lock()
	defer s.ix.trimMu.Unlock()
	upto := s.idx.Applied()
	if s.ix.floor != 0 {
		upto = min(upto, s.ix.floor)
	}
	if upto < s.ix.trimmed+trimEvery {
		return nil
	}
	if err := s.db.TrimChanges(upto); err != nil {
		return err
	}
	s.ix.trimmed = upto
	return nil
}

// Reindex rebuilds the search index from the data. The new index is built
// aside while writes and searches go on against the live one; it is then
// caught up from the change log and swapped in, the live indexer held
// only for the last few changes and the swap.
func (s *Service) Reindex() error {
	if s.idx == nil {
		return errors.New("the search index is not open")
	}
	s.ix.reindexMu.Lock()
	defer s.ix.reindexMu.Unlock()
	var seq uint64
	s.ix.trimMu.Lock()
	err := s.db.View(func(tx *storage.Tx) error { seq = tx.LastChange(); return nil })
	s.ix.floor = max(seq, 1)
	s.ix.trimMu.Unlock()
	defer func() {
		s.ix.trimMu.Lock()
		s.ix.floor = 0
		s.ix.trimMu.Unlock()
	}()
	if err != nil {
		return err
	}
	start := time.Now()
	aside, err := s.idx.BuildAside(s.feedAll, seq, s.progress)
	if err != nil {
		return err
	}
	// Changes committed while it was built come after seq.
	if err := s.catchUp(aside); err != nil {
		aside.Discard()
		return err
	}
	s.ix.syncMu.Lock()
	if err := s.catchUp(aside); err != nil {
		s.ix.syncMu.Unlock()
		aside.Discard()
		return err
	}
	err = s.idx.SwapIn(aside)
	applied := s.idx.Applied()
	s.publish(applied)
	s.ix.syncMu.Unlock()
	if err != nil {
		return err
	}
	s.rebuildCols()
	n, _ := s.idx.DocCount()
	s.log.Info("search index rebuilt", "documents", n, "took", time.Since(start).Round(time.Millisecond))
	s.ix.trimMu.Lock()
	defer s.ix.trimMu.Unlock()
	if err := s.db.TrimChanges(applied); err != nil {
		return err
	}
	s.ix.trimmed = applied
	return nil
}

package storage

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit: concurrent writers hand their transaction functions to one
// writer goroutine, which runs everything queued while the previous commit
// was being written in one bbolt transaction, so 32 concurrent writers pay
// for one fsync instead of 32. Nobody waits for a timer: an idle writer
// commits a lone call at once, and a busy one gathers what queued meanwhile.
//
// Each call stays all-or-nothing: when one fails, the shared transaction is
// rolled back, the failing call is run again alone (its answer is that
// run's), and the others are retried together. A function may therefore run
// more than once and must have no effect outside its transaction.

// maxGroup bounds one group commit: a larger transaction holds more dirty
// pages and makes its members wait longer for the fsync.
const maxGroup = 128

// groupLinger is the longest the writer waits for more writers before a
// commit, when the previous commit had company (a lone writer commits at
// once). Measured at 1M licenses with 32 clients editing notes through
// HTTP: without it commits held about 4 writes and the writer, busy with
// each commit's fixed cost (two fsyncs), managed about 1,900 writes/s,
// p99 61 ms; with it about 20 writes a commit, 3,100–4,200 writes/s, p99
// 22–31 ms (bench/RESULTS.md).
const groupLinger = 2 * time.Millisecond

type groupCall struct {
	fn   func(tx *Tx) error
	done chan error
	seq  uint64 // change log sequence after the commit
}

type grouper struct {
	db    *DB
	calls chan *groupCall
	stop  chan struct{}
	wg    sync.WaitGroup

	commits, members, busyNanos atomic.Int64 // for WriteStats
}

// WriteStats says how the group commit has gone since the file was
// opened: transactions committed, writes they held, and the time the
// writer spent running and committing them (the rest it waited for
// work). Benchmarks report it beside their rates.
type WriteStats struct {
	Commits, Writes int64
	Busy            time.Duration
	Pages           int64 // pages written to the file by every write transaction
	// Of every write transaction's commit: the time spent laying out its
	// dirty pages (Spill), and writing them and the meta page to the file
	// with their two fsyncs (Disk). Busy less these is the time the writer
	// spent running the transactions' functions.
	Spill, Disk time.Duration
}

// WriteStats returns the group commit's figures so far.
func (db *DB) WriteStats() WriteStats {
	db.groupMu.RLock()
	defer db.groupMu.RUnlock()
	g := db.group
	if g == nil {
		return WriteStats{}
	}
	st := db.bolt.Stats()
	return WriteStats{Commits: g.commits.Load(), Writes: g.members.Load(), Busy: time.Duration(g.busyNanos.Load()),
		Pages: st.TxStats.GetWrite(), Spill: st.TxStats.GetSpillTime(), Disk: st.TxStats.GetWriteTime()}
}

var errClosed = errors.New("the data file is closed")

func newGrouper(db *DB) *grouper {
	g := &grouper{db: db, calls: make(chan *groupCall, 4*maxGroup), stop: make(chan struct{})}
	g.wg.Add(1)
	go g.run()
	return g
}

// Write runs fn in a read-write transaction shared with other concurrent
// writers and returns when that transaction is durable (or failed), with
// the change log's sequence as committed (every change fn recorded is at
// or below it).
func (db *DB) Write(fn func(tx *Tx) error) (uint64, error) {
	db.groupMu.RLock()
	g := db.group
	if g == nil {
		db.groupMu.RUnlock()
		return 0, errClosed
	}
	c := &groupCall{fn: fn, done: make(chan error, 1)}
	g.calls <- c
	db.groupMu.RUnlock()
	err := <-c.done
	return c.seq, err
}

func (g *grouper) close() {
	close(g.stop)
	g.wg.Wait()
}

func (g *grouper) run() {
	defer g.wg.Done()
	batch := make([]*groupCall, 0, maxGroup)
	// recent holds the sizes of the last commits: the writer lingers
	// until as many writers are in as in the largest of them, so one
	// small commit does not shrink the next ones.
	var recent [16]int
	next := 0
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case c := <-g.calls:
			batch = append(batch[:0], c)
		case <-g.stop:
			// Writers hold groupMu while they queue, and close takes it
			// before stopping: nothing can still be queued unseen.
			for {
				select {
				case c := <-g.calls:
					g.commit([]*groupCall{c})
				default:
					return
				}
			}
		}
	gather:
		for len(batch) < maxGroup {
			select {
			case c := <-g.calls:
				batch = append(batch, c)
			default:
				break gather
			}
		}
		want := slices.Max(recent[:])
		if want > 1 && len(batch) < want {
			// Writers are arriving together: a commit's fsyncs cost
			// the same for one write as for thirty, so the writers of
			// the previous commits, on their way back with their next
			// write, get a moment to join (until as many are in as in
			// the largest recent commit, at most groupLinger).
			linger.Reset(groupLinger)
		wait:
			for len(batch) < want {
				select {
				case c := <-g.calls:
					batch = append(batch, c)
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
		}
		recent[next] = len(batch)
		next = (next + 1) % len(recent)
		g.commit(batch)
	}
}

// commit runs calls in one transaction. A failing call is split off and
// answered by a run of its own; the rest are committed together.
func (g *grouper) commit(calls []*groupCall) {
	start := time.Now()
	g.commits.Add(1)
	g.members.Add(int64(len(calls)))
	defer func() { g.busyNanos.Add(int64(time.Since(start))) }()
	for len(calls) > 0 {
		failed := -1
		var seq uint64
		err := g.db.bolt.Update(func(btx *bolt.Tx) error {
			tx := &Tx{Tx: btx}
			for i, c := range calls {
				if err := safeRun(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			if err := tx.moveFresh(); err != nil {
				return err
			}
			seq = tx.LastChange()
			return nil
		})
		switch {
		case err == nil:
			for _, c := range calls {
				c.seq = seq
				c.done <- nil
			}
			return
		case failed < 0 || len(calls) == 1:
			// The commit itself failed (disk full, I/O error), or a
			// lone call failed: that is every member's answer.
			for _, c := range calls {
				c.done <- err
			}
			return
		}
		// Run the failing call alone, so its answer does not depend on
		// its neighbours, then retry the others together.
		g.commit([]*groupCall{calls[failed]})
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}

// safeRun turns a panic in fn into an error for its caller, so one bad
// request cannot take the writer (and every other writer) down.
func safeRun(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write failed: %v", r)
		}
	}()
	return fn(tx)
}

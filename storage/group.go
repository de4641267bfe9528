package storage

import (
	"errors"
	"fmt"
	"sync"

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
		g.commit(batch)
	}
}

// commit runs calls in one transaction. A failing call is split off and
// answered by a run of its own; the rest are committed together.
func (g *grouper) commit(calls []*groupCall) {
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

package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// GCHeadroom is how far the server's heap may grow past its live data
// before a garbage collection, at least: Go's default (GOGC=100) lets it
// grow by the live heap itself, which on a small desk (a live heap of
// 20 MB) means a collection every few megabytes of requests. Measured
// with 32 partners buying at once (bench/buy): about 12 collections a
// second took 15 % of the CPU and slowed the single writer with write
// barriers and assists; with this headroom, purchases per second rose by
// about a tenth (bench/RESULTS.md). A large desk (a live heap above
// GCHeadroom) keeps Go's default; the cost is at most this much memory.
const GCHeadroom = 64 << 20

// HoldGCHeadroom keeps the collector's goal at least headroom bytes above
// the live heap, retuning GOGC after every collection, until stop is
// called (which restores the setting it found). A GOGC set in the
// environment is the operator's choice and is left alone.
func HoldGCHeadroom(headroom uint64) (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	t := &gcTuner{headroom: headroom, base: debug.SetGCPercent(100)}
	debug.SetGCPercent(t.base)
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(t.base)
	}
}

type gcTuner struct {
	headroom uint64
	base     int // the setting found, restored by stop
	mu       sync.Mutex
	stopped  bool // under mu: a retune cannot land after stop restored base
	sample   [1]metrics.Sample
}

// arm leaves an object for the next collection to find unreachable: its
// finalizer runs after that collection, retunes, and arms again.
func (t *gcTuner) arm() {
	s := &gcSentinel{t: t}
	runtime.SetFinalizer(s, func(s *gcSentinel) {
		if s.t.retune() {
			s.t.arm()
		}
	})
}

type gcSentinel struct {
	t *gcTuner
	_ [16]byte // not a tiny allocation: those may share a block and never be freed
}

// gcPercentMax bounds the setting for a nearly empty heap.
const gcPercentMax = 1000

// retune sets GOGC so the next goal is live + max(live, headroom); it
// reports false once stopped.
func (t *gcTuner) retune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	t.sample[0].Name = "/gc/heap/live:bytes"
	metrics.Read(t.sample[:])
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return true
	}
	live := t.sample[0].Value.Uint64()
	pct := t.base
	if live > 0 && t.headroom*100/live > uint64(pct) {
		pct = int(min(t.headroom*100/live, gcPercentMax))
	}
	debug.SetGCPercent(pct)
	return true
}

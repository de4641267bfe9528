package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads the current GOGC setting.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// With a small live heap the tuner raises GOGC so the goal sits the
// headroom above it (capped), and stop puts back the setting it found.
func TestHoldGCHeadroom(t *testing.T) {
	t.Setenv("GOGC", "")
	before := gcPercent()
	stop := HoldGCHeadroom(GCHeadroom)
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() <= before {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("GOGC still %d after collections; want it raised for a small heap", gcPercent())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := gcPercent(); p > gcPercentMax {
		t.Errorf("GOGC %d, above the cap %d", p, gcPercentMax)
	}
	stop()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if p := gcPercent(); p != before {
		t.Fatalf("GOGC %d after stop, want %d back", p, before)
	}
}

// A GOGC in the environment is the operator's: the tuner does nothing.
func TestHoldGCHeadroomLeavesGOGCFromTheEnvironment(t *testing.T) {
	t.Setenv("GOGC", "150")
	before := gcPercent()
	stop := HoldGCHeadroom(GCHeadroom)
	defer stop()
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := gcPercent(); p != before {
		t.Fatalf("GOGC moved from %d to %d although GOGC is set", before, p)
	}
}

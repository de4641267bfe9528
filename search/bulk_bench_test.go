package search

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkApplyBulk: what a bulk load of licenses costs the index alone,
// documents shaped like an imported license CSV's rows applied in batches
// of BatchSize as the indexer applies them. LICENSEDESK_BENCH_DOCS sets
// how many (100,000 by default). Run it with /usr/bin/time or
// -cpuprofile for the CPU it takes: on two cores Bleve's analysis workers
// and merger run beside the batches.
func BenchmarkApplyBulk(b *testing.B) {
	n := 100000
	if v := os.Getenv("LICENSEDESK_BENCH_DOCS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("LICENSEDESK_BENCH_DOCS=%q", v)
		}
	}
	for b.Loop() {
		b.StopTimer()
		x, err := Open(filepath.Join(b.TempDir(), "index"))
		if err != nil && err != ErrStale {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var ops []Op
		for i := range n {
			d := Doc{Type: "license", Owner: "2", Key: fmt.Sprintf("AB%04d-CDEF-%06d-GH", i%9999, i),
				IP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Order: fmt.Sprintf("SO-%07d", i),
				Name: fmt.Sprintf("Workstation %d", i), Notes: "migrated from the old desk",
				Customer: fmt.Sprintf("Customer %d GmbH", i%5000), Status: "active", Product: "1", NoGrams: true}
			ops = append(ops, Op{ID: "license:" + strconv.Itoa(i+1), Doc: &d})
			if len(ops) == BatchSize {
				if err := x.Apply(ops, uint64(i+1)); err != nil {
					b.Fatal(err)
				}
				ops = ops[:0]
			}
		}
		if err := x.Apply(ops, uint64(n)); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "docs/s")
		b.StopTimer()
		x.Close()
		b.StartTimer()
	}
}

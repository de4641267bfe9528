package app

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Benchmarks on a data set from bench/gen, in process (no HTTP):
//
//	LICENSEDESK_BENCH_DATA=/path/to/a/copy go test ./app -run XXX -bench Scale
//
// The data directory is changed (note edits): point it at a copy.
var scaleSvc struct {
	once sync.Once
	svc  *Service
	n    int
	err  error
}

func scaleService(b *testing.B) (*Service, int) {
	dir := os.Getenv("LICENSEDESK_BENCH_DATA")
	if dir == "" {
		b.Skip("LICENSEDESK_BENCH_DATA names a copy of a bench/gen data directory")
	}
	scaleSvc.once.Do(func() {
		svc, err := Open(Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			scaleSvc.err = err
			return
		}
		svc.cols.wait(time.Minute)
		page, err := svc.ListLicenses(System, ListParams{PerPage: 1})
		scaleSvc.svc, scaleSvc.n, scaleSvc.err = svc, page.Total, err
	})
	if scaleSvc.err != nil {
		b.Fatal(scaleSvc.err)
	}
	return scaleSvc.svc, scaleSvc.n
}

func benchList(b *testing.B, params func(r *rand.Rand) ListParams) {
	svc, _ := scaleService(b)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := svc.ListLicenses(System, params(r)); err != nil {
			b.Fatal(err)
		}
	}
	// The machine is shared: CPU time per request says more than the
	// wall clock when other work takes the cores.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkScaleListAll(b *testing.B) {
	benchList(b, func(*rand.Rand) ListParams { return ListParams{PerPage: 50} })
}

func BenchmarkScaleListActivePages(b *testing.B) {
	benchList(b, func(r *rand.Rand) ListParams {
		return ListParams{PerPage: 50, Page: 1 + r.IntN(100), Filters: map[string]string{"status": "active"}}
	})
}

const fragLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randFrag(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = fragLetters[r.IntN(len(fragLetters))]
	}
	return string(b)
}

func BenchmarkScaleSearchOneChar(b *testing.B) {
	benchList(b, func(r *rand.Rand) ListParams {
		return ListParams{PerPage: 50, Filters: map[string]string{"q": "*" + randFrag(r, 1) + "*"}}
	})
}

func BenchmarkScaleSearchTwoChars(b *testing.B) {
	benchList(b, func(r *rand.Rand) ListParams {
		return ListParams{PerPage: 50, Filters: map[string]string{"q": "*" + randFrag(r, 2) + "*"}}
	})
}

func BenchmarkScaleSearchFourChars(b *testing.B) {
	benchList(b, func(r *rand.Rand) ListParams {
		return ListParams{PerPage: 50, Filters: map[string]string{"q": "*" + randFrag(r, 4) + "*"}}
	})
}

func BenchmarkScaleSearchManyMatches(b *testing.B) {
	qs := []string{"stone", "*O-11*", "*1234*"}
	i := 0
	benchList(b, func(r *rand.Rand) ListParams {
		i++
		return ListParams{PerPage: 50, Filters: map[string]string{"q": qs[i%len(qs)]}}
	})
}

// BenchmarkScaleNoteEdits: 32 concurrent writers editing one random
// license's notes each; every edit is durable when it returns.
func BenchmarkScaleNoteEdits(b *testing.B) {
	svc, n := scaleService(b)
	b.SetParallelism(16) // × GOMAXPROCS (2 here) = 32 writers
	var seed uint64
	var mu sync.Mutex
	// Every run writes notes no earlier run wrote: an edit that changes
	// nothing writes nothing.
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		r := rand.New(rand.NewPCG(seed, 5))
		mu.Unlock()
		i := 0
		for pb.Next() {
			i++
			notes := "bench " + run + " " + strconv.Itoa(i)
			if _, err := svc.EditLicense(System, uint64(1+r.IntN(n)), LicenseEdit{Notes: &notes}); err != nil && err != ErrNotFound {
				b.Fatal(err)
			}
		}
	})
}

package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/app/cli"
)

// importCSVRows is how many rows BenchmarkCSVImport reads:
// LICENSEDESK_BENCH_CSV_ROWS, 100,000 by default (the target is set at
// 1,000,000 rows).
func importCSVRows(b *testing.B) int {
	n := 100000
	if v := os.Getenv("LICENSEDESK_BENCH_CSV_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("LICENSEDESK_BENCH_CSV_ROWS=%q", v)
		}
	}
	return n
}

// benchCSV writes n rows in this desk's export format, every key new.
func benchCSV(b *testing.B, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "key", "name", "product", "edition", "seats", "period_months", "status", "payment_status", "purchased",
		"valid_from", "valid_to", "activate_by", "auto_renew", "auto_renew_months", "ip", "customer", "customer_email", "partner",
		"distributor", "order_number", "registration_key", "registrations", "notes"})
	from := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	for i := range n {
		f := from.AddDate(0, 0, i%365)
		to := f.AddDate(1, 0, 0)
		w.Write([]string{strconv.Itoa(i + 1), app.NewLicenseKey(), fmt.Sprintf("Workstation %d", i), "av", "business", strconv.Itoa(1 + i%50), "12",
			"active", "paid", f.Format(time.RFC3339), f.Format(time.RFC3339), to.Format(time.RFC3339), f.AddDate(1, 0, 0).Format(time.RFC3339),
			"false", "0", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), fmt.Sprintf("Customer %d GmbH", i%5000),
			fmt.Sprintf("it%d@customer%d.example", i%7, i%5000), "P-OTHR-DESK", "", fmt.Sprintf("SO-%07d", i), "", "0", "migrated from the old desk"})
	}
	w.Flush()
	return buf.Bytes()
}

// BenchmarkCSVImport: importing a license CSV of another desk into a
// desk with one product and one partner. Reported apart: the import's
// answer (both passes, every row written), the time until the search
// index holds every row, the CPU time of both, and how far the live heap
// and the resident set rose (sampled every 10 ms). Target at 1,000,000
// rows: ≤ 60 s and ≤ 300 MiB.
//
// The cases: command runs `licensedesk import FILE --partner P-…` in
// this process, as a user runs it (the server stopped); server calls the
// import on a desk opened as the server opens it, the in-memory copy of
// the license columns included (POST /api/v1/licenses/import, which
// takes files up to the upload limit); data-only opens the desk without
// a search index: what the import costs apart from Bleve.
func BenchmarkCSVImport(b *testing.B) {
	n := importCSVRows(b)
	// The command line imports a file: so does the benchmark, and the
	// file's bytes are not on the heap (where they would count as idle
	// and raise the garbage collector's goal by their size).
	path := filepath.Join(b.TempDir(), "licenses.csv")
	if err := os.WriteFile(path, benchCSV(b, n), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("command", func(b *testing.B) { benchCSVImport(b, path, n, importCommand) })
	b.Run("server", func(b *testing.B) { benchCSVImport(b, path, n, importServer) })
	b.Run("data-only", func(b *testing.B) { benchCSVImport(b, path, n, importDataOnly) })
}

type importCase int

const (
	importCommand importCase = iota
	importServer
	importDataOnly
)

func benchCSVImport(b *testing.B, path string, n int, how importCase) {
	noIndex := how == importDataOnly
	var cpu cpuMeter
	var answer, searchable time.Duration
	var peak memPeak
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet, NoIndex: noIndex})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CreateProduct(app.System, productInput("av")); err != nil {
			b.Fatal(err)
		}
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Receiver")})
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		// Idle is measured with the heap's free pages given back: the
		// CSV written above leaves hundreds of MB of them resident,
		// which the import would otherwise reuse without the resident
		// set rising.
		if how == importCommand {
			svc.Close() // the command opens the desk itself
		}
		debug.FreeOSMemory()
		stop := sampleMemory()
		b.StartTimer()
		cpu.on()
		start := time.Now()
		imported := 0
		if how == importCommand {
			var out, errs strings.Builder
			if code := cli.Run(context.Background(), []string{"import", path, "--partner", p.PublicID, "--data", dir}, nil, &out, &errs); code != 0 {
				b.Fatalf("licensedesk import: exit %d: %s", code, errs.String())
			}
			if _, err := fmt.Sscanf(out.String()[strings.LastIndex(out.String(), ";")+1:], "%d imported", &imported); err != nil {
				b.Fatalf("licensedesk import said %q: %v", out.String(), err)
			}
		} else {
			rep, err := svc.ImportLicensesCSV(app.System, f, app.CSVImportOptions{Partner: p.PublicID})
			if err != nil {
				b.Fatal(err)
			}
			imported = rep.Imported
		}
		answer += time.Since(start)
		if how == importServer {
			if err := svc.SyncIndex(); err != nil {
				b.Fatal(err)
			}
		}
		searchable += time.Since(start) // the command returns once search finds every row
		cpu.off()
		b.StopTimer()
		m := stop()
		peak.heap, peak.rss = max(peak.heap, m.heap), max(peak.rss, m.rss)
		if imported != n {
			b.Fatalf("imported %d of %d", imported, n)
		}
		if how == importCommand {
			if svc, err = app.Open(app.Options{DataDir: dir, Logger: quiet}); err != nil {
				b.Fatal(err)
			}
		}
		if !noIndex {
			pg, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{"q": "Workstation"}})
			if err != nil || pg.Total != n {
				b.Fatalf("a search after the import finds %d of %d: %v", pg.Total, n, err)
			}
		}
		f.Close()
		svc.Close()
		b.StartTimer()
	}
	cpu.report(b)
	b.ReportMetric(float64(answer.Milliseconds())/float64(b.N), "ms-answer/op")
	if !noIndex {
		b.ReportMetric(float64(searchable.Milliseconds())/float64(b.N), "ms-searchable/op")
	}
	b.ReportMetric(float64(peak.heap)/(1<<20), "MiB-heap-above")
	b.ReportMetric(float64(peak.rss)/(1<<20), "MiB-rssanon-above")
}

// memPeak is how far the live Go heap and the resident set rose above
// where they were when sampling began.
type memPeak struct{ heap, rss uint64 }

// sampleMemory samples the live heap and the resident set every 10 ms
// until the returned function is called, which gives the peaks.
func sampleMemory() func() memPeak {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() memPeak {
		metrics.Read(sample)
		return memPeak{heap: sample[0].Value.Uint64(), rss: residentBytes()}
	}
	base := read()
	var mu sync.Mutex
	peak := base
	// LICENSEDESK_BENCH_HEAPPROF names a file for the heap profile at
	// the peak, to see where the memory above idle goes.
	prof, profiled := os.Getenv("LICENSEDESK_BENCH_HEAPPROF"), uint64(0)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			m := read()
			mu.Lock()
			if prof != "" {
				// A new peak of what the last GC found live: keep its
				// heap profile (by where it was allocated).
				metrics.Read(live)
				if v := live[0].Value.Uint64(); v > profiled {
					profiled = v
					if f, err := os.Create(prof); err == nil {
						pprof.Lookup("heap").WriteTo(f, 0)
						f.Close()
					}
				}
			}
			peak.heap, peak.rss = max(peak.heap, m.heap), max(peak.rss, m.rss)
			mu.Unlock()
		}
	}()
	return func() memPeak {
		close(stop)
		<-done
		return memPeak{heap: peak.heap - min(base.heap, peak.heap), rss: peak.rss - min(base.rss, peak.rss)}
	}
}

// residentBytes is the process's anonymous resident memory (Linux
// RssAnon), or 0: the data file's mapped pages, which the kernel counts
// as resident too but can drop at will, are left out.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

package app_test

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"licensedesk/app"
)

// cpuTime is the CPU time (user and system) the process has used. On a
// shared machine the wall time of a benchmark depends on the neighbours;
// the CPU time per operation does not, so both are reported.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter adds up CPU time across the timed parts of a benchmark.
type cpuMeter struct {
	start, total time.Duration
}

func (m *cpuMeter) on()  { m.start = cpuTime() }
func (m *cpuMeter) off() { m.total += cpuTime() - m.start }
func (m *cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(m.total.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// invoiceBench is a manual-program partner with a big balance.
type invoiceBench struct {
	svc     *app.Service
	pa      app.Actor
	p       app.Partner
	product app.Product
}

func newInvoiceBench(b *testing.B) *invoiceBench {
	b.Helper()
	svc, err := app.Open(app.Options{DataDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	prod, err := svc.CreateProduct(app.System, productInput("antivirus"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Month-End Reseller"), Email: ptr("billing@month.example"),
		DiscountBP: ptr(3000), Program: ptr(app.ProgramManual)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1_000_000_000_000, Kind: app.LedgerTopUp, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	return &invoiceBench{svc: svc, p: p, product: prod, pa: app.Actor{Role: app.RolePartner, PartnerID: p.ID, Email: "mara@month.example"}}
}

// pending loads n pending licenses for the partner and returns their ids.
func (ib *invoiceBench) pending(b *testing.B, n int) []uint64 {
	b.Helper()
	now := time.Now().UTC()
	ls := make([]app.License, n)
	for i := range ls {
		ls[i] = app.License{Name: "Antivirus", ProductID: ib.product.ID, ProductName: ib.product.Name, Edition: "business", Seats: 5,
			PeriodMonths: 12, Status: app.StatusOrdered, Payment: app.PaymentPending, Purchased: now, ActivateBy: now.AddDate(1, 0, 0),
			PartnerID: ib.p.ID, Customer: "Client " + uid(uint64(i)), Updated: now}
	}
	if err := ib.svc.ImportLicenses(app.System, ls); err != nil {
		b.Fatal(err)
	}
	ids := make([]uint64, n)
	for i, l := range ls {
		ids[i] = l.ID
	}
	return ids
}

func (ib *invoiceBench) checkout(b *testing.B, ids []uint64) app.CheckoutResult {
	b.Helper()
	r, err := ib.svc.Checkout(ib.pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: app.DefaultTerms.Version})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkCheckout10k checks out 10,000 pending licenses into one
// invoice; between runs the invoice is voided, freeing them again.
func BenchmarkCheckout10k(b *testing.B) {
	ib := newInvoiceBench(b)
	ids := ib.pending(b, 10000)
	var cpu cpuMeter
	b.ResetTimer()
	for range b.N {
		cpu.on()
		r := ib.checkout(b, ids)
		cpu.off()
		b.StopTimer()
		if r.LineCount != 10000 {
			b.Fatalf("%d lines", r.LineCount)
		}
		if _, err := ib.svc.VoidInvoice(ib.pa, r.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	cpu.report(b)
}

// BenchmarkPay10k pays a 10,000-license invoice from the balance: the
// ledger entry, 10,000 licenses turning paid with their history.
func BenchmarkPay10k(b *testing.B) { benchPay(b, 0) }

// BenchmarkPay10kAmong200k is BenchmarkPay10k on a desk that holds
// 200,000 other licenses (deeper buckets, a bigger index).
func BenchmarkPay10kAmong200k(b *testing.B) { benchPay(b, 200000) }

func benchPay(b *testing.B, others int) {
	ib := newInvoiceBench(b)
	for others > 0 {
		n := min(others, 50000)
		ib.pending(b, n)
		others -= n
	}
	if err := ib.svc.SyncIndex(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.StopTimer()
	var cpu cpuMeter
	for range b.N {
		r := ib.checkout(b, ib.pending(b, 10000))
		if err := ib.svc.SyncIndex(); err != nil { // the setup's indexing is not the payment's
			b.Fatal(err)
		}
		b.StartTimer()
		cpu.on()
		inv, err := ib.svc.PayInvoice(ib.pa, r.ID)
		cpu.off()
		b.StopTimer()
		if err != nil || inv.State != app.InvoicePaid {
			b.Fatalf("pay: %v %s", err, inv.State)
		}
	}
	cpu.report(b)
}

// BenchmarkInvoicePDF10k renders the PDF of a 10,000-line invoice and
// reports the peak of live heap above what was live before.
func BenchmarkInvoicePDF10k(b *testing.B) {
	ib := newInvoiceBench(b)
	r := ib.checkout(b, ib.pending(b, 10000))
	var peak atomic.Uint64
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	idle := sample[0].Value.Uint64()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
	}()
	var cpu cpuMeter
	b.ResetTimer()
	cpu.on()
	var size int
	for range b.N {
		pdf, _, err := ib.svc.InvoicePDF(ib.pa, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	cpu.off()
	b.StopTimer()
	cpu.report(b)
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load()-min(idle, peak.Load()))/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "pdf-MiB")
}

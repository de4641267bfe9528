package app_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"licensedesk/app"
)

// BenchmarkClientActivateNew registers a new machine on a different
// active license each call, from 64 concurrent callers (the HTTP load's 64
// keep-alive connections), every call durable before it returns: the
// write path's group commit at work. cpu-µs/op is the process's CPU time
// (user and system) per activation, which the neighbours on a shared
// machine do not inflate.
//
//	go test ./app -run '^$' -bench ClientActivateNew -benchtime 20000x
func BenchmarkClientActivateNew(b *testing.B) {
	const licenses = 40000
	if b.N > licenses {
		b.Fatalf("-benchtime %dx: at most %d activations (one per license)", b.N, licenses)
	}
	svc, e, p, prod := benchClientDesk(b)
	now := e.clk.Now().UTC()
	from, to := now.AddDate(0, -1, 0), now.AddDate(1, 0, 0)
	ls := make([]app.License, licenses)
	for i := range ls {
		ls[i] = app.License{Name: "Bench " + strconv.Itoa(i), ProductID: prod.ID, ProductName: prod.Name, Edition: "business", Seats: 3,
			PeriodMonths: 12, Status: app.StatusActive, Payment: app.PaymentPaid, Purchased: from, ActivateBy: to, ValidFrom: &from,
			ValidTo: &to, PartnerID: p.ID, Customer: "Client " + strconv.Itoa(i%500), Updated: from}
	}
	if err := svc.ImportLicenses(app.System, ls); err != nil {
		b.Fatal(err)
	}
	if err := svc.SyncIndex(); err != nil {
		b.Fatal(err)
	}
	calls := make([]app.ClientCall, licenses)
	for i, l := range ls {
		calls[i] = app.ClientCall{Key: l.Key, Fingerprint: "new-" + strconv.Itoa(i), Hostname: "host-" + strconv.Itoa(i), Addr: "127.0.0.1"}
	}
	var next atomic.Int64
	var cpu cpuMeter
	b.SetParallelism(32) // 64 callers on 2 cores
	b.ResetTimer()
	cpu.on()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := calls[next.Add(1)-1]
			a, err := svc.ClientActivate(c)
			if err != nil || a.Already || a.SeatsUsed != 1 {
				b.Errorf("activate %s: %+v %v", c.Key, a, err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	cpu.off()
	b.StopTimer()
	b.ReportMetric(float64(cpu.total.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "activations/s")
}

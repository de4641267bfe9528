package app_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"licensedesk/app"
)

// benchShop opens a fresh service with a product and a partner with a
// large balance.
func benchShop(b testing.TB) (*app.Service, app.Actor, app.BasketLine) {
	b.Helper()
	svc, err := app.Open(app.Options{DataDir: b.TempDir(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	prod, err := svc.CreateProduct(app.System, productInput("antivirus"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Alpha"), DiscountBP: ptr(3000)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1e12, Kind: app.LedgerTopUp, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	u, err := svc.CreateUser(app.System, app.UserInput{Email: ptr("buyer@alpha.example"), Role: ptr(app.RolePartner), PartnerID: ptr(p.ID), Password: ptr(goodPassword)})
	if err != nil {
		b.Fatal(err)
	}
	a := app.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: p.ID}
	return svc, a, app.BasketLine{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}
}

// BenchmarkPlaceOrderOne is one purchase of one license paid by balance,
// one buyer at a time: the write path's cost per purchase.
func BenchmarkPlaceOrderOne(b *testing.B) {
	svc, a, line := benchShop(b)
	for b.Loop() {
		if _, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceOrderBulk1000 is one order of 1,000 keys.
func BenchmarkPlaceOrderBulk1000(b *testing.B) {
	svc, a, line := benchShop(b)
	line.Quantity = 1000
	for b.Loop() {
		if _, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceOrderConcurrent is issue 8's purchase scenario without
// HTTP: 32 partners, each buying one license by balance as fast as it
// can, through the group commit. It reports the writer's busy time per
// purchase (what bounds the rate) beside the wall time per purchase.
func BenchmarkPlaceOrderConcurrent(b *testing.B) {
	const partners = 32
	svc, _, line := benchShop(b)
	actors := make([]app.Actor, partners)
	for i := range actors {
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr(fmt.Sprintf("Buyer %d", i)), DiscountBP: ptr(1000)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1e12, Kind: app.LedgerTopUp, Reason: "bench"}); err != nil {
			b.Fatal(err)
		}
		actors[i] = app.Actor{UserID: uint64(100 + i), Email: fmt.Sprintf("buyer%d@example.com", i), Role: app.RolePartner, PartnerID: p.ID}
	}
	in := app.OrderInput{Lines: []app.BasketLine{line}}
	var next atomic.Int64
	ws0 := svc.WriteStats()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range partners {
		wg.Add(1)
		go func(a app.Actor) {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, _, err := svc.PlaceOrder(a, in, ""); err != nil {
					b.Error(err)
					return
				}
			}
		}(actors[i])
	}
	wg.Wait()
	b.StopTimer()
	ws := svc.WriteStats()
	if c := ws.Commits - ws0.Commits; c > 0 {
		b.ReportMetric(float64((ws.Busy-ws0.Busy).Nanoseconds())/float64(b.N), "writer-ns/op")
		b.ReportMetric(float64(ws.Writes-ws0.Writes)/float64(c), "writes/commit")
	}
}

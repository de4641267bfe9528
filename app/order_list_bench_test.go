package app_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"licensedesk/app"
)

// BenchmarkOrdersList1M times the orders list, filtered and sorted, over
// LICENSEDESK_BENCH_ORDERS orders (default 1,000,000) spread over three
// years and 40 partners. The data directory is kept in
// LICENSEDESK_BENCH_DIR when set, so later runs skip the load:
//
//	LICENSEDESK_BENCH_DIR=/tmp/orders1m go test -run X -bench OrdersList1M -benchtime 1x ./app/
//
// Each query shape runs 300 times; p50 and p99 are reported in ms.
func BenchmarkOrdersList1M(b *testing.B) {
	n := 1000000
	if v := os.Getenv("LICENSEDESK_BENCH_ORDERS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := os.Getenv("LICENSEDESK_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	end := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	if pg, _ := svc.ListOrders(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{"number": "B-0000001"}}); pg.Total == 0 {
		loadOrders(b, svc, n, end)
	}
	day := end.Format("2006-01-02")
	month := end.AddDate(0, -1, 0).Format("2006-01-02")
	quarter := end.AddDate(0, -3, 0).Format("2006-01-02")
	queries := []struct {
		name string
		p    app.ListParams
	}{
		{"today", app.ListParams{Filters: map[string]string{"from": day, "to": day}}},
		{"month,newest-first", app.ListParams{Sort: "-created", Filters: map[string]string{"from": month, "to": day}}},
		{"month,partner,oldest-first", app.ListParams{Sort: "created", Filters: map[string]string{"from": month, "to": day, "partner_id": "1"}}},
		{"month,partner,page-10", app.ListParams{Page: 10, Filters: map[string]string{"from": month, "to": day, "partner_id": "1"}}},
		{"quarter,state=unpaid", app.ListParams{Filters: map[string]string{"from": quarter, "to": day, "state": "unpaid"}}},
		{"quarter,partner,product,state", app.ListParams{Filters: map[string]string{"from": quarter, "to": day, "partner_id": "2", "product_id": "1", "state": "processed"}}},
		{"number", app.ListParams{Filters: map[string]string{"number": fmt.Sprintf("B-%07d", n/2)}}},
	}
	for b.Loop() {
		for _, q := range queries {
			var ds []time.Duration
			total := 0
			for range 300 {
				t := time.Now()
				pg, err := svc.ListOrders(app.System, q.p)
				if err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t))
				total = pg.Total
			}
			if total == 0 {
				b.Fatalf("%s matches no order: the data set does not cover the dates", q.name)
			}
			slices.Sort(ds)
			b.Logf("%-32s total %7d  p50 %6.2f ms  p99 %6.2f ms", q.name, total, ms(ds[len(ds)/2]), ms(ds[len(ds)*99/100]))
			b.ReportMetric(ms(ds[len(ds)*99/100]), "p99-ms-"+q.name)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loadOrders imports n orders over the three years before end.
func loadOrders(b *testing.B, svc *app.Service, n int, end time.Time) {
	b.Helper()
	r := rand.New(rand.NewPCG(3, 3))
	var partners []app.Partner
	for i := range 40 {
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr(fmt.Sprintf("Partner %02d", i+1)), DiscountBP: ptr(3000)})
		if err != nil {
			b.Fatal(err)
		}
		partners = append(partners, p)
	}
	var prods []app.Product
	for i := range 5 {
		p, err := svc.CreateProduct(app.System, productInput(fmt.Sprintf("product-%d", i+1)))
		if err != nil {
			b.Fatal(err)
		}
		prods = append(prods, p)
	}
	span := int64(3 * 365 * 24 * time.Hour)
	start := time.Now()
	const batch = 50000
	for done := 0; done < n; done += batch {
		os := make([]app.Order, 0, batch)
		for i := range min(batch, n-done) {
			// Oldest first, as orders arrive; a few big partners.
			at := end.Add(-time.Duration(span - span/int64(n)*int64(done+i)))
			pi := min(int(r.ExpFloat64()*float64(len(partners))/4), len(partners)-1)
			p := partners[pi]
			prod := prods[r.IntN(len(prods))]
			q := 1 + r.IntN(5)
			pl, err := app.PriceLine("lines[0]", prod, app.BasketLine{ProductID: prod.ID, Edition: "business", Seats: 1 + r.IntN(20), PeriodMonths: 12, Quantity: q}, q, app.PricingTerms{PartnerBP: p.DiscountBP})
			if err != nil {
				b.Fatal(err)
			}
			o := app.Order{Number: fmt.Sprintf("B-%07d", done+i+1), PartnerID: p.ID, PartnerName: p.Name, User: "buyer@example.com",
				Created: at, Lines: []app.PricedLine{pl}, Total: app.Money{Amount: pl.Total, Currency: "EUR"}, Refunded: app.Money{Currency: "EUR"},
				Kind: app.OrderPurchase, Payment: app.PayBalance, State: app.OrderProcessed}
			for k, price := range pl.UnitPrices() {
				o.Items = append(o.Items, app.OrderItem{LicenseID: uint64((done+i)*5 + k + 1), Price: price})
			}
			o.Events = []app.OrderEvent{{At: at, By: o.User, Action: "purchase", Amount: -pl.Total}}
			if r.IntN(100) < 5 {
				o.Payment, o.State = app.PayInvoice, app.OrderUnpaid
			}
			os = append(os, o)
		}
		if err := svc.ImportOrders(app.System, os); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d orders in %s", n, time.Since(start).Round(time.Second))
}

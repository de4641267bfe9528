package app

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Renewal benchmarks (issue 12). Figures and commands: bench/RESULTS.md.

type renewBench struct {
	svc     *Service
	clk     *ManualClock
	prod    Product
	partner []Partner
	pa      Actor
}

func newRenewBench(b *testing.B, partners int) *renewBench {
	b.Helper()
	clk := NewManualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	svc, err := Open(Options{DataDir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	eds := []Edition{{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise"}}, {Code: "enterprise", Name: "Enterprise"}}
	per := []int{12, 24}
	prices := []Price{{"business", 12, 2000}, {"business", 24, 3600}, {"enterprise", 12, 3500}, {"enterprise", 24, 6300}}
	code, name, cur := "sentinel", "Sentinel AV", "EUR"
	prod, err := svc.CreateProduct(System, ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &per, Prices: &prices})
	if err != nil {
		b.Fatal(err)
	}
	rb := &renewBench{svc: svc, clk: clk, prod: prod}
	for i := range partners {
		n, mail, disc := fmt.Sprintf("Partner %d", i), fmt.Sprintf("billing@p%d.example", i), 3000
		p, err := svc.CreatePartner(System, PartnerInput{Name: &n, Email: &mail, DiscountBP: &disc})
		if err != nil {
			b.Fatal(err)
		}
		amount := int64(1_000_000_000)
		if i%4 == 3 {
			amount = 10_000 // a quarter of the partners are short for auto-renew
		}
		if _, err := svc.RecordBalance(System, p.ID, BalanceInput{Amount: amount, Kind: LedgerTopUp, Reason: "bench"}); err != nil {
			b.Fatal(err)
		}
		rb.partner = append(rb.partner, p)
	}
	rb.pa = Actor{Email: "anna@p0.example", Role: RolePartner, PartnerID: rb.partner[0].ID}
	return rb
}

// load writes n licenses: active ones, dueFrac of them ending within
// the next 30 days (half of those with auto-renew), the rest later; 8 %
// unused coupons.
func (rb *renewBench) load(b *testing.B, n int, dueEvery int) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	now := rb.clk.Now()
	const batch = 20000
	for done := 0; done < n; done += batch {
		ls := make([]License, min(batch, n-done))
		for i := range ls {
			k := done + i
			p := rb.partner[k%len(rb.partner)]
			l := License{Name: "Office", ProductID: rb.prod.ID, ProductName: rb.prod.Name, Edition: "business", Seats: 1 + r.IntN(20),
				PeriodMonths: 12, Purchased: now.AddDate(-1, 0, 0), ActivateBy: now.AddDate(0, 0, 40+r.IntN(300)), PartnerID: p.ID,
				Payment: PaymentPaid, Updated: now, Customer: "Customer " + strconv.Itoa(k), CustomerEmail: "it@c" + strconv.Itoa(k) + ".example"}
			switch {
			case k%100 < 8:
				l.Status = StatusOrdered
			default:
				from := now.AddDate(-1, 0, 0)
				to := now.Add(31*24*time.Hour + time.Duration(r.Int64N(int64(700*24*time.Hour))))
				if k%dueEvery == 0 {
					to = now.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
					l.AutoRenew, l.AutoRenewMonths = k/dueEvery%2 == 0, 12
				}
				l.Status, l.ValidFrom, l.ValidTo = StatusActive, &from, &to
			}
			ls[i] = l
		}
		if err := rb.svc.ImportLicenses(System, ls); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenewalQuote: one renewal quote of one license, as the API's
// GET renewal-quote answers it. Reports the p99 of the iterations.
func BenchmarkRenewalQuote(b *testing.B) {
	rb := newRenewBench(b, 4)
	rb.load(b, 5000, 20)
	ids := []uint64{}
	for id := uint64(1); id <= 5000; id++ {
		if l, err := rb.svc.GetLicense(System, id); err == nil && l.Status == StatusActive && l.PartnerID == rb.pa.PartnerID {
			ids = append(ids, id)
		}
	}
	if len(ids) < 500 {
		b.Fatalf("only %d licenses to quote", len(ids))
	}
	var ds []time.Duration
	i := 0
	for b.Loop() {
		t := time.Now()
		if _, err := rb.svc.QuoteRenewal(rb.pa, ids[i%len(ids)], RenewInput{Periods: 1 + i%3}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
		i++
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBulkRenew1000: renew 1,000 ticked licenses of one partner by
// balance in one transaction and one order; InvoicePayNow puts them on a
// new 1,000-line invoice paid at once from the balance, in the same
// transaction (its PDF and mail are the invoice-mail job's, as for any
// renewal invoice over renewMailInlineLines lines).
func BenchmarkBulkRenew1000(b *testing.B) {
	for _, c := range []struct {
		name string
		in   BulkRenewInput
	}{{"Balance", BulkRenewInput{Periods: 1}}, {"InvoicePayNow", BulkRenewInput{Periods: 1, Payment: RenewPayInvoice, PayNow: true}}} {
		b.Run(c.name, func(b *testing.B) {
			rb := newRenewBench(b, 1)
			rb.load(b, 5000, 20)
			var ids []uint64
			for id := uint64(1); len(ids) < 1000; id++ {
				if l, err := rb.svc.GetLicense(System, id); err == nil && l.Status == StatusActive {
					ids = append(ids, id)
				}
			}
			in := c.in
			in.LicenseIDs = ids
			for b.Loop() {
				res, err := rb.svc.RenewLicenses(rb.pa, in)
				if err != nil || res.Renewed != 1000 {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// BenchmarkDailyRenewalRun1M: the daily auto-renew run and the reminder
// runs (customer mails and the weekly digests) over 1,000,000 licenses
// of which 50,000 end within the next 30 days (half of them with
// auto-renew; a quarter of the partners short of balance). Set
// LICENSEDESK_BENCH_1M=1 to run it: loading takes minutes.
func BenchmarkDailyRenewalRun1M(b *testing.B) {
	if os.Getenv("LICENSEDESK_BENCH_1M") == "" {
		b.Skip("set LICENSEDESK_BENCH_1M=1 to load 1,000,000 licenses")
	}
	rb := newRenewBench(b, 40)
	t := time.Now()
	rb.load(b, 1_000_000, 20*92/100) // every 18th of the 92 % active: ≈ 50,000 due
	b.Logf("loaded 1,000,000 licenses in %s", time.Since(t).Round(time.Millisecond))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		period := rb.clk.Now()
		t0 := time.Now()
		rep, err := rb.svc.AutoRenew(period)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		cm, err := rb.svc.SendCustomerMails(period)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		dg, err := rb.svc.SendDigests(period)
		if err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		b.Logf("run %d: auto-renew %s (renewed %d, short %d, %d mails), customer mails %s (%d), digests %s (%d), total %s",
			i, t1.Sub(t0).Round(time.Millisecond), rep.Renewed, rep.Short, rep.Mails, t2.Sub(t1).Round(time.Millisecond), cm,
			t3.Sub(t2).Round(time.Millisecond), dg, t3.Sub(t0).Round(time.Millisecond))
		rb.clk.Advance(24 * time.Hour)
	}
}

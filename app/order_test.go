package app_test

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

// shop is a partner with a login, a balance and a product to buy.
type shop struct {
	*env
	op      app.Actor
	p       app.Partner
	pa      app.Actor
	product app.Product
}

func newShop(t *testing.T, topUp int64) *shop {
	t.Helper()
	e := newEnv(t)
	s := &shop{env: e, op: e.operator("ops@example.com"), p: e.partner("Alpha Reseller"), product: e.product("antivirus")}
	s.pa = e.partnerUser(s.p, "alice@alpha.example")
	if topUp > 0 {
		if _, err := e.svc.RecordBalance(s.op, s.p.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire 1"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *shop) line(q int) app.BasketLine {
	return app.BasketLine{ProductID: s.product.ID, Edition: "Business", Seats: 5, PeriodMonths: 12, Quantity: q}
}

func (s *shop) buy(a app.Actor, in app.OrderInput) app.OrderView {
	s.t.Helper()
	o, _, err := s.svc.PlaceOrder(a, in, "")
	if err != nil {
		s.t.Fatalf("buy %+v: %v", in, err)
	}
	return o
}

// account returns the running balance and the sum of the ledger.
func (s *shop) account(id uint64) (int64, int64) {
	s.t.Helper()
	// The account answers a page of the ledger: add up every page.
	var sum int64
	var acc app.Account
	n := 0
	for page := 1; ; page++ {
		var err error
		acc, err = s.svc.GetAccountPage(app.System, id, app.ListParams{Page: page, PerPage: app.MaxPerPage})
		if err != nil {
			s.t.Fatal(err)
		}
		for _, e := range acc.Entries {
			sum += e.Amount
		}
		n += len(acc.Entries)
		if len(acc.Entries) < acc.PerPage {
			break
		}
	}
	if n != acc.Total {
		s.t.Fatalf("partner %d: %d entries over the pages, total %d", id, n, acc.Total)
	}
	return acc.Balance.Amount, sum
}

func TestBuyOneLicenseByBalance(t *testing.T) {
	s := newShop(t, 100000)
	q, err := s.svc.QuoteOrder(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
	if err != nil {
		t.Fatal(err)
	}
	// 10.99 × 5 seats = 54.95; partner 30% = 16.485 → 16.49; 38.46
	if q.Total.Amount != 3846 || len(q.Lines[0].Steps) != 2 || q.Balance.Amount != 100000 {
		t.Fatalf("quote %+v", q)
	}
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, Payment: "balance"})
	if o.Number != "O-2026-000001" || o.State != app.OrderProcessed || o.Total != q.Total || len(o.LicenseIDList) != 1 || o.Available != 1 {
		t.Fatalf("order %+v", o)
	}
	l, err := s.svc.GetLicense(s.pa, o.LicenseIDList[0])
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != app.StatusOrdered || l.ValidFrom != nil || l.Payment != app.PaymentPaid || l.OrderNumber != o.Number || l.Seats != 5 || l.Edition != "business" {
		t.Fatalf("license %+v", l)
	}
	bal, sum := s.account(s.p.ID)
	if bal != 100000-3846 || sum != bal {
		t.Fatalf("balance %d, ledger sum %d", bal, sum)
	}
	// The order number is the next one, never reused.
	o2 := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
	if o2.Number != "O-2026-000002" {
		t.Fatalf("second order %s", o2.Number)
	}
}

func TestBuyRefusedWithShortfallWritesNothing(t *testing.T) {
	s := newShop(t, 1000)
	_, _, err := s.svc.PlaceOrder(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}}, "")
	var sf *app.ShortfallError
	if !errors.As(err, &sf) || sf.Short.Amount != 2846 {
		t.Fatalf("err %v, want a shortfall of 28.46", err)
	}
	pg, _ := s.svc.ListOrders(s.op, app.ListParams{})
	ls, _ := s.svc.ListLicenses(s.op, app.ListParams{Filters: map[string]string{"view": "all"}})
	if pg.Total != 0 || ls.Total != 0 {
		t.Fatalf("%d orders and %d licenses after a refused purchase", pg.Total, ls.Total)
	}
	if bal, sum := s.account(s.p.ID); bal != 1000 || sum != 1000 {
		t.Fatalf("balance %d %d", bal, sum)
	}
	// A failure after the licenses were made (a used special price on
	// the last step) leaves none of them either: the order number is
	// still the first.
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}})
	if o.Number != "O-2026-000001" {
		t.Fatalf("first order after a refused one is %s", o.Number)
	}
}

func TestBuyBadInputNamesTheField(t *testing.T) {
	s := newShop(t, 1e9)
	other := s.partner("Beta")
	off := s.env.product("retired")
	if _, err := s.svc.UpdateProduct(app.System, off.ID, app.ProductInput{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		in    app.OrderInput
		field string
	}{
		{app.OrderInput{}, "lines"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "gold", Seats: 5, PeriodMonths: 12, Quantity: 1}}}, "lines[0].edition"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 5, PeriodMonths: 7, Quantity: 1}}}, "lines[0].period_months"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 0, PeriodMonths: 12, Quantity: 1}}}, "lines[0].seats"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 0}}}, "lines[0].quantity"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: -1}}}, "lines[0].quantity"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: off.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}}, "lines[0].product_id"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: 999, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}}, "lines[0].product_id"},
		{app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 1 << 50, PeriodMonths: 12, Quantity: 1000}}}, "lines[0].quantity"},
		{app.OrderInput{Lines: []app.BasketLine{s.line(1)}, Payment: "card"}, "payment"},
		{app.OrderInput{Lines: []app.BasketLine{s.line(1)}, PartnerID: other.ID}, "partner_id"},
		{app.OrderInput{Lines: []app.BasketLine{s.line(1)}, SpecialPrice: "SP-NOPE"}, "special_price"},
	}
	for _, b := range bad {
		_, _, err := s.svc.PlaceOrder(s.pa, b.in, "")
		wantField(t, err, b.field)
	}
	// The operator must name the partner; a disabled partner cannot buy.
	_, _, err := s.svc.PlaceOrder(s.op, app.OrderInput{Lines: []app.BasketLine{s.line(1)}}, "")
	wantField(t, err, "partner_id")
	if _, err := s.svc.UpdatePartner(app.System, other.ID, app.PartnerInput{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.svc.PlaceOrder(s.op, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, PartnerID: other.ID, Payment: "invoice"}, "")
	wantField(t, err, "partner_id")
	if pg, _ := s.svc.ListOrders(s.op, app.ListParams{}); pg.Total != 0 {
		t.Fatalf("%d orders written by refused purchases", pg.Total)
	}
}

func TestBulkOrderIsOneOrderWithTheTier(t *testing.T) {
	s := newShop(t, 0)
	in := app.OrderInput{Lines: []app.BasketLine{{ProductID: s.product.ID, Edition: "business", Seats: 3, PeriodMonths: 24, Quantity: 1000}}, Payment: "invoice", PartnerID: s.p.ID}
	o := s.buy(s.op, in)
	if len(o.LicenseIDList) != 1000 || o.State != app.OrderUnpaid || o.Due != o.Total {
		t.Fatalf("bulk order: %d licenses, state %s, due %v of %v", len(o.LicenseIDList), o.State, o.Due, o.Total)
	}
	// 20.99 × 3 × 1000 = 62,970.00; tier 1000+ 20% = 12,594.00; partner
	// 30% of 50,376.00 = 15,112.80; total 35,263.20
	steps := o.Lines[0].Steps
	if o.Total.Amount != 3526320 || steps[1].Kind != "bulk" || steps[1].Amount != -1259400 {
		t.Fatalf("total %v, steps %+v", o.Total, steps)
	}
	var items int64
	for _, it := range o.Items {
		items += it.Price
	}
	if items != o.Total.Amount {
		t.Fatalf("license prices sum to %d, total %d", items, o.Total.Amount)
	}
	ls, err := s.svc.ListLicenses(s.pa, app.ListParams{Filters: map[string]string{"view": "all", "payment_status": "pending"}})
	if err != nil || ls.Total != 1000 {
		t.Fatalf("%d pending licenses, %v", ls.Total, err)
	}
	// The operator records the payment: the order is processed, its
	// licenses paid.
	if _, err := s.svc.RecordOrderPayment(s.pa, o.ID, "x"); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("partner records a payment: %v", err)
	}
	paid, err := s.svc.RecordOrderPayment(s.op, o.ID, "bank ref 42")
	if err != nil || paid.State != app.OrderProcessed || paid.PaidAt == nil {
		t.Fatalf("after payment %+v, %v", paid.State, err)
	}
	ls, _ = s.svc.ListLicenses(s.pa, app.ListParams{Filters: map[string]string{"view": "all", "payment_status": "paid"}})
	if ls.Total != 1000 {
		t.Fatalf("%d paid licenses after the payment", ls.Total)
	}
	_, err = s.svc.RecordOrderPayment(s.op, o.ID, "again")
	wantField(t, err, "state")
}

func TestIdempotencyKeyBuysOnce(t *testing.T) {
	s := newShop(t, 100000)
	in := app.OrderInput{Lines: []app.BasketLine{s.line(2)}}
	a, created, err := s.svc.PlaceOrder(s.pa, in, "retry-7")
	if err != nil || !created {
		t.Fatal(err)
	}
	b, created, err := s.svc.PlaceOrder(s.pa, in, "retry-7")
	if err != nil || created || b.ID != a.ID || b.Number != a.Number {
		t.Fatalf("second request: %v created=%v %v", b.Number, created, err)
	}
	if bal, sum := s.account(s.p.ID); bal != 100000-a.Total.Amount || sum != bal {
		t.Fatalf("paid twice: balance %d", bal)
	}
	c, created, _ := s.svc.PlaceOrder(s.pa, in, "retry-8")
	if !created || c.ID == a.ID {
		t.Fatal("a new key did not buy")
	}
	// The same request again, written differently (edition by name in
	// another case, payment spelled out): still the first order.
	same := app.OrderInput{Lines: []app.BasketLine{s.line(2)}, Payment: " Balance "}
	same.Lines[0].Edition = "business"
	if d, created, err := s.svc.PlaceOrder(s.pa, same, "retry-7"); err != nil || created || d.ID != a.ID {
		t.Fatalf("the same request, spelled differently: %v created=%v %v", d.Number, created, err)
	}
	// A different basket, payment or partner under a used key is refused
	// naming the first order, and buys nothing.
	bal, _ := s.account(s.p.ID)
	invoice := in
	invoice.Payment = "invoice"
	for name, other := range map[string]app.OrderInput{
		"more licenses": {Lines: []app.BasketLine{s.line(3)}},
		"another line":  {Lines: []app.BasketLine{s.line(2), s.line(1)}},
		"by invoice":    invoice,
	} {
		_, created, err := s.svc.PlaceOrder(s.pa, other, "retry-7")
		var ce *app.ConflictError
		if !errors.As(err, &ce) || created || ce.Field != "Idempotency-Key" || !strings.Contains(ce.Message, a.Number) {
			t.Fatalf("%s under a used key: created=%v %v", name, created, err)
		}
	}
	// The operator's key used for one partner cannot buy for another.
	beta := s.partner("Beta")
	if _, err := s.svc.RecordBalance(s.op, beta.ID, app.BalanceInput{Amount: 100000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	forAlpha := app.OrderInput{Lines: []app.BasketLine{s.line(1)}, PartnerID: s.p.ID}
	first, created, err := s.svc.PlaceOrder(s.op, forAlpha, "nightly")
	if err != nil || !created {
		t.Fatal(err)
	}
	forBeta := forAlpha
	forBeta.PartnerID = beta.ID
	if _, _, err := s.svc.PlaceOrder(s.op, forBeta, "nightly"); !errors.Is(err, app.ErrConflict) {
		t.Fatalf("the operator's key reused for another partner: %v", err)
	}
	if b, _ := s.account(beta.ID); b != 100000 {
		t.Fatalf("Beta paid %d under Alpha's key", 100000-b)
	}
	if now, sum := s.account(s.p.ID); now != bal-first.Total.Amount || sum != now {
		t.Fatalf("refused requests moved Alpha's balance: %d, want %d", now, bal-first.Total.Amount)
	}
}

func TestConcurrentPurchasesNeverGoNegative(t *testing.T) {
	s := newShop(t, 0)
	q, err := s.svc.QuoteOrder(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
	if err != nil {
		t.Fatal(err)
	}
	// Funds for exactly 37 licenses, 64 buyers × 3 tries.
	if _, err := s.svc.RecordBalance(s.op, s.p.ID, app.BalanceInput{Amount: 37 * q.Total.Amount, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, short := 0, 0
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				_, _, err := s.svc.PlaceOrder(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}}, "")
				var sf *app.ShortfallError
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.As(err, &sf):
					short++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 37 || short != 64*3-37 {
		t.Fatalf("%d bought, %d refused; want 37 bought", ok, short)
	}
	bal, sum := s.account(s.p.ID)
	if bal != 0 || sum != 0 {
		t.Fatalf("balance %d, ledger sum %d; want 0", bal, sum)
	}
	pg, _ := s.svc.ListOrders(s.op, app.ListParams{})
	if pg.Total != 37 {
		t.Fatalf("%d orders", pg.Total)
	}
}

func TestRefunds(t *testing.T) {
	s := newShop(t, 1000000)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(3)}})
	before, _ := s.account(s.p.ID)
	first := o.Items[0]

	// A reason is required; a partner refunds one license within the window.
	_, err := s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{first.LicenseID}})
	wantField(t, err, "reason")
	r, err := s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{first.LicenseID}, Reason: "customer changed mind"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != app.OrderPartlyRefunded || r.Refunded.Amount != first.Price {
		t.Fatalf("after one refund: %s %v", r.State, r.Refunded)
	}
	bal, sum := s.account(s.p.ID)
	if bal != before+first.Price || sum != bal {
		t.Fatalf("balance %d, want %d", bal, before+first.Price)
	}
	l, _ := s.svc.GetLicense(s.pa, first.LicenseID)
	if l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
		t.Fatalf("refunded license %s/%s", l.Status, l.Payment)
	}
	last := r.Events[len(r.Events)-1]
	if last.Action != "refund" || last.By != "alice@alpha.example" || last.Reason != "customer changed mind" {
		t.Fatalf("history %+v", last)
	}
	// Twice is refused, and nothing moves.
	_, err = s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{first.LicenseID}, Reason: "again"})
	wantField(t, err, "license_ids")
	if b, _ := s.account(s.p.ID); b != bal {
		t.Fatal("a second refund moved the balance")
	}
	// An activated license: not by the partner; the operator may.
	second := o.Items[1].LicenseID
	if _, err := s.svc.AssignLicense(s.pa, second, app.AssignInput{Customer: ptr("Acme")}); err != nil {
		t.Fatal(err)
	}
	_, err = s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{second}, Reason: "x"})
	wantField(t, err, "license_ids")
	// Past the window the partner cannot refund at all.
	s.clk.Advance(15 * 24 * time.Hour)
	_, err = s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{o.Items[2].LicenseID}, Reason: "late"})
	wantField(t, err, "license_ids")
	// The operator refunds the rest (empty list: all that are left).
	r, err = s.svc.RefundOrder(s.op, o.ID, app.RefundInput{Reason: "goodwill"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != app.OrderRefunded || r.Refunded != r.Total {
		t.Fatalf("after the full refund: %s %v of %v", r.State, r.Refunded, r.Total)
	}
	if bal, sum := s.account(s.p.ID); bal != 1000000 || sum != bal {
		t.Fatalf("balance after full refund %d, want the top-up back", bal)
	}
	_, err = s.svc.RefundOrder(s.op, o.ID, app.RefundInput{Reason: "again"})
	wantField(t, err, "license_ids")

	// Another partner's order is not found.
	other := s.partnerUser(s.partner("Beta"), "bob@beta.example")
	if _, err := s.svc.RefundOrder(other, o.ID, app.RefundInput{Reason: "x"}); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("foreign refund: %v", err)
	}
	if _, err := s.svc.GetOrder(other, o.ID); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("foreign read: %v", err)
	}
}

func TestRefundUnpaidInvoiceOrder(t *testing.T) {
	s := newShop(t, 0)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(2)}, Payment: "invoice"})
	r, err := s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{o.Items[0].LicenseID}, Reason: "one too many"})
	if err != nil {
		t.Fatal(err)
	}
	// Off the unpaid amount, not onto the balance.
	if r.State != app.OrderUnpaid || r.Due.Amount != o.Total.Amount-o.Items[0].Price {
		t.Fatalf("state %s due %v", r.State, r.Due)
	}
	if bal, _ := s.account(s.p.ID); bal != 0 {
		t.Fatalf("balance %d after refunding an unpaid license", bal)
	}
	r, err = s.svc.RecordOrderPayment(s.op, o.ID, "paid the rest")
	if err != nil || r.State != app.OrderPartlyRefunded {
		t.Fatalf("paid: %s %v", r.State, err)
	}
}

func TestOrdersListFilters(t *testing.T) {
	s := newShop(t, 1e9)
	beta := s.partner("Beta")
	second := s.env.product("firewall")
	s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
	s.clk.Advance(24 * time.Hour)
	s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: second.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}, Payment: "invoice"})
	s.buy(s.op, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, PartnerID: beta.ID, Payment: "invoice"})
	count := func(a app.Actor, f map[string]string) []string {
		t.Helper()
		pg, err := s.svc.ListOrders(a, app.ListParams{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range pg.Items {
			out = append(out, o.Number)
		}
		if len(out) != pg.Total {
			t.Fatalf("total %d, %d rows", pg.Total, len(out))
		}
		return out
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	eq(count(s.op, nil), "O-2026-000003", "O-2026-000002", "O-2026-000001")
	eq(count(s.pa, nil), "O-2026-000002", "O-2026-000001")
	if _, err := s.svc.ListOrders(s.pa, app.ListParams{Filters: map[string]string{"partner_id": uid(beta.ID)}}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("a partner's orders filtered by another partner: %v; want not found", err)
	}
	eq(count(s.op, map[string]string{"partner_id": uid(beta.ID)}), "O-2026-000003")
	eq(count(s.op, map[string]string{"state": "unpaid"}), "O-2026-000003", "O-2026-000002")
	eq(count(s.op, map[string]string{"product_id": uid(second.ID)}), "O-2026-000002")
	eq(count(s.op, map[string]string{"from": "2026-03-03", "to": "2026-03-03"}), "O-2026-000003", "O-2026-000002")
	eq(count(s.op, map[string]string{"to": "2026-03-02"}), "O-2026-000001")
	eq(count(s.op, map[string]string{"number": "o-2026-000002"}), "O-2026-000002")
	eq(count(s.pa, map[string]string{"number": "O-2026-000003"})) // Beta's
	eq(count(s.op, map[string]string{"state": "unpaid", "partner_id": uid(s.p.ID), "product_id": uid(second.ID)}), "O-2026-000002")
	pg, _ := s.svc.ListOrders(s.op, app.ListParams{Sort: "created", PerPage: 2, Page: 2})
	if pg.Total != 3 || len(pg.Items) != 1 || pg.Items[0].Number != "O-2026-000003" {
		t.Fatalf("page 2 ascending: %+v", pg)
	}
	for _, f := range []map[string]string{{"state": "lost"}, {"from": "yesterday"}, {"colour": "red"}, {"from": "2026-03-04", "to": "2026-03-01"}} {
		_, err := s.svc.ListOrders(s.op, app.ListParams{Filters: f})
		var ve *app.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("filter %v: %v", f, err)
		}
	}
}

func TestSpecialPriceLinks(t *testing.T) {
	s := newShop(t, 1e9)
	beta := s.partner("Beta")
	bob := s.partnerUser(beta, "bob@beta.example")
	_, err := s.svc.CreateSpecialPrice(s.pa, app.SpecialPriceInput{DiscountBP: 1000, Reason: "education"})
	wantErr(t, err, app.ErrForbidden)
	_, err = s.svc.CreateSpecialPrice(s.op, app.SpecialPriceInput{DiscountBP: 1000, Reason: "because"})
	wantField(t, err, "reason")
	sp, err := s.svc.CreateSpecialPrice(s.op, app.SpecialPriceInput{PartnerID: s.p.ID, DiscountBP: 1500, Reason: "education", ValidDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	in := app.OrderInput{Lines: []app.BasketLine{s.line(1)}, SpecialPrice: sp.Code}
	// Another partner is refused with the reason.
	_, err = s.svc.QuoteOrder(bob, in)
	wantField(t, err, "special_price")
	// The partner sees the reduced price: 54.95 − 30% (16.49) = 38.46;
	// − 15% (5.769 → 5.77) = 32.69.
	q, err := s.svc.QuoteOrder(s.pa, in)
	if err != nil || q.Total.Amount != 3269 || q.Lines[0].Steps[2].Kind != "special" {
		t.Fatalf("quote %+v %v", q, err)
	}
	o := s.buy(s.pa, in)
	if o.Total.Amount != 3269 || o.SpecialPrice != sp.Code {
		t.Fatalf("order %v %s", o.Total, o.SpecialPrice)
	}
	// A second use is refused.
	_, _, err = s.svc.PlaceOrder(s.pa, in, "")
	wantField(t, err, "special_price")
	// An expired link is refused.
	anyone, err := s.svc.CreateSpecialPrice(s.op, app.SpecialPriceInput{DiscountBP: 500, Reason: "competitive", ValidDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.clk.Advance(25 * time.Hour)
	_, _, err = s.svc.PlaceOrder(bob, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, SpecialPrice: anyone.Code}, "")
	wantField(t, err, "special_price")
	// Lists: the operator sees both, Alpha its own, Beta none.
	for _, c := range []struct {
		a    app.Actor
		want int
	}{{s.op, 2}, {s.pa, 1}, {bob, 0}} {
		l, err := s.svc.ListSpecialPrices(c.a)
		if err != nil || len(l) != c.want {
			t.Errorf("%s sees %d links, want %d", c.a.Email, len(l), c.want)
		}
	}
}

func TestSalesByMonthFollowsPurchasesAndRefunds(t *testing.T) {
	s := newShop(t, 1e9)
	beta := s.partner("Beta")
	a := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(2)}})
	s.clk.Advance(40 * 24 * time.Hour) // April
	b := s.buy(s.op, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, PartnerID: beta.ID, Payment: "invoice"})
	if _, err := s.svc.RefundOrder(s.op, a.ID, app.RefundInput{LicenseIDs: []uint64{a.Items[0].LicenseID}, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	all, err := s.svc.SalesByMonth(s.op, 12)
	if err != nil {
		t.Fatal(err)
	}
	eur := all.Amounts["EUR"]
	if len(all.Months) != 12 || all.Months[11].Month() != time.April || eur[10] != a.Total.Amount || eur[11] != b.Total.Amount-a.Items[0].Price {
		t.Fatalf("operator sales %v over %v", eur, all.Months)
	}
	own, _ := s.svc.SalesByMonth(s.pa, 12)
	if own.Amounts["EUR"][10] != a.Total.Amount || own.Amounts["EUR"][11] != -a.Items[0].Price {
		t.Fatalf("partner's own %v", own.Amounts["EUR"])
	}
}

// A month's sales cannot wrap round: the order that would take the total
// past int64 is refused with nothing written, and the chart keeps the
// orders that were counted.
func TestMonthlySalesTotalIsOverflowChecked(t *testing.T) {
	s := newShop(t, 0)
	in := productInput("huge")
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: app.MaxAmount}}
	in.Prices = &prices
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	in.Editions, in.Periods = &eds, &[]int{12}
	prod, err := s.svc.CreateProduct(s.op, in)
	if err != nil {
		t.Fatal(err)
	}
	// Up to 4e18 minor units an order (10^12 a seat, 10^6 seats, 4
	// licenses, less the partner's discount), by invoice: a few fit in
	// int64, then one does not.
	order := app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: app.MaxSeats, PeriodMonths: 12, Quantity: 4}}, Payment: "invoice"}
	var total int64
	accepted := 0
	for {
		before, err := s.svc.ListOrders(s.op, app.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		o, _, err := s.svc.PlaceOrder(s.pa, order, "")
		if err == nil {
			if o.Total.Amount > math.MaxInt64-total {
				t.Fatalf("order %d of %d accepted: the month's sales overflow", accepted+1, o.Total.Amount)
			}
			total += o.Total.Amount
			accepted++
			continue
		}
		wantField(t, err, "total")
		after, err := s.svc.ListOrders(s.op, app.ListParams{})
		if err != nil || after.Total != before.Total {
			t.Fatalf("the refused order was written: %d orders, then %d (%v)", before.Total, after.Total, err)
		}
		break
	}
	if accepted < 2 {
		t.Fatalf("only %d orders of %d accepted", accepted, total)
	}
	sales, err := s.svc.SalesByMonth(s.pa, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := sales.Amounts["EUR"]; len(got) != 1 || got[0] != total {
		t.Fatalf("this month's sales %v, want %d", got, total)
	}
}

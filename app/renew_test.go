package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

func TestRenewalStartAndEnd(t *testing.T) {
	cases := []struct {
		name    string
		basis   string
		grace   int
		validTo time.Time
		now     time.Time
		months  int
		periods int
		start   time.Time
		end     time.Time
	}{
		{"early, from expiry", app.BasisFromExpiry, 30, day(2026, 6, 30), day(2026, 6, 1), 12, 1, day(2026, 6, 30), day(2027, 6, 30)},
		{"on the day", app.BasisFromExpiry, 30, day(2026, 6, 30), day(2026, 6, 30), 12, 1, day(2026, 6, 30), day(2027, 6, 30)},
		{"within grace", app.BasisFromExpiry, 30, day(2026, 6, 30), day(2026, 7, 20), 12, 1, day(2026, 6, 30), day(2027, 6, 30)},
		{"last day of grace", app.BasisFromExpiry, 30, day(2026, 6, 30), day(2026, 7, 30), 12, 1, day(2026, 6, 30), day(2027, 6, 30)},
		{"after grace", app.BasisFromExpiry, 30, day(2026, 6, 30), day(2026, 8, 15), 12, 1, day(2026, 8, 15), day(2027, 8, 15)},
		{"no grace, a day late", app.BasisFromExpiry, 0, day(2026, 6, 30), day(2026, 7, 1), 12, 1, day(2026, 7, 1), day(2027, 7, 1)},
		{"early, from renewal", app.BasisFromRenewal, 30, day(2026, 6, 30), day(2026, 6, 1), 12, 1, day(2026, 6, 1), day(2027, 6, 1)},
		{"leap day + 1 year", app.BasisFromExpiry, 0, day(2028, 2, 29), day(2028, 2, 1), 12, 1, day(2028, 2, 29), day(2029, 2, 28)},
		{"leap day + 4 years", app.BasisFromExpiry, 0, day(2028, 2, 29), day(2028, 2, 1), 12, 4, day(2028, 2, 29), day(2032, 2, 29)},
		{"31 January + 1 month", app.BasisFromExpiry, 0, day(2027, 1, 31), day(2027, 1, 10), 1, 1, day(2027, 1, 31), day(2027, 2, 28)},
		{"31 January + 1 month, leap year", app.BasisFromExpiry, 0, day(2028, 1, 31), day(2028, 1, 10), 1, 1, day(2028, 1, 31), day(2028, 2, 29)},
		{"31 January + 2 × 1 month", app.BasisFromExpiry, 0, day(2027, 1, 31), day(2027, 1, 10), 1, 2, day(2027, 1, 31), day(2027, 3, 31)},
		{"30 April + 1 month", app.BasisFromExpiry, 0, day(2027, 4, 30), day(2027, 4, 1), 1, 1, day(2027, 4, 30), day(2027, 5, 30)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := app.RenewalStart(c.basis, c.grace, c.validTo, c.now)
			if !start.Equal(c.start) {
				t.Fatalf("start %s; want %s", start, c.start)
			}
			if end := app.RenewEnd(start, c.months, c.periods); !end.Equal(c.end) {
				t.Fatalf("end %s; want %s", end, c.end)
			}
		})
	}
}

func TestProRata(t *testing.T) {
	cases := []struct {
		value       int64
		part, whole int
		want        int64
	}{
		{36500, 100, 365, 10000},
		{1000, 1, 3, 333},
		{1000, 2, 3, 667}, // half-up
		{1000, 0, 365, 0},
		{1000, 400, 365, 1000},
		{1_000_000_000_000_000, 1, 3, 333_333_333_333_333},
		{1 << 62, 1, 2, 1 << 61},
	}
	for _, c := range cases {
		got := app.ProRata(c.value, c.part, c.whole)
		if got != c.want {
			t.Errorf("ProRata(%d, %d, %d) = %d; want %d", c.value, c.part, c.whole, got, c.want)
		}
	}
}

// renewShop is a shop with an active license to renew.
type renewShop struct {
	*shop
	lic app.LicenseView
}

func newRenewShop(t *testing.T, topUp int64) *renewShop {
	t.Helper()
	s := newShop(t, topUp)
	r := &renewShop{shop: s}
	r.lic = r.active("Business", 5, "")
	return r
}

// active makes an active license of the shop's partner (period starts now).
func (r *renewShop) active(edition string, seats int, customer string) app.LicenseView {
	r.t.Helper()
	if customer == "" {
		customer = "Customer GmbH"
	}
	ls, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: r.product.ID, Edition: strings.ToLower(edition), Seats: seats, PeriodMonths: 12,
		PartnerID: r.p.ID, Customer: customer, CustomerEmail: "it@customer.example"})
	if err != nil {
		r.t.Fatal(err)
	}
	return ls[0]
}

// unused makes an unused license (a coupon) of the shop's partner.
func (r *renewShop) unused(edition string, seats int, notes string) app.LicenseView {
	r.t.Helper()
	ls, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: r.product.ID, Edition: edition, Seats: seats, PeriodMonths: 12,
		PartnerID: r.p.ID, Notes: notes})
	if err != nil {
		r.t.Fatal(err)
	}
	return ls[0]
}

func (r *renewShop) balance() int64 {
	r.t.Helper()
	bal, sum := r.account(r.p.ID)
	if bal != sum {
		r.t.Fatalf("running balance %d, ledger sum %d", bal, sum)
	}
	return bal
}

func TestRenewByBalanceChargesTheQuote(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	r.clk.Set(r.lic.ValidTo.AddDate(0, 0, -10)) // renewed early
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 2})
	if err != nil {
		t.Fatal(err)
	}
	// 1099 per seat × 5 seats × 2 periods = 10990, partner 30% off = 7693.
	if q.Total.Amount != 7693 || q.Total.Currency != "EUR" || len(q.Lines) != 1 || len(q.Lines[0].Steps) != 2 {
		t.Fatalf("quote %+v", q)
	}
	if !q.Start.Equal(*r.lic.ValidTo) || !q.NewEnd.Equal(r.lic.ValidTo.AddDate(2, 0, 0)) {
		t.Fatalf("quote counts from %s to %s; want from the old expiry %s", q.Start, q.NewEnd, r.lic.ValidTo)
	}
	before := r.balance()
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 2, Payment: "balance"})
	if err != nil {
		t.Fatal(err)
	}
	if got := before - r.balance(); got != q.Total.Amount {
		t.Fatalf("charged %d; quoted %d", got, q.Total.Amount)
	}
	if !res.ValidTo.Equal(q.NewEnd) || res.Key != r.lic.Key || res.Renewal.Charged != q.Total {
		t.Fatalf("renewed %+v; want valid_to %s, same key", res, q.NewEnd)
	}
	hist, err := r.svc.LicenseHistory(r.pa, r.lic.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range hist {
		if h.Action == "renew" && h.Field == "valid_to" && h.New == res.ValidTo.Format(time.RFC3339) {
			found = true
		}
	}
	if !found {
		t.Fatalf("history has no renewal of valid_to: %+v", hist)
	}
	tl, err := r.svc.OrderHistory(r.pa, r.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) == 0 || tl[0].Action != "renewal" || tl[0].Amount != -q.Total.Amount || tl[0].Number != res.Renewal.OrderNumber {
		t.Fatalf("order timeline does not start with the renewal: %+v", tl)
	}
}

func TestRenewExpiredWithinAndAfterGrace(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	old := *r.lic.ValidTo
	r.clk.Set(old.AddDate(0, 0, 5))
	if _, err := r.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.svc.GetLicense(r.pa, r.lic.ID); got.Status != app.StatusExpired {
		t.Fatalf("status %s; want expired", got.Status)
	}
	// Enabling does not revive it; renewing does.
	if _, err := r.svc.EnableLicense(r.pa, r.lic.ID); err == nil {
		t.Fatal("an expired license was enabled without a renewal")
	}
	// Default grace is 0 days: after it, the period counts from the renewal.
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != app.StatusActive || !res.ValidTo.Equal(r.clk.Now().AddDate(1, 0, 0)) {
		t.Fatalf("renewed after grace: %s to %s; want active to %s", res.Status, res.ValidTo, r.clk.Now().AddDate(1, 0, 0))
	}

	// With 30 grace days the same renewal counts from the old expiry.
	if _, err := r.svc.UpdateProduct(r.op, r.product.ID, app.ProductInput{GraceDays: ptr(30)}); err != nil {
		t.Fatal(err)
	}
	l2 := r.active("Business", 5, "")
	r.clk.Set(l2.ValidTo.AddDate(0, 0, 5))
	if _, err := r.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	res, err = r.svc.RenewLicense(r.pa, l2.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.ValidTo.Equal(l2.ValidTo.AddDate(1, 0, 0)) {
		t.Fatalf("renewed within grace to %s; want %s", res.ValidTo, l2.ValidTo.AddDate(1, 0, 0))
	}
}

func TestRenewBadInputWritesNothing(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	susp := r.active("Business", 5, "")
	if _, err := r.svc.SuspendLicense(r.pa, susp.ID); err != nil {
		t.Fatal(err)
	}
	canc := r.active("Business", 5, "")
	if _, err := r.svc.CancelLicense(r.op, canc.ID); err != nil {
		t.Fatal(err)
	}
	before := r.balance()
	cases := []struct {
		name  string
		id    uint64
		in    app.RenewInput
		field string
	}{
		{"zero periods", r.lic.ID, app.RenewInput{Periods: 0}, "periods"},
		{"negative periods", r.lic.ID, app.RenewInput{Periods: -1}, "periods"},
		{"too many periods", r.lic.ID, app.RenewInput{Periods: 11}, "periods"},
		{"period not offered", r.lic.ID, app.RenewInput{Periods: 1, PeriodMonths: 6}, "period_months"},
		{"suspended", susp.ID, app.RenewInput{Periods: 1}, "status"},
		{"cancelled", canc.ID, app.RenewInput{Periods: 1}, "status"},
		{"bad payment", r.lic.ID, app.RenewInput{Periods: 1, Payment: "card"}, "payment"},
		{"no such edition", r.lic.ID, app.RenewInput{Periods: 1, Edition: "ultimate"}, "edition"},
		{"order without id", r.lic.ID, app.RenewInput{Periods: 1, Payment: "order"}, "order_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.svc.RenewLicense(r.pa, c.id, c.in)
			wantField(t, err, c.field)
		})
	}
	if r.balance() != before {
		t.Fatal("a refused renewal took money")
	}
	if got, _ := r.svc.GetLicense(r.pa, r.lic.ID); !got.ValidTo.Equal(*r.lic.ValidTo) {
		t.Fatal("a refused renewal moved valid_to")
	}
	// Short balance: refused, nothing written.
	poor := newRenewShop(t, 100)
	_, err := poor.svc.RenewLicense(poor.pa, poor.lic.ID, app.RenewInput{Periods: 1})
	var sf *app.ShortfallError
	if !asShortfall(err, &sf) {
		t.Fatalf("short balance: %v; want a shortfall", err)
	}
	if got, _ := poor.svc.GetLicense(poor.pa, poor.lic.ID); !got.ValidTo.Equal(*poor.lic.ValidTo) || poor.balance() != 100 {
		t.Fatal("a renewal the balance did not cover wrote something")
	}
}

func TestRenewIsolation(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	q := r.partner("Beta Reseller")
	qa := r.partnerUser(q, "bob@beta.example")
	if _, err := r.svc.QuoteRenewal(qa, r.lic.ID, app.RenewInput{Periods: 1}); err != app.ErrNotFound {
		t.Fatalf("another partner's quote: %v; want not found", err)
	}
	if _, err := r.svc.RenewLicense(qa, r.lic.ID, app.RenewInput{Periods: 1}); err != app.ErrNotFound {
		t.Fatalf("another partner's renewal: %v; want not found", err)
	}
	if _, err := r.svc.RenewLicenses(qa, app.BulkRenewInput{LicenseIDs: []uint64{r.lic.ID}, Periods: 1}); err == nil {
		t.Fatal("another partner's bulk renewal accepted")
	}
	// A coupon of another partner cannot be named.
	c := r.unused("business", 5, "")
	ql, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: r.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: q.ID, Customer: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.RenewLicense(qa, ql[0].ID, app.RenewInput{Periods: 1, CouponID: c.ID})
	wantField(t, err, "coupon_id")
}

func TestConcurrentRenewalsEachAddAPeriodOnce(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	before := r.balance()
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	got, _ := r.svc.GetLicense(r.pa, r.lic.ID)
	if want := r.lic.ValidTo.AddDate(ok, 0, 0); !got.ValidTo.Equal(want) {
		t.Fatalf("%d renewals succeeded and valid_to is %s; want %s", ok, got.ValidTo, want)
	}
	if charged := before - r.balance(); charged != int64(ok)*q.Total.Amount {
		t.Fatalf("%d renewals charged %d; want %d", ok, charged, int64(ok)*q.Total.Amount)
	}
}

func TestRenewOnAnOpenOrder(t *testing.T) {
	r := newRenewShop(t, 0)
	// An open order: a purchase to be paid later (invoice payment).
	o := r.buy(r.pa, app.OrderInput{Lines: []app.BasketLine{r.line(1)}, Payment: app.PayInvoice})
	if o.State != app.OrderUnpaid {
		t.Fatalf("the purchase on invoice is %s", o.State)
	}
	due := o.Due.Amount
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "order", OrderID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	o2, _ := r.svc.GetOrder(r.pa, o.ID)
	if res.Renewal.OrderID != o.ID || o2.Due.Amount != due+3846 || len(o2.Items) != 2 { // 54.95 less 30%, rounded half-up
		t.Fatalf("added to the open order: %+v", o2)
	}
	if got, _ := r.svc.GetLicense(r.pa, r.lic.ID); !got.ValidTo.Equal(r.lic.ValidTo.AddDate(1, 0, 0)) {
		t.Fatalf("renewed on the open order to %s", got.ValidTo)
	}
	if r.balance() != 0 {
		t.Fatal("a pay-later renewal took money")
	}
	// Once paid, the order takes nothing more.
	if _, err := r.svc.RecordOrderPayment(r.op, o.ID, "wire"); err != nil {
		t.Fatal(err)
	}
	l2 := r.active("Business", 5, "")
	_, err = r.svc.RenewLicense(r.pa, l2.ID, app.RenewInput{Periods: 1, Payment: "order", OrderID: o.ID})
	wantField(t, err, "order_id")
}

func TestBulkRenewal(t *testing.T) {
	r := newRenewShop(t, 10_000_000)
	ids := []uint64{r.lic.ID}
	for range 9 {
		ids = append(ids, r.active("Business", 5, "").ID)
	}
	qs, total, err := r.svc.QuoteBulkRenewal(r.pa, app.BulkRenewInput{LicenseIDs: ids, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Ten licenses of the product reach the 10+ tier (5%): 5495 − 275 = 5220, −30% = 3654.
	if len(qs) != 10 || qs[0].Total.Amount != 3654 || total.Amount != 36540 {
		t.Fatalf("bulk quote: %d lines, first %v, total %v", len(qs), qs[0].Total, total)
	}
	before := r.balance()
	res, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: ids, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Renewed != 10 || before-r.balance() != total.Amount {
		t.Fatalf("bulk renewed %+v; charged %d", res, before-r.balance())
	}
	// One bad license refuses all.
	canc := r.active("Business", 5, "")
	if _, err := r.svc.CancelLicense(r.op, canc.ID); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: append(ids, canc.ID), Periods: 1})
	wantField(t, err, "status")
	if !strings.Contains(err.Error(), canc.Key) {
		t.Fatalf("error %q does not name the license", err)
	}
}

func asShortfall(err error, out **app.ShortfallError) bool {
	sf, ok := err.(*app.ShortfallError)
	if ok {
		*out = sf
	}
	return ok
}

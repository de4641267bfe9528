package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// TestBrowserRenewals drives renewals in headless Chromium: a partner
// renews one license by balance, another with a coupon, migrates a third
// to the upper edition, turns auto-renew on, sends its reminder digest
// and reads it in the outbox; the dashboard's expiry chart is drawn. The
// renewal page and the chart are left as screenshots.
func TestBrowserRenewals(t *testing.T) {
	h := newUIHarness(t)
	h.user("ops@desk.example", 0)
	code, name, cur := "sentinel", "Sentinel AV", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise"}}, {Code: "enterprise", Name: "Enterprise"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 2000}, {Edition: "enterprise", PeriodMonths: 12, PerSeat: 3500}}
	active := true
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	pn, email, disc := "Harbor IT", "billing@harbor.example", 2000
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &pn, Email: &email, DiscountBP: &disc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 100_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	mk := func(customer string) app.LicenseView {
		ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
			PartnerID: p.ID, Customer: customer, CustomerEmail: "it@" + strings.ToLower(strings.Fields(customer)[0]) + ".example", Name: "Office " + customer})
		if err != nil {
			t.Fatal(err)
		}
		return ls[0]
	}
	byBalance, byCoupon, migrate, soon := mk("Novak AG"), mk("Tailspin Toys"), mk("Coho Winery"), mk("Litware Inc")
	onInvoice, payNow := mk("Fabrikam Ltd"), mk("Wingtip Bikes")
	coupons, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	// One license runs out in ten days: the digest has something to say.
	in10 := time.Now().UTC().AddDate(0, 0, 10)
	if _, err := h.svc.EditLicense(app.System, soon.ID, app.LicenseEdit{ValidTo: &in10}); err != nil {
		t.Fatal(err)
	}
	h.user("anna@harbor.example", p.ID)

	b := startBrowser(t, h, screenshotDir(t))
	b.signIn("anna@harbor.example")
	id := func(l app.LicenseView) string { return strconv.FormatUint(l.ID, 10) }
	get := func(l app.LicenseView) app.LicenseView {
		got, err := h.svc.GetLicense(app.System, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// By balance, from the license page.
	b.open("/licenses/"+id(byBalance), `#lic-renew`)
	b.submit("open the renewal page", `#lic-renew`, `#quote-total`)
	if total := b.text(`#quote-total`); !strings.Contains(total, "80.00") { // 20.00 × 5 seats, −20%
		t.Errorf("quoted %q; want 80.00 EUR", total)
	}
	b.shot("renewal-page")
	b.submit("renew by balance", `#renew-submit`, `.flash`)
	if f := b.text(`.flash`); !strings.Contains(f, "Renewed to") {
		t.Errorf("flash %q", f)
	}
	if got := get(byBalance); !got.ValidTo.Equal(byBalance.ValidTo.AddDate(1, 0, 0)) {
		t.Errorf("renewed to %s; want %s", got.ValidTo, byBalance.ValidTo.AddDate(1, 0, 0))
	}

	// On a new invoice: the period moves, the invoice is in the list and the menu count.
	b.open("/licenses/"+id(onInvoice)+"/renew", `#renew-form`)
	b.do("choose a new invoice", chromedp.Click(chromedp.CSS(`input[name=payment][value=invoice]`)))
	b.submit("renew on a new invoice", `#renew-submit`, `.flash`)
	if f := b.text(`.flash`); !strings.Contains(f, "billed on invoice") {
		t.Errorf("flash %q", f)
	}
	inv, ok, err := h.svc.LicenseInvoice(app.System, onInvoice.ID)
	if err != nil || !ok || inv.Kind != app.InvoiceRenewal || inv.Total.Amount != 8000 || inv.State != app.InvoiceOpen {
		t.Fatalf("the license's open invoice %+v %v %v; want a renewal invoice of 80.00", inv, ok, err)
	}
	if got := get(onInvoice); !got.ValidTo.Equal(onInvoice.ValidTo.AddDate(1, 0, 0)) || got.Key != onInvoice.Key {
		t.Errorf("renewed on invoice to %s", got.ValidTo)
	}
	b.open("/invoices", `.main`)
	if got := b.text(`nav[aria-label="Main"] a[href="/invoices"]`); got != "Licenses payment (1)" {
		t.Errorf("menu entry %q; want Licenses payment (1)", got)
	}
	if row := b.text(`a[href="/invoices/` + strconv.FormatUint(inv.ID, 10) + `"]`); row != inv.Number {
		t.Errorf("invoice list row %q; want %s", row, inv.Number)
	}
	b.submit("open the renewal invoice", `a[href="/invoices/`+strconv.FormatUint(inv.ID, 10)+`"]`, `#inv-pay`)
	if sub := b.text(`.page-head .sub`); !strings.Contains(sub, "Renewal of 1 license") {
		t.Errorf("invoice page says %q", sub)
	}
	b.shot("renewal-invoice")
	balance := func() int64 {
		acc, err := h.svc.GetAccount(app.System, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return acc.Balance.Amount
	}
	bal := balance()
	b.submit("pay the renewal invoice", `#inv-pay`, `.flash`)
	if paid := bal - balance(); paid != 8000 {
		t.Errorf("paying the renewal invoice took %d; want 8000", paid)
	}
	if got := get(onInvoice); !got.ValidTo.Equal(onInvoice.ValidTo.AddDate(1, 0, 0)) {
		t.Errorf("after paying, valid to %s: renewed twice?", got.ValidTo)
	}

	// On a new invoice paid now from the balance, in one step.
	b.open("/licenses/"+id(payNow)+"/renew", `#renew-form`)
	b.do("choose a new invoice, paid now", chromedp.Click(chromedp.CSS(`input[name=payment][value=invoice]`)), chromedp.Click(chromedp.CSS(`#r-pay-now`)))
	bal = balance()
	b.submit("renew and pay now", `#renew-submit`, `.flash`)
	if f := b.text(`.flash`); !strings.Contains(f, "paid from your balance") {
		t.Errorf("flash %q", f)
	}
	if paid := bal - balance(); paid != 8000 {
		t.Errorf("pay now took %d; want 8000", paid)
	}
	if got := get(payNow); !got.ValidTo.Equal(payNow.ValidTo.AddDate(1, 0, 0)) {
		t.Errorf("paid now, valid to %s", got.ValidTo)
	}
	b.open("/invoices", `.main`)
	if got := b.text(`nav[aria-label="Main"] a[href="/invoices"]`); got != "Licenses payment (0)" {
		t.Errorf("menu entry %q after paying both; want Licenses payment (0)", got)
	}
	b.shot("renewal-invoices-list")

	// With a coupon.
	b.open("/licenses/"+id(byCoupon)+"/renew", `#renew-form`)
	b.do("choose the coupon", chromedp.Click(chromedp.CSS(`input[name=payment][value=coupon]`)))
	b.submit("renew with the coupon", `#renew-submit`, `.flash`)
	if f := b.text(`.flash`); !strings.Contains(f, "with coupon") {
		t.Errorf("flash %q", f)
	}
	if c, _ := h.svc.GetLicense(app.System, coupons[0].ID); c.Status != app.StatusCancelled {
		t.Errorf("the coupon is %s after renewing with it", c.Status)
	}

	// Migrate to Enterprise: the credit for the rest of the period is shown.
	b.open("/licenses/"+id(migrate)+"/renew?edition=enterprise", `#quote-total`)
	if q := b.text(`#quote`); !strings.Contains(q, "Credit") {
		t.Errorf("the migration quote shows no credit: %q", q)
	}
	b.shot("renewal-migrate")
	b.submit("migrate", `#renew-submit`, `.flash`)
	if got := get(migrate); got.Edition != "enterprise" || got.Key != migrate.Key {
		t.Errorf("after migrating: edition %s, key %s", got.Edition, got.Key)
	}

	// Auto-renew on, through the edit form.
	b.open("/licenses/"+id(byBalance)+"/edit", `#f-auto_renew`)
	b.do("switch auto-renew on", chromedp.SetValue(chromedp.CSS(`#f-auto_renew`), "true"))
	b.submit("save", `form[action="/licenses/`+id(byBalance)+`"] button[type=submit]`, `.flash`)
	if !get(byBalance).AutoRenew {
		t.Error("auto-renew is not on")
	}

	// The digest: preview, send, read it in the outbox.
	b.open("/reminders", `#digest-text`)
	if d := b.text(`#digest-text`); !strings.Contains(d, soon.Key) {
		t.Errorf("digest preview lacks %s: %q", soon.Key, d)
	}
	b.submit("send the digest", `#digest-send`, `.flash`)
	b.open("/outbox", `.main`)
	pg, err := h.svc.ListOutbox(app.System, app.ListParams{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	var digest *app.Mail
	for i, m := range pg.Items {
		if m.Kind == "reminder_digest" {
			digest = &pg.Items[i]
		}
	}
	if digest == nil {
		t.Fatal("no digest in the outbox")
	}
	b.submit("open the digest", `a[href="/outbox/`+strconv.FormatUint(digest.ID, 10)+`"]`, `#mail-body`)
	if body := b.eval(`document.querySelector("#mail-body").value`); !strings.Contains(body, soon.Key) || !strings.Contains(body, "Expiring without auto-renew") {
		t.Errorf("the digest reads %q", body)
	}
	b.shot("digest-in-outbox")

	// The expiry chart on the dashboard.
	b.open("/", `svg.chart rect.bar`)
	if title := b.eval(`Array.from(document.querySelectorAll("svg.chart rect.bar title")).map(t => t.textContent).join("|")`); !strings.Contains(title, "Manual: 1") {
		t.Errorf("chart bars %q; want the license expiring in ten days as manual", title)
	}
	b.shot("expiry-chart")

	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.mu.Unlock()
}

package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// invoiceShop is a manual-program partner with pending licenses, a
// login for it and one for the operator.
func invoiceShop(t *testing.T, n int) (*uiHarness, app.Partner, []uint64) {
	t.Helper()
	return invoiceShopOn(t, newUIHarness(t), n)
}

// invoiceShopOn is invoiceShop on a given harness.
func invoiceShopOn(t *testing.T, h *uiHarness, n int) (*uiHarness, app.Partner, []uint64) {
	t.Helper()
	h.user("ops@example.com", 0)
	name, email, manual, disc := "Manual Reseller", "billing@manual.example", app.ProgramManual, 3000
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Email: &email, Program: &manual, DiscountBP: &disc})
	if err != nil {
		t.Fatal(err)
	}
	h.user("mara@manual.example", p.ID)
	code, pname, cur := "antivirus", "Antivirus Pro", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &pname, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := h.svc.CreateLicenses(app.Actor{Role: app.RolePartner, PartnerID: p.ID, Email: "mara@manual.example"},
		app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Count: n, Customer: "Client Oy"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return h, p, ids
}

func TestCheckoutPagesTermsInvoicePayAndVoid(t *testing.T) {
	h, p, ids := invoiceShop(t, 3)
	c := h.login("mara@manual.example")
	_, body := c.get("/licenses?view=pending")
	wantContains(t, body, "Payment pending", "Check out all 3 matching", `id="bulk-checkout"`, "Licenses payment (0)")

	// Ticking two and pressing Checkout shows the bill and the terms.
	form := url.Values{"ids": {fmt.Sprint(ids[0]), fmt.Sprint(ids[1])}, "back": {"/licenses?view=pending"}, "action": {"checkout"}}
	resp, body := c.post("/checkout", form)
	wantStatus(t, resp, body, 200)
	// 19.99 less 30% = 13.99 (13.993) per license.
	wantContains(t, body, "Check out 2 licenses", app.DefaultTerms.Text[:40], "27.98 EUR", "I have read and accept the terms")

	// Without ticking the acceptance: refused, nothing made.
	form.Set("confirm", "true")
	form.Set("terms_version", app.DefaultTerms.Version)
	resp, body = c.post("/checkout", form)
	wantStatus(t, resp, body, 422)
	if n, _ := h.svc.LastNumber(app.SeqInvoice, h.svc.Now().Year()); n != 0 {
		t.Fatalf("a checkout without accepting the terms made invoice %d", n)
	}
	form.Set("accept", "true")
	resp, body = c.post("/checkout", form)
	wantStatus(t, resp, body, 303)
	resp, body = c.follow(resp)
	wantStatus(t, resp, body, 200)
	year := h.svc.Now().Year()
	num := fmt.Sprintf("%d-000001", year)
	wantContains(t, body, "Invoice "+num, "Licenses payment (1)", "Client Oy", "27.98 EUR", "Bill to", "Manual Reseller",
		"Terms version "+app.DefaultTerms.Version+" accepted by mara@manual.example", `class="inv-doc paper-A4"`,
		`<link rel="stylesheet" href="/static/paper-a4.css" media="print">`)
	inv, err := h.svc.InvoiceByNumber(app.System, num)
	if err != nil {
		t.Fatal(err)
	}
	l0, _ := h.svc.GetLicense(app.System, ids[0])
	wantContains(t, body, l0.Key)

	// The license page names the open invoice the license is on.
	_, body = c.get(fmt.Sprintf("/licenses/%d", ids[0]))
	wantContains(t, body, `id="lic-invoice">`+num+`</a>`)

	// The same licenses again: refused, naming them and the invoice.
	resp, body = c.post("/checkout", form)
	wantStatus(t, resp, body, 409)
	wantContains(t, body, "already on open invoice "+num)

	// "Check out all matching" takes the one left.
	resp, body = c.get("/checkout?view=pending")
	wantStatus(t, resp, body, 200)
	wantContains(t, body, "Check out 1 license", `name="filter.view" value="pending"`)

	// The list, the CSV; paying short of balance, then paid.
	_, body = c.get("/invoices")
	wantContains(t, body, num, "Open", "27.98 EUR")
	resp, body = c.get("/invoices/export.csv?state=open")
	wantStatus(t, resp, body, 200)
	wantContains(t, body, "number,date,partner", num)
	resp, body = c.post(fmt.Sprintf("/invoices/%d/pay", inv.ID), url.Values{})
	wantStatus(t, resp, body, 422)
	wantContains(t, body, "short")
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 5000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.get(fmt.Sprintf("/invoices/%d", inv.ID))
	resp, body = c.post(fmt.Sprintf("/invoices/%d/pay", inv.ID), url.Values{})
	wantStatus(t, resp, body, 303)
	_, body = c.follow(resp)
	wantContains(t, body, "paid from your balance", "Licenses payment (0)", `data-state="paid"`)
	if l, _ := h.svc.GetLicense(app.System, ids[0]); l.Payment != app.PaymentPaid || l.Key != l0.Key {
		t.Fatalf("license after paying: %s %s", l.Payment, l.Key)
	}

	// Another invoice, deleted: void, its license free again.
	resp, body = c.post("/checkout", url.Values{"ids": {fmt.Sprint(ids[2])}, "confirm": {"true"}, "accept": {"true"}, "terms_version": {app.DefaultTerms.Version}})
	wantStatus(t, resp, body, 303)
	resp, body = c.follow(resp)
	wantStatus(t, resp, body, 200)
	wantContains(t, body, "Licenses payment (1)")
	second, _ := h.svc.InvoiceByNumber(app.System, fmt.Sprintf("%d-000002", year))
	resp, body = c.post(fmt.Sprintf("/invoices/%d/delete", second.ID), url.Values{})
	wantStatus(t, resp, body, 303)
	_, body = c.follow(resp)
	wantContains(t, body, "deleted", `data-state="void"`)
	if !strings.Contains(body, "Licenses payment (0)") {
		t.Fatal("the menu still counts the voided invoice")
	}
}

func TestOperatorRecordsPaymentsAndEditsTermsAndBilling(t *testing.T) {
	h, p, ids := invoiceShop(t, 2)
	r, err := h.svc.Checkout(app.Actor{Role: app.RolePartner, PartnerID: p.ID, Email: "mara@manual.example"},
		app.CheckoutInput{LicenseIDs: ids, TermsVersion: app.DefaultTerms.Version})
	if err != nil {
		t.Fatal(err)
	}
	op := h.login("ops@example.com")
	path := fmt.Sprintf("/invoices/%d", r.ID)
	_, body := op.get(path)
	wantContains(t, body, "Record a payment received", "Licenses payment (1)")
	resp, body := op.post(path+"/payments", url.Values{"p.amount": {"10.00"}, "p.reference": {"BANK-1"}, "p.date": {h.svc.Now().Format("2006-01-02")}})
	wantStatus(t, resp, body, 422)
	if msg := fieldError(body, "p.amount"); !strings.Contains(msg, "17.98 EUR short") {
		t.Fatalf("short payment message %q", msg)
	}
	resp, body = op.post(path+"/payments", url.Values{"p.amount": {"10.00"}, "p.reference": {"BANK-1"}, "p.partial": {"true"}})
	wantStatus(t, resp, body, 303)
	resp, body = op.post(path+"/payments", url.Values{"p.amount": {"17.98"}, "p.reference": {"BANK-2"}})
	wantStatus(t, resp, body, 303)
	_, body = op.follow(resp)
	wantContains(t, body, `data-state="paid"`, "BANK-1", "BANK-2", "partial")

	_, body = op.get("/settings/terms")
	wantContains(t, body, "Checkout terms", app.DefaultTerms.Text[:30])
	resp, body = op.post("/settings/terms", url.Values{"terms.version": {app.DefaultTerms.Version}, "terms.text": {"Changed."}})
	wantStatus(t, resp, body, 422)
	resp, body = op.post("/settings/terms", url.Values{"terms.version": {"2026-2"}, "terms.text": {"Net 30."}})
	wantStatus(t, resp, body, 303)
	if tm, _ := h.svc.GetTerms(app.System); tm.Version != "2026-2" {
		t.Fatalf("terms %+v", tm)
	}
	billing := fmt.Sprintf("/partners/%d/billing", p.ID)
	_, _ = op.get(billing)
	resp, body = op.post(billing, url.Values{"bill.name": {"Manual GmbH"}, "bill.address": {"Street 1"}, "bill.vat_id": {"DE123"}, "bill.tax": {"abc"}})
	wantStatus(t, resp, body, 422)
	resp, body = op.post(billing, url.Values{"bill.name": {"Manual GmbH"}, "bill.address": {"Street 1"}, "bill.vat_id": {"DE123"}, "bill.tax": {"0"}})
	wantStatus(t, resp, body, 303)
	if b, _ := h.svc.GetBilling(app.System, p.ID); b.Name != "Manual GmbH" || b.VATID != "DE123" {
		t.Fatalf("billing %+v", b)
	}
}

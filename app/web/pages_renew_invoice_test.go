package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// renewInvoiceShop is a partner with n active licenses and a login.
func renewInvoiceShop(t *testing.T, n int) (*uiHarness, app.Partner, []app.LicenseView) {
	t.Helper()
	h := newUIHarness(t)
	h.user("ops@example.com", 0)
	name, email := "Harbor IT", "billing@harbor.example"
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	h.user("anna@harbor.example", p.ID)
	code, pname, cur := "sentinel", "Sentinel AV", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 2000}}
	active := true
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &pname, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	var out []app.LicenseView
	for i := range n {
		ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12,
			PartnerID: p.ID, Customer: fmt.Sprintf("Client %d", i), CustomerEmail: fmt.Sprintf("it@c%d.example", i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ls[0])
	}
	return h, p, out
}

// TestRenewBulkPageOnInvoicePaidNow: ticked rows renewed on one invoice
// paid at once; a short balance is refused with the shortfall and
// nothing is written.
func TestRenewBulkPageOnInvoicePaidNow(t *testing.T) {
	h, p, ls := renewInvoiceShop(t, 3)
	c := h.login("anna@harbor.example")
	form := url.Values{"back": {"/licenses"}, "action": {"renew"}}
	for _, l := range ls {
		form.Add("ids", fmt.Sprint(l.ID))
	}
	resp, body := c.post("/renewals", form)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Renew 3 licenses?", `action="/renewals"`, `id="b-pay-now"`, "60.00 EUR")

	form.Set("confirm", "true")
	form.Set("payment", "invoice")
	form.Set("pay_now", "true")
	resp, body = c.post("/renewals", form)
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	wantContains(t, body, "60.00 EUR short", "without paying now")
	if n := h.svc.OpenInvoiceCount(app.System); n != 0 {
		t.Fatalf("a refused pay-now left %d open invoices", n)
	}
	if l, _ := h.svc.GetLicense(app.System, ls[0].ID); !l.ValidTo.Equal(*ls[0].ValidTo) {
		t.Fatal("a refused pay-now moved a period")
	}

	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 6000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	resp, body = c.post("/renewals", form)
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/invoices/") {
		t.Fatalf("redirected to %q; want the invoice", loc)
	}
	_, body = c.follow(resp)
	wantContains(t, body, "3 licenses renewed, billed on invoice", "paid from your balance", "Renewal of 3 licenses", `data-state="paid"`)
	if acc, _ := h.svc.GetAccount(app.System, p.ID); acc.Balance.Amount != 0 {
		t.Fatalf("balance %d after paying 60.00 of 60.00", acc.Balance.Amount)
	}
	for _, l := range ls {
		if got, _ := h.svc.GetLicense(app.System, l.ID); !got.ValidTo.Equal(l.ValidTo.AddDate(1, 0, 0)) {
			t.Fatalf("%s renewed to %s", l.Key, got.ValidTo)
		}
	}
}

// TestRenewPageOnInvoiceThenDelete: a renewal on an invoice, then the
// invoice deleted from its page: the period is back as it was; another
// partner's user cannot see or delete it.
func TestRenewPageOnInvoiceThenDelete(t *testing.T) {
	h, _, ls := renewInvoiceShop(t, 1)
	name := "Other Reseller"
	other, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	h.user("olga@other.example", other.ID)
	l := ls[0]
	c := h.login("anna@harbor.example")
	id := fmt.Sprint(l.ID)
	resp, body := c.post("/licenses/"+id+"/renew", url.Values{"periods": {"1"}, "payment": {"invoice"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "billed on invoice")
	inv, ok, err := h.svc.LicenseInvoice(app.System, l.ID)
	if err != nil || !ok {
		t.Fatalf("no open invoice holds the license: %v", err)
	}
	// Renewing again while it is open: refused, naming the invoice.
	resp, body = c.post("/licenses/"+id+"/renew", url.Values{"periods": {"1"}, "payment": {"balance"}})
	wantStatus(t, resp, body, http.StatusConflict)
	wantContains(t, body, inv.Number)

	o := h.login("olga@other.example")
	resp, body = o.get(fmt.Sprintf("/invoices/%d", inv.ID))
	wantStatus(t, resp, body, http.StatusNotFound)
	resp, body = o.post(fmt.Sprintf("/invoices/%d/delete", inv.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusNotFound)

	resp, body = c.post(fmt.Sprintf("/invoices/%d/delete", inv.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	got, _ := h.svc.GetLicense(app.System, l.ID)
	if !got.ValidTo.Equal(*l.ValidTo) || got.Key != l.Key {
		t.Fatalf("after deleting the invoice the license is valid to %s; want %s", got.ValidTo, l.ValidTo)
	}
	v, _ := h.svc.GetInvoice(app.System, inv.ID)
	if v.State != app.InvoiceVoid {
		t.Fatalf("invoice is %s", v.State)
	}
}

package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// TestRenewAPIChargesTheQuote: the shapes scripts rely on. The quote
// answers lines and a total without writing; the renewal answers the
// license with valid_to moved on and charges exactly the quoted total.
func TestRenewAPIChargesTheQuote(t *testing.T) {
	t.Parallel()
	e := newLAFixture(t)
	if _, err := e.svc.RecordBalance(app.System, e.pa.ID, app.BalanceInput{Amount: 100_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	id := laU(e.a1.ID)
	r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/renewal-quote?periods=2", "")
	laWant(t, "quote", r, http.StatusOK)
	var q struct {
		Lines []struct {
			Steps []struct {
				Kind   string `json:"kind"`
				Amount int64  `json:"amount"`
			} `json:"steps"`
			Total int64 `json:"total"`
		} `json:"lines"`
		Total   app.Money `json:"total"`
		ValidTo time.Time `json:"valid_to"`
	}
	r.decode(t, &q)
	// 1200 per seat × 3 seats × 2 periods, no partner discount.
	if q.Total.Amount != 7200 || q.Total.Currency != "EUR" || len(q.Lines) != 1 || q.Lines[0].Steps[0].Kind != "list" {
		t.Fatalf("quote %s", r.body)
	}
	acc, _ := e.svc.GetAccount(app.System, e.pa.ID)
	if acc.Balance.Amount != 100_000 {
		t.Fatal("the quote wrote something")
	}
	r = e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":2,"payment":"balance"}`)
	laWant(t, "renew", r, http.StatusOK)
	var got struct {
		ID      uint64    `json:"id"`
		Key     string    `json:"key"`
		ValidTo time.Time `json:"valid_to"`
		Renewal struct {
			OrderNumber string    `json:"order_number"`
			Charged     app.Money `json:"charged"`
		} `json:"renewal"`
	}
	r.decode(t, &got)
	if got.ID != e.a1.ID || got.Key != e.a1.Key || !got.ValidTo.Equal(q.ValidTo) || got.Renewal.Charged != q.Total || !strings.HasPrefix(got.Renewal.OrderNumber, "O-") {
		t.Fatalf("renewal %s; want valid_to %s", r.body, q.ValidTo)
	}
	acc, _ = e.svc.GetAccount(app.System, e.pa.ID)
	if acc.Balance.Amount != 100_000-q.Total.Amount {
		t.Fatalf("balance %d after a renewal quoted %d", acc.Balance.Amount, q.Total.Amount)
	}

	// Bad input: a 4xx naming the field, nothing written.
	for _, c := range []struct{ body, field string }{
		{`{"periods":0}`, "periods"},
		{`{"periods":-1}`, "periods"},
		{`{"periods":1,"period_months":6}`, "period_months"},
		{`{"periods":1,"edition":"platinum"}`, "edition"},
		{`{"periods":1,"coupon_id":999999}`, "coupon_id"},
		{`{"periods":1,"payment":"card"}`, "payment"},
	} {
		r := e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", c.body)
		laWant(t, c.body, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error names %q; want %q (%s)", c.body, ae.Error.Field, c.field, r.body)
		}
	}
	// An unused key has no period to renew.
	laWant(t, "renew unused", e.do(e.a, "POST", "/api/v1/licenses/"+laU(e.a2.ID)+"/renew", `{"periods":1}`), http.StatusUnprocessableEntity)
	if acc2, _ := e.svc.GetAccount(app.System, e.pa.ID); acc2.Balance != acc.Balance {
		t.Fatal("refused renewals took money")
	}
	if l, _ := e.svc.GetLicense(app.System, e.a1.ID); !l.ValidTo.Equal(got.ValidTo) {
		t.Fatal("refused renewals moved valid_to")
	}
}

// TestRenewAPIOnInvoice: "payment":"invoice" makes a real invoice that
// another partner cannot see or touch; "pay_now" pays it at once or, with
// the balance short, is refused with nothing written.
func TestRenewAPIOnInvoice(t *testing.T) {
	t.Parallel()
	e := newLAFixture(t)
	id := laU(e.a1.ID)
	r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/renewal-quote?periods=1", "")
	laWant(t, "quote", r, http.StatusOK)
	var q struct {
		Total   app.Money `json:"total"`
		ValidTo time.Time `json:"valid_to"`
	}
	r.decode(t, &q)
	invoices := func(token string) int {
		r := e.do(token, "GET", "/api/v1/invoices", "")
		laWant(t, "invoice list", r, http.StatusOK)
		var pg struct {
			Items []struct {
				ID uint64 `json:"id"`
			} `json:"items"`
		}
		r.decode(t, &pg)
		return len(pg.Items)
	}

	// Pay now with no balance: 422 with the shortfall, nothing written.
	r = e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":1,"payment":"invoice","pay_now":true}`)
	laWant(t, "pay now, short", r, http.StatusUnprocessableEntity)
	var ae laError
	r.decode(t, &ae)
	if ae.Error.Code != "insufficient_balance" || !strings.Contains(ae.Error.Message, "short") {
		t.Fatalf("short pay-now error %s", r.body)
	}
	if n := invoices(e.a); n != 0 {
		t.Fatalf("a refused pay-now left %d invoices", n)
	}
	// On a new invoice.
	r = e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":1,"payment":"invoice"}`)
	laWant(t, "renew on invoice", r, http.StatusOK)
	var got struct {
		ValidTo time.Time `json:"valid_to"`
		Renewal struct {
			InvoiceID     uint64    `json:"invoice_id"`
			InvoiceNumber string    `json:"invoice_number"`
			Invoiced      app.Money `json:"invoiced"`
			Charged       app.Money `json:"charged"`
		} `json:"renewal"`
	}
	r.decode(t, &got)
	if got.Renewal.InvoiceID == 0 || got.Renewal.Invoiced != q.Total || got.Renewal.Charged.Amount != 0 || !got.ValidTo.Equal(q.ValidTo) {
		t.Fatalf("renewal on invoice %s", r.body)
	}
	inv := "/api/v1/invoices/" + laU(got.Renewal.InvoiceID)
	r = e.do(e.a, "GET", inv, "")
	laWant(t, "the renewal invoice", r, http.StatusOK)
	var iv struct {
		Number string    `json:"number"`
		Kind   string    `json:"kind"`
		State  string    `json:"state"`
		Total  app.Money `json:"total"`
		Lines  []struct {
			LicenseID uint64 `json:"license_id"`
			Total     int64  `json:"total"`
		} `json:"lines"`
	}
	r.decode(t, &iv)
	if iv.Number != got.Renewal.InvoiceNumber || iv.Kind != "renewal" || iv.State != "open" || iv.Total != q.Total ||
		len(iv.Lines) != 1 || iv.Lines[0].LicenseID != e.a1.ID || iv.Lines[0].Total != q.Total.Amount {
		t.Fatalf("renewal invoice %s", r.body)
	}
	// Another partner: the invoice is not found, to read, pay or delete.
	laWant(t, "B reads A's invoice", e.do(e.b, "GET", inv, ""), http.StatusNotFound)
	laWant(t, "B pays A's invoice", e.do(e.b, "POST", inv+"/pay", ""), http.StatusNotFound)
	laWant(t, "B deletes A's invoice", e.do(e.b, "DELETE", inv, ""), http.StatusNotFound)
	laWant(t, "B renews A's license on invoice", e.do(e.b, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":1,"payment":"invoice","pay_now":true}`), http.StatusNotFound)
	// Held by the open invoice: renewing again is 409.
	laWant(t, "renew again", e.do(e.a, "POST", "/api/v1/licenses/"+id+"/renew", `{"periods":1,"payment":"balance"}`), http.StatusConflict)
	// Paid from the balance: money moves once.
	if _, err := e.svc.RecordBalance(app.System, e.pa.ID, app.BalanceInput{Amount: 100_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	laWant(t, "pay", e.do(e.a, "POST", inv+"/pay", ""), http.StatusOK)
	laWant(t, "pay again", e.do(e.a, "POST", inv+"/pay", ""), http.StatusConflict)
	acc, _ := e.svc.GetAccount(app.System, e.pa.ID)
	if acc.Balance.Amount != 100_000-q.Total.Amount {
		t.Fatalf("balance %d after paying %s", acc.Balance.Amount, q.Total)
	}
	// Bulk, paid now: one paid invoice.
	r = e.do(e.a, "POST", "/api/v1/licenses/renew", `{"periods":1,"payment":"invoice","pay_now":true,"license_ids":[`+id+`]}`)
	laWant(t, "bulk pay now", r, http.StatusOK)
	var bulk struct {
		Renewed   int       `json:"renewed"`
		InvoiceID uint64    `json:"invoice_id"`
		Charged   app.Money `json:"charged"`
	}
	r.decode(t, &bulk)
	if bulk.Renewed != 1 || bulk.InvoiceID == 0 || bulk.Charged.Amount == 0 {
		t.Fatalf("bulk pay now %s", r.body)
	}
	if n := invoices(e.a); n != 2 {
		t.Fatalf("%d invoices; want 2", n)
	}
	if n := invoices(e.b); n != 0 {
		t.Fatalf("B lists %d of A's invoices", n)
	}
}

// TestRenewalQuoteStrictCoupon: coupon in the quote's query takes
// true/false/1/0 only; coupon=yes is refused naming it, not read as false.
func TestRenewalQuoteStrictCoupon(t *testing.T) {
	t.Parallel()
	e := newLAFixture(t)
	id := laU(e.a1.ID)
	for _, v := range []string{"yes", "T", "TRUE", "no", "f"} {
		r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/renewal-quote?coupon="+v, "")
		laWant(t, "coupon="+v, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), `"field":"coupon"`) {
			t.Errorf("coupon=%s: %s does not name coupon", v, r.body)
		}
	}
	for _, v := range []string{"", "0", "false"} {
		r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/renewal-quote?coupon="+v, "")
		laWant(t, "coupon="+v, r, http.StatusOK)
	}
}

package web

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// invoiceReply is what scripts read from POST /api/v1/checkout.
type invoiceReply struct {
	ID         uint64    `json:"id"`
	Number     string    `json:"number"`
	State      string    `json:"state"`
	Total      app.Money `json:"total"`
	LicenseIDs []uint64  `json:"license_ids"`
}

func TestAPICheckoutPayAndList(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	op := w.bearer("ops@example.com")
	var ids []uint64
	for range 3 {
		ls, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 2, PeriodMonths: 12,
			PartnerID: wd.a.ID, Payment: app.PaymentPending})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ls[0].ID)
	}
	var terms struct{ Version, Text string }
	r := w.do(wd.aToken, "GET", "/api/v1/terms", "")
	wantStatus(t, "terms", r, 200)
	r.json(t, &terms)
	if terms.Version == "" || terms.Text == "" {
		t.Fatalf("terms %s", r.body)
	}
	idsJSON := strings.ReplaceAll(fmt.Sprint(ids), " ", ",")

	// No terms accepted: refused, naming the field.
	r = w.do(wd.aToken, "POST", "/api/v1/checkout", `{"license_ids":`+idsJSON+`}`)
	wantStatus(t, "checkout without terms", r, 422)
	if e := r.apiError(t); e.Error.Field != "terms_version" {
		t.Fatalf("body %s", r.body)
	}
	// Another partner's license: 404 naming it, like a missing one.
	r = w.do(wd.aToken, "POST", "/api/v1/checkout", fmt.Sprintf(`{"license_ids":[%d,%d],"terms_version":%q}`, ids[0], wd.bLicense, terms.Version))
	wantStatus(t, "checkout of another's license", r, 404)
	if !strings.Contains(string(r.body), fmt.Sprintf(`"license_id":%d`, wd.bLicense)) || strings.Contains(string(r.body), "Beta") {
		t.Fatalf("body %s", r.body)
	}

	r = w.do(wd.aToken, "POST", "/api/v1/checkout", `{"license_ids":`+idsJSON+`,"terms_version":"`+terms.Version+`"}`)
	wantStatus(t, "checkout", r, 201)
	var inv invoiceReply
	r.json(t, &inv)
	// 19.99 × 2 seats = 39.98 per license, no partner discount, no tier.
	if inv.ID == 0 || !strings.HasPrefix(inv.Number, "2026-") || inv.State != "open" || inv.Total != (app.Money{Amount: 3 * 3998, Currency: "EUR"}) ||
		fmt.Sprint(inv.LicenseIDs) != fmt.Sprint(ids) {
		t.Fatalf("checkout answered %s", r.body)
	}
	// The same licenses again: 409 naming each and the invoice.
	r = w.do(wd.aToken, "POST", "/api/v1/checkout", `{"license_ids":`+idsJSON+`,"terms_version":"`+terms.Version+`"}`)
	wantStatus(t, "second checkout", r, 409)
	var refusal struct {
		Error struct {
			Code     string               `json:"code"`
			Licenses []app.LicenseProblem `json:"licenses"`
		} `json:"error"`
	}
	r.json(t, &refusal)
	if refusal.Error.Code != "conflict" || len(refusal.Error.Licenses) != 3 || !strings.Contains(refusal.Error.Licenses[0].Reason, inv.Number) {
		t.Fatalf("refusal %s", r.body)
	}

	// Listed with its state; the count of open ones; CSV.
	r = w.do(wd.aToken, "GET", "/api/v1/invoices?state=open", "")
	wantStatus(t, "list", r, 200)
	var page app.Page[app.InvoiceSummary]
	r.json(t, &page)
	if page.Total != 2 { // the world's own invoice and this one
		t.Fatalf("open invoices %s", r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/invoices?status=open", "")
	wantStatus(t, "list with a mistyped filter", r, 422)

	// Short of balance, then paid from it with {}.
	r = w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/invoices/%d/pay", inv.ID), `{}`)
	wantStatus(t, "pay without balance", r, 422)
	if e := r.apiError(t); e.Error.Code != "insufficient_balance" {
		t.Fatalf("body %s", r.body)
	}
	if r := w.do(op, "POST", fmt.Sprintf("/api/v1/partners/%d/balance", wd.a.ID), `{"amount":20000,"kind":"topup","reason":"wire"}`); r.status >= 300 {
		t.Fatalf("top-up: %d %s", r.status, r.body)
	}
	r = w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/invoices/%d/pay", inv.ID), `{}`)
	wantStatus(t, "pay", r, 200)
	r.json(t, &inv)
	if inv.State != "paid" {
		t.Fatalf("paid answered %s", r.body)
	}
	for _, id := range ids {
		l, _ := w.svc.GetLicense(app.System, id)
		if l.Payment != app.PaymentPaid {
			t.Fatalf("license %d is %s after paying", id, l.Payment)
		}
	}
	r = w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/invoices/%d/pay", inv.ID), `{}`)
	wantStatus(t, "pay twice", r, 409)
	r = w.do(wd.aToken, "DELETE", fmt.Sprintf("/api/v1/invoices/%d", inv.ID), "")
	wantStatus(t, "delete a paid invoice", r, 409)

	// The world's open invoice: short operator payment, then partial, then void refused.
	r = w.do(op, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", wd.aInvoice), `{"amount":100,"reference":"BANK-7"}`)
	wantStatus(t, "short payment", r, 422)
	if e := r.apiError(t); e.Error.Code != "short_payment" || !strings.Contains(e.Error.Message, "short") {
		t.Fatalf("body %s", r.body)
	}
	r = w.do(op, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", wd.aInvoice), `{"amount":100,"reference":"BANK-7","partial":true}`)
	wantStatus(t, "partial payment", r, 200)

	r = w.do(wd.aToken, "GET", "/api/v1/invoices.csv", "")
	wantStatus(t, "csv", r, 200)
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "number" || rows[1][0] != inv.Number || rows[1][10] != "paid" {
		t.Fatalf("csv %q", rows)
	}
}

func TestAPITermsAndBilling(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	op := w.bearer("ops@example.com")
	r := w.do(op, "PUT", "/api/v1/terms", `{"version":"2026-2","text":"Net 30."}`)
	wantStatus(t, "set terms", r, 200)
	r = w.do(wd.aToken, "GET", "/api/v1/terms", "")
	if string(r.body) != `{"text":"Net 30.","version":"2026-2"}` && string(r.body) != `{"version":"2026-2","text":"Net 30."}` {
		t.Fatalf("terms %s", r.body)
	}
	r = w.do(op, "PUT", fmt.Sprintf("/api/v1/partners/%d/billing", wd.a.ID), `{"name":"Alpha GmbH","address":"Street 1","vat_id":"DE1","tax_bp":0}`)
	wantStatus(t, "set billing", r, 200)
	r = w.do(wd.aToken, "GET", fmt.Sprintf("/api/v1/partners/%d/billing", wd.a.ID), "")
	wantStatus(t, "get billing", r, 200)
	var b app.PartnerBilling
	r.json(t, &b)
	if b.Name != "Alpha GmbH" || b.VATID != "DE1" {
		t.Fatalf("billing %s", r.body)
	}
}

package web

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"licensedesk/app"
)

// Every CSV the desk writes (licenses, orders, activation codes,
// customers, invoices) neutralises a cell a spreadsheet would run as a
// formula, whichever field the text came from: no cell starts with =, +,
// -, @, tab or carriage return unless it is a number.
func TestEveryCSVNeutralisesFormulas(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	ops := w.bearer("ops@example.com")
	for _, x := range []struct{ method, path, body string }{
		{"PATCH", fmt.Sprintf("/api/v1/licenses/%d", wd.aLicense), `{"name":"=HYPERLINK(\"http://evil.example\",\"x\")","notes":"@SUM(A1:A9)","registration_key":"-2+3"}`},
		{"POST", fmt.Sprintf("/api/v1/licenses/%d/assign", wd.aLicense), `{"customer":"+cmd|' /C calc'!A0","customer_email":"it@customer.example"}`},
		{"PATCH", fmt.Sprintf("/api/v1/products/%d", wd.product.ID), `{"name":"=1+1"}`},
		{"PATCH", fmt.Sprintf("/api/v1/partners/%d", wd.a.ID), `{"name":"@partner"}`},
		{"PATCH", fmt.Sprintf("/api/v1/customers/%d", wd.aCustomer), `{"name":"-customer","company":"=company"}`},
	} {
		if got := w.do(ops, x.method, x.path, x.body); got.status >= 300 {
			t.Fatalf("%s %s: %d %s", x.method, x.path, got.status, got.body)
		}
	}
	// An order bought after the rename carries the names.
	var order struct{ ID uint64 }
	got := w.do(ops, "POST", "/api/v1/orders", fmt.Sprintf(`{"partner_id":%d,"payment":"invoice","lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}]}`, wd.a.ID, wd.product.ID))
	if got.status != 201 {
		t.Fatalf("order: %d %s", got.status, got.body)
	}
	got.json(t, &order)
	// So does an invoice checked out after it.
	var made struct{ Items []struct{ ID uint64 } }
	got = w.do(ops, "POST", "/api/v1/licenses", fmt.Sprintf(`{"product_id":%d,"partner_id":%d,"edition":"business","seats":1,"period_months":12,"payment_status":"pending"}`, wd.product.ID, wd.a.ID))
	if got.status != 201 {
		t.Fatalf("license: %d %s", got.status, got.body)
	}
	got.json(t, &made)
	if got := w.do(ops, "POST", "/api/v1/checkout", fmt.Sprintf(`{"license_ids":[%d],"terms_version":%q}`, made.Items[0].ID, app.DefaultTerms.Version)); got.status != 201 {
		t.Fatalf("checkout: %d %s", got.status, got.body)
	}
	alice := w.session("alice@alpha.example")
	for _, p := range []string{"/licenses/export.csv?view=all", "/orders/export.csv?from=2000-01-01", fmt.Sprintf("/orders/%d/codes.csv", order.ID),
		"/customers/export.csv", "/invoices/export.csv", "/api/v1/licenses.csv", "/api/v1/orders.csv?from=2000-01-01", "/api/v1/invoices.csv", "/api/v1/customers.csv"} {
		c := alice
		if strings.HasPrefix(p, "/api/") {
			c = wd.aToken
		}
		got := w.do(c, "GET", p, "")
		if got.status != 200 {
			t.Errorf("GET %s: %d %.200s", p, got.status, got.body)
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(string(got.body))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("GET %s: %d rows, %v: %.300s", p, len(rows), err, got.body)
			continue
		}
		quoted := 0
		for _, row := range rows[1:] {
			for i, cell := range row {
				if strings.HasPrefix(cell, "'") {
					quoted++
				}
				if cell == "" || !strings.ContainsAny(cell[:1], "=+-@\t\r") {
					continue
				}
				if _, err := strconv.ParseFloat(cell, 64); err == nil {
					continue
				}
				t.Errorf("GET %s: column %s holds %q, which a spreadsheet runs", p, rows[0][i], cell)
			}
		}
		if quoted == 0 {
			t.Errorf("GET %s: no neutralised cell; the hostile names did not reach it: %.300s", p, got.body)
		}
	}
}

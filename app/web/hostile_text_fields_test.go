package web

import (
	"fmt"
	"strings"
	"testing"
)

// Text the operator or a partner types into the catalogue, billing
// details, refunds, special prices and transfers comes out in mail
// subjects and headers, PDFs, CSV files and pages. A one-line field with
// a line break, NUL or escape is refused naming the field, as the license
// and partner fields already are, and nothing is written.
func TestTextFieldsRefuseControlCharacters(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	ops := w.bearer("ops@example.com")
	pid := fmt.Sprint(wd.a.ID)
	mk := func(name, edition string) string {
		b := strings.Replace(productBody("hostile-"+fmt.Sprint(len(name)+len(edition))), `"name":"Antivirus Pro"`, `"name":`+name, 1)
		return strings.Replace(b, `"name":"Business"`, `"name":`+edition, 1)
	}
	for _, tc := range []struct {
		what, method, path, body, field string
		c                               caller
	}{
		{"product name with a header", "POST", "/api/v1/products", mk(`"Pro\r\nBcc: thief@evil.example"`, `"Business"`), "name", ops},
		{"product name with NUL", "POST", "/api/v1/products", mk(`"Pro\u0000"`, `"Business"`), "name", ops},
		{"edition name with an escape", "POST", "/api/v1/products", mk(`"Pro"`, `"Busi\u001b[2Jness"`), "editions[0].name", ops},
		{"product rename with a line break", "PATCH", "/api/v1/products/" + fmt.Sprint(wd.product.ID), `{"name":"Pro\nX-Evil: 1"}`, "name", ops},
		{"billing name with a line break", "PUT", "/api/v1/partners/" + pid + "/billing", `{"name":"Alpha\r\nBcc: thief@evil.example","tax_bp":0}`, "name", ops},
		{"billing VAT ID with NUL", "PUT", "/api/v1/partners/" + pid + "/billing", `{"vat_id":"DE1\u00002","tax_bp":0}`, "vat_id", ops},
		{"billing address with an escape", "PUT", "/api/v1/partners/" + pid + "/billing", `{"address":"Main St 1\n\u001b]8;;http://evil.example\u0007","tax_bp":0}`, "address", ops},
		{"special price note with NUL", "POST", "/api/v1/special-prices", `{"discount_bp":1000,"reason":"education","note":"for\u0000school"}`, "note", ops},
		{"refund reason with a line break", "POST", "/api/v1/orders/" + fmt.Sprint(wd.aOrder) + "/refund", `{"reason":"asked\r\nX-Evil: 1"}`, "reason", ops},
		{"transfer rejection with an escape", "POST", "/api/v1/transfers/" + fmt.Sprint(wd.bTransfer) + "/reject", `{"reason":"no\u001b[31m"}`, "reason", ops},
	} {
		got := w.do(tc.c, tc.method, tc.path, tc.body)
		if got.status != 422 && got.status != 400 {
			t.Errorf("%s: %d, want it refused; body %.300s", tc.what, got.status, got.body)
			continue
		}
		if e := got.apiError(t); e.Error.Field != tc.field {
			t.Errorf("%s: refused naming %q, want %q: %s", tc.what, e.Error.Field, tc.field, got.body)
		}
	}
	// Nothing of it was written.
	if n := w.productCount(); n != 2 {
		t.Errorf("%d products, want 2", n)
	}
	if p := w.do(ops, "GET", "/api/v1/products/"+fmt.Sprint(wd.product.ID), ""); strings.Contains(string(p.body), "X-Evil") {
		t.Errorf("product renamed: %s", p.body)
	}
	if b := w.do(ops, "GET", "/api/v1/partners/"+pid+"/billing", ""); strings.Contains(string(b.body), "evil") || strings.Contains(string(b.body), `\u0000`) {
		t.Errorf("billing details written: %s", b.body)
	}
}

// Bidi overrides, embeddings and isolates reorder what follows them on
// the page, in CSV cells and in mail subjects: a license named
// "\u202eXDNS-..." shows another key, a customer can pose as another.
// Fields refuse them as they refuse control characters; right-to-left
// text itself (Arabic, Hebrew) and joiners stay allowed.
func TestTextFieldsRefuseBidiOverrides(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	ops := w.bearer("ops@example.com")
	lic := func(field, v string) string {
		return fmt.Sprintf(`{"product_id":%d,"partner_id":%d,"edition":"business","seats":1,"period_months":12,%q:%s}`, wd.product.ID, wd.a.ID, field, jsonString(v))
	}
	for _, tc := range []struct {
		what, method, path, body, field string
	}{
		{"license name with a right-to-left override", "POST", "/api/v1/licenses", lic("name", "Office \u202e5FCA-ZX"), "name"},
		{"customer with an isolate", "POST", "/api/v1/licenses", lic("customer", "Acme \u2067GmbH\u2069"), "customer"},
		{"notes with an embedding", "POST", "/api/v1/licenses", lic("notes", "call\n\u202bback"), "notes"},
		{"partner name with a left-to-right override", "POST", "/api/v1/partners", `{"name":"Beta\u202d Reseller"}`, "name"},
		{"customer record with an override", "POST", "/api/v1/customers", fmt.Sprintf(`{"partner_id":%d,"name":"Acme \u202eHbmG","email":"acme@example.com"}`, wd.a.ID), "name"},
		{"payment reference with an override", "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", wd.aInvoice), `{"amount":1,"partial":true,"reference":"TX \u202e99"}`, "reference"},
	} {
		got := w.do(ops, tc.method, tc.path, tc.body)
		if got.status != 422 && got.status != 400 {
			t.Errorf("%s: %d, want it refused; body %.300s", tc.what, got.status, got.body)
			continue
		}
		if e := got.apiError(t); e.Error.Field != tc.field {
			t.Errorf("%s: refused naming %q, want %q: %s", tc.what, e.Error.Field, tc.field, got.body)
		}
	}
	// Right-to-left text and joiners are text, not tricks.
	for _, v := range []string{"شركة الأمل", "חברת אור", "می\u200cخواهم", "👩\u200d💻 team"} {
		if got := w.do(ops, "POST", "/api/v1/licenses", lic("customer", v)); got.status != 201 {
			t.Errorf("customer %q: %d %.200s", v, got.status, got.body)
		}
	}
}

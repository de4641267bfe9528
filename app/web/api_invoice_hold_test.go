package web

import (
	"fmt"
	"testing"
)

// A license renewed on an open invoice cannot be handed to another
// partner (422 naming license_ids), and a payment dated before its
// invoice was issued is 422 naming date.
func TestAPIInvoiceHoldsTransferAndPaymentDate(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	op := w.bearer("ops@example.com")
	id := wd.aLicense

	r := w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/licenses/%d/renew", id), `{"periods":1,"payment":"invoice"}`)
	wantStatus(t, "renew on invoice", r, 200)
	r = w.do(wd.aToken, "POST", "/api/v1/transfers", fmt.Sprintf(`{"license_ids":[%d],"target":%q}`, id, wd.b.PublicID))
	wantStatus(t, "transfer a license on an open invoice", r, 422)
	if e := r.apiError(t); e.Error.Field != "license_ids" {
		t.Fatalf("transfer refused naming %q: %s", e.Error.Field, r.body)
	}

	r = w.do(op, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", wd.aInvoice), `{"amount":1,"partial":true,"date":"0001-01-01"}`)
	wantStatus(t, "payment dated 0001-01-01", r, 422)
	if e := r.apiError(t); e.Error.Field != "date" {
		t.Fatalf("payment refused naming %q: %s", e.Error.Field, r.body)
	}
}

package web

import (
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"licensedesk/app"
)

// orderReply is what scripts read from POST /api/v1/orders.
type orderReply struct {
	ID         uint64    `json:"id"`
	Number     string    `json:"number"`
	State      string    `json:"state"`
	Total      app.Money `json:"total"`
	LicenseIDs []uint64  `json:"license_ids"`
}

func (w *webEnv) postOrder(c caller, body, idem string) reply {
	w.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/orders", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	return w.test(req)
}

func TestAPIOrders(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	op := w.bearer("ops@example.com")
	if r := w.do(op, "POST", fmt.Sprintf("/api/v1/partners/%d/balance", wd.a.ID), `{"amount":20000,"kind":"topup","reason":"wire"}`); r.status != 201 && r.status != 200 {
		t.Fatalf("top-up: %d %s", r.status, r.body)
	}
	body := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"Business","seats":2,"period_months":12,"quantity":3}],"payment":"balance"}`, wd.product.ID)

	// The quote prices without buying: 19.99 × 2 × 3 = 119.94.
	r := w.do(wd.aToken, "POST", "/api/v1/quote", body)
	wantStatus(t, "quote", r, 200)
	var q app.Quote
	r.json(t, &q)
	if q.Total.Amount != 11994 || len(q.Lines) != 1 || q.Lines[0].Steps[0].Kind != "list" {
		t.Fatalf("quote %s", r.body)
	}
	r = w.do(wd.aToken, "GET", fmt.Sprintf("/api/v1/quote?product_id=%d&edition=business&seats=2&period_months=12&quantity=3", wd.product.ID), "")
	var q2 app.Quote
	r.json(t, &q2)
	if q2.Total != q.Total {
		t.Fatalf("GET quote %s", r.body)
	}

	r = w.postOrder(wd.aToken, body, "k1")
	wantStatus(t, "buy", r, 201)
	var o orderReply
	r.json(t, &o)
	if o.ID == 0 || o.Number == "" || o.State != "processed" || o.Total.Amount != 11994 || o.Total.Currency != "EUR" || len(o.LicenseIDs) != 3 {
		t.Fatalf("order %s", r.body)
	}
	// The same key again: the first order, nothing bought.
	r = w.postOrder(wd.aToken, body, "k1")
	wantStatus(t, "retry", r, 201)
	var again orderReply
	r.json(t, &again)
	if again.ID != o.ID || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %s", r.body)
	}
	var acc app.Account
	w.do(wd.aToken, "GET", fmt.Sprintf("/api/v1/partners/%d/account", wd.a.ID), "").json(t, &acc)
	if acc.Balance.Amount != 20000-11994 {
		t.Fatalf("balance %v after one purchase (and its retry)", acc.Balance)
	}

	// Not enough left for another: 422 naming the shortfall, nothing written.
	r = w.postOrder(wd.aToken, body, "k2")
	if r.status != 422 || r.apiError(t).Error.Code != "insufficient_balance" || !strings.Contains(string(r.body), "short") {
		t.Fatalf("over the balance: %d %s", r.status, r.body)
	}
	// Bad input names the field.
	r = w.postOrder(wd.aToken, fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"gold","seats":1,"period_months":12,"quantity":1}]}`, wd.product.ID), "")
	if r.status != 422 || r.apiError(t).Error.Field != "lines[0].edition" {
		t.Fatalf("bad edition: %d %s", r.status, r.body)
	}

	// The order, its licenses with activation links, the list and the CSVs.
	r = w.do(wd.aToken, "GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), "")
	wantStatus(t, "get", r, 200)
	if !strings.Contains(string(r.body), `"activation_url":"http://example.com/activate/`) {
		t.Fatalf("order page without activation links: %s", r.body)
	}
	var got orderReply
	r.json(t, &got)
	if got.ID != o.ID || got.Number != o.Number || len(got.LicenseIDs) != 3 {
		t.Fatalf("GET answers another shape than POST: %s", r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/orders?state=processed", "")
	var pg app.Page[orderReply]
	r.json(t, &pg)
	if pg.Total != 1 || pg.Items[0].ID != o.ID {
		t.Fatalf("list %s", r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/orders.csv", "")
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "number" { // header, this order, the invoice order from newWorld
		t.Fatalf("orders csv %v: %q", err, r.body)
	}
	r = w.do(wd.aToken, "GET", fmt.Sprintf("/api/v1/orders/%d/codes.csv", o.ID), "")
	rows, err = csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][2] != "key" || !strings.Contains(rows[1][9], "/activate/") || strings.Contains(rows[1][9], rows[1][2]) {
		t.Fatalf("codes csv %v: %q", err, r.body)
	}

	// Refund one license, then the same again.
	refund := fmt.Sprintf(`{"license_ids":[%d],"reason":"wrong edition"}`, o.LicenseIDs[0])
	r = w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", o.ID), refund)
	wantStatus(t, "refund", r, 200)
	r.json(t, &o)
	if o.State != "partly_refunded" {
		t.Fatalf("after refund %s", r.body)
	}
	r = w.do(wd.aToken, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", o.ID), refund)
	if r.status != 409 {
		t.Fatalf("second refund %d %s", r.status, r.body)
	}

	// Special prices: the operator issues, the partner lists its own.
	r = w.do(op, "POST", "/api/v1/special-prices", fmt.Sprintf(`{"partner_id":%d,"discount_bp":2000,"reason":"non-profit"}`, wd.a.ID))
	wantStatus(t, "special price", r, 201)
	r = w.do(wd.bToken, "GET", "/api/v1/special-prices", "")
	var sps app.Page[app.SpecialView]
	r.json(t, &sps)
	if sps.Total != 0 {
		t.Fatalf("B sees A's special price: %s", r.body)
	}
}

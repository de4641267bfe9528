package web

import (
	"strings"
	"testing"

	"licensedesk/app"
)

// The order history page shows the events of 25 orders at a time with a
// pager over all of the partner's orders, instead of the newest 500
// orders' events and nothing said of the older ones.
func TestHistoryPagePagesByOrders(t *testing.T) {
	w, _, prod := opWithProduct(t)
	p := w.partner("Northwind")
	if _, err := w.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 10_000_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	w.user("sales@northwind.example", p.ID)
	buyer := app.Actor{Email: "sales@northwind.example", Role: app.RolePartner, PartnerID: p.ID}
	var numbers []string
	for range 27 {
		o, _, err := w.svc.PlaceOrder(buyer, app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, o.Number)
	}
	pc := w.session("sales@northwind.example")
	r := w.do(pc, "GET", "/history", "")
	wantStatus(t, "history", r, 200)
	body := string(r.body)
	if !strings.Contains(body, "1–25 of 27") || !strings.Contains(body, numbers[26]+"<") || strings.Contains(body, numbers[1]+"<") {
		t.Errorf("the first page does not show the newest 25 of 27 orders with a pager")
	}
	r = w.do(pc, "GET", "/history?page=2", "")
	wantStatus(t, "history page 2", r, 200)
	body = string(r.body)
	if !strings.Contains(body, "26–27 of 27") || !strings.Contains(body, numbers[0]+"<") || strings.Contains(body, numbers[2]+"<") {
		t.Errorf("the second page does not show the oldest 2 of 27 orders")
	}
	// The operator's pager keeps the partner it shows.
	oc := w.session("ops@example.com")
	r = w.do(oc, "GET", "/history?partner_id="+uintString(p.ID), "")
	wantStatus(t, "operator history", r, 200)
	if body := string(r.body); !strings.Contains(body, "partner_id="+uintString(p.ID)) || !strings.Contains(body, "1–25 of 27") {
		t.Errorf("the operator's history pager does not keep the partner")
	}
}

// opWithProduct: a desk with an operator (ops@example.com, signed in
// by bearer) and one product, av, made through the API.
func opWithProduct(t *testing.T) (*webEnv, caller, app.Product) {
	t.Helper()
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	r := w.do(op, "POST", "/api/v1/products", productBody("av"))
	wantStatus(t, "product", r, 201)
	var prod app.Product
	r.json(t, &prod)
	return w, op, prod
}

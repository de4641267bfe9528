package web

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 7, item 7: per_seat, seats and min_quantity of 9223372036854775807
// answered 201, and a top-up of that size answered "below zero" (the sum
// overflowed). Each is refused naming its field and bound.
func TestNumbersThatOverflowAreRefused(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	const huge = "9223372036854775807"
	prod := func(perSeat, tiers, extra string) string {
		return `{"code":"av","name":"AV","currency":"EUR","editions":[{"code":"b","name":"B"}],"periods":[12],` +
			`"prices":[{"edition":"b","period_months":12,"per_seat":` + perSeat + `}]` + tiers + extra + `}`
	}
	for _, c := range []struct{ body, field string }{
		{prod(huge, "", ""), "prices[0].per_seat"},
		{prod("1000000000001", "", ""), "prices[0].per_seat"},
		{prod("100", `,"bulk_tiers":[{"min_quantity":`+huge+`,"discount_bp":500}]`, ""), "bulk_tiers[0].min_quantity"},
		{prod("100", "", `,"max_seats":`+huge), "max_seats"},
		{prod("100", "", `,"min_seats":`+huge), "min_seats"},
	} {
		r := w.do(op, "POST", "/api/v1/products", c.body)
		wantStatus(t, c.field, r, 422)
		if e := r.apiError(t); e.Error.Field != c.field {
			t.Errorf("%s: error names %q: %s", c.field, e.Error.Field, e.Error.Message)
		}
	}
	r := w.do(op, "POST", "/api/v1/products", prod("1999", "", ""))
	wantStatus(t, "sound product", r, 201)
	p := w.partner("Acme")
	r = w.do(op, "POST", "/api/v1/licenses", `{"product_id":1,"edition":"b","seats":`+huge+`,"period_months":12,"partner_id":`+fmt.Sprint(p.ID)+`}`)
	wantStatus(t, "huge seats", r, 422)
	if e := r.apiError(t); e.Error.Field != "seats" {
		t.Errorf("huge seats: error names %q", e.Error.Field)
	}

	bal := func(amount string) reply {
		return w.do(op, "POST", fmt.Sprintf("/api/v1/partners/%d/balance", p.ID), `{"kind":"topup","amount":`+amount+`,"reason":"wire 1"}`)
	}
	r = bal(huge)
	wantStatus(t, "huge top-up", r, 422)
	if e := r.apiError(t); e.Error.Field != "amount" || strings.Contains(e.Error.Message, "below zero") {
		t.Errorf("huge top-up: %+v", e.Error)
	}
	// Many top-ups at the bound reach the largest balance, then stop
	// with a clear message instead of wrapping round.
	ok := 0
	for range 102 {
		r = bal("1000000000000")
		if r.status != 201 {
			break
		}
		ok++
	}
	wantStatus(t, "top-up past the largest balance", r, 422)
	if e := r.apiError(t); !strings.Contains(e.Error.Message, "largest balance") {
		t.Errorf("top-up past the largest balance: %+v", e.Error)
	}
	if ok != 100 {
		t.Errorf("%d top-ups of the largest amount went through, want 100", ok)
	}
	r = w.do(op, "GET", fmt.Sprintf("/api/v1/partners/%d/account", p.ID), "")
	if !strings.Contains(string(r.body), `"amount":100000000000000`) {
		t.Errorf("balance after the top-ups: %.300s", r.body)
	}
}

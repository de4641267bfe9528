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

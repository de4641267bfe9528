package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"licensedesk/app"
)

// Two (or more) requests racing for the same money or license through
// the real HTTP server: whatever order the writer takes them in, each
// action happens once, the others are refused with a conflict, and the
// balance equals the sum of its ledger.

// raceRequests sends every request at once (released together) and
// returns the answers in the order given.
func raceRequests(w *webEnv, reqs []raceReq) []reply {
	w.t.Helper()
	out := make([]reply, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch {
			case r.preCSRF != "":
				// A public form: the double-submit token before sign-in.
				req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set(csrfHeader, r.preCSRF)
				req.AddCookie(&http.Cookie{Name: preCSRFCookie, Value: r.preCSRF})
				out[i] = w.test(req)
			case r.idemKey != "":
				req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+r.c.token)
				req.Header.Set("Idempotency-Key", r.idemKey)
				out[i] = w.test(req)
			default:
				out[i] = w.do(r.c, r.method, r.path, r.body)
			}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

type raceReq struct {
	c                  caller
	method, path, body string
	preCSRF            string // a public form's token (then c is not used)
	idemKey            string // an API call's Idempotency-Key (c is a bearer token)
}

// count returns how many answers in rs (from index from to to) have status.
func countStatus(rs []reply, status int) int {
	n := 0
	for _, r := range rs {
		if r.status == status {
			n++
		}
	}
	return n
}

// balanceAddsUp fails the test unless partner's balance equals the sum
// of its ledger, and returns the balance.
func balanceAddsUp(t *testing.T, w *webEnv, partner uint64) int64 {
	t.Helper()
	// The account answers a page of the ledger: add up every page.
	var sum int64
	var acc app.Account
	n := 0
	for page := 1; ; page++ {
		var err error
		acc, err = w.svc.GetAccountPage(app.System, partner, app.ListParams{Page: page, PerPage: app.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range acc.Entries {
			sum += e.Amount
		}
		n += len(acc.Entries)
		if len(acc.Entries) < acc.PerPage {
			break
		}
	}
	if sum != acc.Balance.Amount || acc.Balance.Amount < 0 || n != acc.Total {
		t.Fatalf("partner %d: balance %d, ledger sum %d over %d entries of %d", partner, acc.Balance.Amount, sum, n, acc.Total)
	}
	return acc.Balance.Amount
}

// raceBuy tops partner up and buys one license from its balance through
// the API; it returns the order's id and its license's.
func raceBuy(t *testing.T, wd *world, c caller, partner uint64, topUp int64) (uint64, uint64) {
	t.Helper()
	if topUp > 0 {
		if _, err := wd.w.svc.RecordBalance(app.System, partner, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
	}
	r := wd.w.do(c, "POST", "/api/v1/orders", fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance"}`, wd.product.ID))
	wantStatus(t, "buy", r, 201)
	var o struct {
		ID       uint64   `json:"id"`
		Licenses []uint64 `json:"license_ids"`
	}
	r.json(t, &o)
	if o.ID == 0 || len(o.Licenses) != 1 {
		t.Fatalf("bought %s", r.body)
	}
	return o.ID, o.Licenses[0]
}

func TestRaceRefundingOneOrderEightTimesPaysBackOnce(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	const topUp = 100_00
	orderID, licenseID := raceBuy(t, wd, wd.aToken, wd.a.ID, topUp)
	if got := balanceAddsUp(t, w, wd.a.ID); got != topUp-1999 {
		t.Fatalf("balance after buying: %d", got)
	}
	reqs := make([]raceReq, 8)
	for i := range reqs {
		reqs[i] = raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", orderID), `{"reason":"bought by mistake"}`, "", ""}
	}
	rs := raceRequests(w, reqs)
	if ok, conflict := countStatus(rs, 200), countStatus(rs, 409); ok != 1 || conflict != len(rs)-1 {
		for _, r := range rs {
			t.Logf("%d %s", r.status, r.body)
		}
		t.Fatalf("8 refunds at once: %d answered 200, %d 409", ok, conflict)
	}
	if got := balanceAddsUp(t, w, wd.a.ID); got != topUp {
		t.Fatalf("balance after the refunds: %d, want %d (paid back once)", got, topUp)
	}
	l, err := w.svc.GetLicense(app.System, licenseID)
	if err != nil || l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
		t.Fatalf("license after the refunds: %s %s %v", l.Status, l.Payment, err)
	}
}

// A transfer approved twice with the right secret, cancelled by its
// giver and its license refunded, all at once: the license ends with
// exactly one owner, money comes back only when it stayed with the giver.
func TestRaceTransferApproveCancelAndRefundAtOnce(t *testing.T) {
	for round := range 4 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			wd := newWorld(t)
			w := wd.w
			const topUp = 100_00
			orderID, licenseID := raceBuy(t, wd, wd.aToken, wd.a.ID, topUp)
			r := w.do(wd.aToken, "POST", "/api/v1/transfers", fmt.Sprintf(`{"license_ids":[%d],"target":%q}`, licenseID, wd.b.PublicID))
			wantStatus(t, "transfer", r, 201)
			var tr struct {
				ID     uint64 `json:"id"`
				Secret string `json:"secret"`
			}
			r.json(t, &tr)
			approve := raceReq{wd.bToken, "POST", fmt.Sprintf("/api/v1/transfers/%d/approve", tr.ID), fmt.Sprintf(`{"secret":%q}`, tr.Secret), "", ""}
			cancel := raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/transfers/%d/cancel", tr.ID), "", "", ""}
			refund := raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", orderID), `{"reason":"changed my mind"}`, "", ""}
			// Cancel first in half the rounds' request order: the writer
			// takes them as they come.
			reqs := []raceReq{approve, cancel, refund, approve, refund, cancel}
			if round%2 == 1 {
				reqs = []raceReq{cancel, refund, approve, refund, approve, cancel}
			}
			rs := raceRequests(w, reqs)
			var approved, cancelled, refunded int
			for i, q := range reqs {
				if rs[i].status == 200 {
					switch q {
					case approve:
						approved++
					case cancel:
						cancelled++
					default:
						refunded++
					}
				} else if rs[i].status >= 500 || rs[i].status < 400 {
					t.Fatalf("%s: %d %s", q.path, rs[i].status, rs[i].body)
				}
			}
			if approved+cancelled != 1 || refunded > cancelled {
				t.Fatalf("approved %d, cancelled %d, refunded %d times", approved, cancelled, refunded)
			}
			l, err := w.svc.GetLicense(app.System, licenseID)
			if err != nil {
				t.Fatal(err)
			}
			got := balanceAddsUp(t, w, wd.a.ID)
			switch {
			case approved == 1:
				if l.PartnerID != wd.b.ID || l.Status == app.StatusCancelled || got != topUp-1999 {
					t.Fatalf("approved: license of partner %d, %s; giver's balance %d", l.PartnerID, l.Status, got)
				}
			case refunded == 1:
				if l.PartnerID != wd.a.ID || l.Status != app.StatusCancelled || got != topUp {
					t.Fatalf("cancelled and refunded: license of partner %d, %s; balance %d", l.PartnerID, l.Status, got)
				}
			default:
				if l.PartnerID != wd.a.ID || l.Status == app.StatusCancelled || got != topUp-1999 {
					t.Fatalf("cancelled: license of partner %d, %s; balance %d", l.PartnerID, l.Status, got)
				}
			}
			if b := balanceAddsUp(t, w, wd.b.ID); b != 0 {
				t.Fatalf("the receiver's balance moved: %d", b)
			}
		})
	}
}

// Paying an open invoice from the balance three times while the operator
// voids it three times: one of the six wins, and the money follows it.
func TestRaceVoidingAndPayingOneInvoice(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	const topUp = 100_00
	if _, err := w.svc.RecordBalance(app.System, wd.a.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	inv, err := w.svc.GetInvoice(app.System, wd.aInvoice)
	if err != nil || inv.State != app.InvoiceOpen {
		t.Fatalf("invoice: %s %v", inv.State, err)
	}
	op := w.bearer("ops@example.com")
	pay := raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/invoices/%d/pay", wd.aInvoice), "", "", ""}
	void := raceReq{op, "DELETE", fmt.Sprintf("/api/v1/invoices/%d", wd.aInvoice), "", "", ""}
	reqs := []raceReq{pay, void, pay, void, pay, void}
	rs := raceRequests(w, reqs)
	if ok, conflict := countStatus(rs, 200), countStatus(rs, 409); ok != 1 || conflict != len(rs)-1 {
		for _, r := range rs {
			t.Logf("%d %s", r.status, r.body)
		}
		t.Fatalf("pay and void at once: %d answered 200, %d 409", ok, conflict)
	}
	inv, err = w.svc.GetInvoice(app.System, wd.aInvoice)
	if err != nil {
		t.Fatal(err)
	}
	got := balanceAddsUp(t, w, wd.a.ID)
	switch inv.State {
	case app.InvoicePaid:
		if got != topUp-inv.Total.Amount || inv.Paid.Amount != inv.Total.Amount || len(inv.Payments) != 1 {
			t.Fatalf("paid: balance %d, paid %d of %d in %d payments", got, inv.Paid.Amount, inv.Total.Amount, len(inv.Payments))
		}
	case app.InvoiceVoid:
		if got != topUp || inv.Paid.Amount != 0 {
			t.Fatalf("void: balance %d, paid %d", got, inv.Paid.Amount)
		}
	default:
		t.Fatalf("invoice is %s after the race", inv.State)
	}
}

// One single-use special-price link in six purchases at once: one buys
// at the special price, the others are refused and charge nothing.
func TestRaceSpecialPriceLinkBuysOnce(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	const topUp = 1000_00
	if _, err := w.svc.RecordBalance(app.System, wd.a.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	sp, err := w.svc.CreateSpecialPrice(app.System, app.SpecialPriceInput{PartnerID: wd.a.ID, DiscountBP: 5000, Reason: "competitive"})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance","special_price":%q}`, wd.product.ID, sp.Code)
	reqs := make([]raceReq, 6)
	for i := range reqs {
		reqs[i] = raceReq{wd.aToken, "POST", "/api/v1/orders", body, "", ""}
	}
	rs := raceRequests(w, reqs)
	if ok, conflict := countStatus(rs, 201), countStatus(rs, 409); ok != 1 || conflict != len(rs)-1 {
		for _, r := range rs {
			t.Logf("%d %s", r.status, r.body)
		}
		t.Fatalf("six purchases with one link: %d answered 201, %d 409", ok, conflict)
	}
	var o struct {
		Total app.Money `json:"total"`
	}
	for _, r := range rs {
		if r.status == 201 {
			r.json(t, &o)
		}
	}
	if o.Total.Amount >= 1999 || o.Total.Amount <= 0 {
		t.Fatalf("the order with the link cost %d, list price 1999", o.Total.Amount)
	}
	if got := balanceAddsUp(t, w, wd.a.ID); got != topUp-o.Total.Amount {
		t.Fatalf("balance %d after one purchase of %d, want %d", got, o.Total.Amount, topUp-o.Total.Amount)
	}
	orders, err := w.svc.ListOrders(app.System, app.ListParams{Filters: map[string]string{"partner_id": fmt.Sprint(wd.a.ID)}})
	if err != nil || orders.Total != 2 { // the world's own order, and this one
		t.Fatalf("partner's orders: %d %v", orders.Total, err)
	}
}

// One coupon named by two renewals of different licenses, three times
// each, at once: it renews one of them, once, and nothing is charged.
func TestRaceCouponRenewsOnce(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	ls, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12,
		PartnerID: wd.a.ID, Name: "Second office", Customer: "Office customer", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	l1, l2 := wd.aLicense, ls[0].ID
	_, coupon := raceBuy(t, wd, wd.aToken, wd.a.ID, 100_00)
	before := balanceAddsUp(t, w, wd.a.ID)
	was := map[uint64]string{}
	for _, id := range []uint64{l1, l2} {
		l, err := w.svc.GetLicense(app.System, id)
		if err != nil || l.ValidTo == nil {
			t.Fatalf("license %d: %+v %v", id, l, err)
		}
		was[id] = l.ValidTo.String()
	}
	body := fmt.Sprintf(`{"periods":1,"coupon_id":%d}`, coupon)
	var reqs []raceReq
	for range 3 {
		reqs = append(reqs, raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/licenses/%d/renew", l1), body, "", ""},
			raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/licenses/%d/renew", l2), body, "", ""})
	}
	rs := raceRequests(w, reqs)
	if ok := countStatus(rs, 200); ok != 1 {
		for _, r := range rs {
			t.Logf("%d %s", r.status, r.body)
		}
		t.Fatalf("six renewals with one coupon: %d answered 200", ok)
	}
	for _, r := range rs {
		if r.status != 200 && r.status != 409 && r.status != 422 {
			t.Fatalf("a refused renewal answered %d %s", r.status, r.body)
		}
	}
	renewed := 0
	for _, id := range []uint64{l1, l2} {
		l, _ := w.svc.GetLicense(app.System, id)
		if l.ValidTo.String() != was[id] {
			renewed++
		}
	}
	c, _ := w.svc.GetLicense(app.System, coupon)
	if renewed != 1 || c.Status != app.StatusCancelled {
		t.Fatalf("%d licenses renewed; coupon %s", renewed, c.Status)
	}
	if got := balanceAddsUp(t, w, wd.a.ID); got != before {
		t.Fatalf("a coupon renewal charged the balance: %d, was %d", got, before)
	}
}

// Forty-eight purchases from the balance at once, funds for exactly
// twenty, with invalid ones among them: twenty are bought, the balance
// ends at exactly zero with one ledger entry per purchase, and the order
// numbers stay gap-free and unique.
func TestRacePurchasesDriveTheBalanceToZeroWithGapFreeNumbers(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	if _, err := w.svc.RecordBalance(app.System, wd.a.ID, app.BalanceInput{Amount: 20 * 1999, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	good := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance"}`, wd.product.ID)
	bad := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance","special_price":"NO-SUCH-LINK"}`, wd.product.ID)
	var reqs []raceReq
	for i := range 48 {
		body := good
		if i%4 == 3 {
			body = bad
		}
		reqs = append(reqs, raceReq{wd.aToken, "POST", "/api/v1/orders", body, "", ""})
	}
	rs := raceRequests(w, reqs)
	bought, short, invalid := 0, 0, 0
	for i, r := range rs {
		switch {
		case r.status == 201:
			bought++
		case r.status == 422 && i%4 == 3:
			invalid++
		case r.status == 402 || r.status == 409 || r.status == 422:
			short++
		default:
			t.Fatalf("purchase %d: %d %s", i, r.status, r.body)
		}
	}
	if bought != 20 || invalid != 12 || short != 16 {
		t.Fatalf("48 purchases at once with funds for 20: %d bought, %d short, %d invalid", bought, short, invalid)
	}
	acc, err := w.svc.GetAccount(app.System, wd.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := balanceAddsUp(t, w, wd.a.ID); got != 0 || len(acc.Entries) != 21 {
		t.Fatalf("balance %d after spending it all, %d ledger entries (want 0 and 21)", got, len(acc.Entries))
	}
	orders, err := w.svc.ListOrders(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range orders.Items {
		seen[o.Number] = true
	}
	for n := 1; n <= orders.Total; n++ {
		if num := app.FormatNumber("O-", 2026, uint64(n)); !seen[num] {
			t.Fatalf("%d orders, but no %s: the numbers have a gap or a duplicate (%v)", orders.Total, num, seen)
		}
	}
}

// A renewal and the refund of the license's purchase, at once: whichever
// the writer takes first, the partner can get back every payment for the
// cancelled license (the purchase and, when it went through, the
// renewal), and the balance equals its ledger.
func TestRaceRenewalAgainstRefundLeavesNoMoneyStuck(t *testing.T) {
	for round := range 4 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			wd := newWorld(t)
			w := wd.w
			const topUp = 100_00
			orderID, licenseID := raceBuy(t, wd, wd.aToken, wd.a.ID, topUp)
			l, err := w.svc.GetLicense(app.System, licenseID)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, "activate", w.do(anonymous, "POST", "/api/v1/client/activate", clientBody(l.Key, "host-1", "hostname", "pc-01")), 200)
			op := w.bearer("ops@example.com")
			renew := raceReq{wd.aToken, "POST", fmt.Sprintf("/api/v1/licenses/%d/renew", licenseID), `{"periods":1}`, "", ""}
			refund := raceReq{op, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", orderID), `{"reason":"customer left"}`, "", ""}
			reqs := []raceReq{renew, refund}
			if round%2 == 1 {
				reqs = []raceReq{refund, renew}
			}
			rs := raceRequests(w, reqs)
			var renewed struct {
				Renewal struct {
					OrderID uint64 `json:"order_id"`
				} `json:"renewal"`
			}
			for i, q := range reqs {
				switch {
				case q == refund && rs[i].status != 200:
					t.Fatalf("refund: %d %s", rs[i].status, rs[i].body)
				case q == renew && rs[i].status == 200:
					rs[i].json(t, &renewed)
				case q == renew && rs[i].status != 409 && rs[i].status != 422:
					t.Fatalf("renew: %d %s", rs[i].status, rs[i].body)
				}
			}
			if renewed.Renewal.OrderID != 0 {
				// The renewal went through first: its payment for the
				// license, cancelled now, comes back when refunded.
				r := w.do(op, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", renewed.Renewal.OrderID), `{"reason":"customer left"}`)
				wantStatus(t, "refund the renewal of the cancelled license", r, 200)
				wantStatus(t, "refund the renewal again", w.do(op, "POST", fmt.Sprintf("/api/v1/orders/%d/refund", renewed.Renewal.OrderID), `{"reason":"customer left"}`), 409)
			}
			if got := balanceAddsUp(t, w, wd.a.ID); got != topUp {
				t.Fatalf("balance %d after the refunds, want %d (renewed first: %v)", got, topUp, renewed.Renewal.OrderID != 0)
			}
			if l, _ := w.svc.GetLicense(app.System, licenseID); l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
				t.Fatalf("license after the refunds: %s %s", l.Status, l.Payment)
			}
		})
	}
}

// A purchase sent six times at once under one Idempotency-Key (a form
// submitted twice, a client retrying): one order is bought and paid
// once, and every answer names it (the repeats marked replayed).
func TestRaceOneIdempotencyKeyBuysOnce(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	const topUp = 100_00
	if _, err := w.svc.RecordBalance(app.System, wd.a.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance"}`, wd.product.ID)
	reqs := make([]raceReq, 6)
	for i := range reqs {
		reqs[i] = raceReq{c: wd.aToken, method: "POST", path: "/api/v1/orders", body: body, idemKey: "checkout-form-42"}
	}
	rs := raceRequests(w, reqs)
	ids, created := map[uint64]bool{}, 0
	for _, r := range rs {
		if r.header.Get("Idempotent-Replayed") != "true" {
			created++
		}
		if r.status != 201 {
			t.Fatalf("a purchase under the same key: %d %s", r.status, r.body)
		}
		var o struct {
			ID uint64 `json:"id"`
		}
		r.json(t, &o)
		ids[o.ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("six purchases under one key: %d created, answers name %d orders", created, len(ids))
	}
	if got := balanceAddsUp(t, w, wd.a.ID); got != topUp-1999 {
		t.Fatalf("balance %d, want %d (paid once)", got, topUp-1999)
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"licensedesk/app"
)

// shopHarness is a partner with a balance and a product on sale.
func shopHarness(t *testing.T) (*uiHarness, app.Partner, app.Product) {
	t.Helper()
	h := newUIHarness(t)
	h.user("ops@example.com", 0)
	name, disc := "Alpha Reseller", 3000
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name, DiscountBP: &disc})
	if err != nil {
		t.Fatal(err)
	}
	h.user("alice@alpha.example", p.ID)
	code, pname, cur := "antivirus", "Antivirus Pro", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12, 24}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}, {Edition: "business", PeriodMonths: 24, PerSeat: 3499}}
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &pname, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 100000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	return h, p, prod
}

var idemField = regexp.MustCompile(`name="idem" value="([^"]+)"`)

func TestPagesBuyOrderRefund(t *testing.T) {
	h, _, prod := shopHarness(t)
	c := h.login("alice@alpha.example")
	pid := strconv.FormatUint(prod.ID, 10)

	// The grid and the price, line by line: 19.99 × 2 × 3 = 119.94;
	// partner 30% = 35.982 → 35.98; total 83.96.
	resp, body := c.get("/buy?product_id=" + pid + "&seats=2&quantity=3")
	wantStatus(t, resp, body, 200)
	wantContains(t, body, "Antivirus Pro", "Partner discount −30%", "-35.98", "83.96 EUR")
	resp, frag := c.get("/buy/quote?product_id=" + pid + "&edition=business&period_months=12&seats=2&quantity=3")
	wantStatus(t, resp, frag, 200)
	wantContains(t, frag, `id="quote"`, "83.96 EUR")
	if strings.Contains(frag, "<html") {
		t.Fatal("the quote fragment is a whole page")
	}
	// "Show price" without JavaScript sends the form by GET: the form
	// token is taken out of the address.
	resp, _ = c.get("/buy?_csrf=secret&idem=x&product_id=" + pid + "&seats=3")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || strings.Contains(loc, "secret") || !strings.Contains(loc, "seats=3") {
		t.Fatalf("show price with the form token: %d to %q", resp.StatusCode, loc)
	}
	// Bad seats name the field and buy nothing.
	m := idemField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no idempotency field in the form")
	}
	form := url.Values{"product_id": {pid}, "edition": {"business"}, "period_months": {"12"}, "seats": {"0"}, "quantity": {"3"}, "payment": {"balance"}, "idem": {m[1]}}
	resp, body = c.post("/buy", form)
	if resp.StatusCode != 422 || fieldError(body, "seats") == "" {
		t.Fatalf("bad seats: %d %q", resp.StatusCode, fieldError(body, "seats"))
	}
	// Buy; sending the same form twice buys once.
	form.Set("seats", "2")
	resp, _ = c.post("/buy", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("buy: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	resp2, _ := c.post("/buy", form)
	if resp2.Header.Get("Location") != loc {
		t.Fatalf("double submit went to %s, first to %s", resp2.Header.Get("Location"), loc)
	}
	resp, body = c.get(loc)
	wantStatus(t, resp, body, 200)
	wantContains(t, body, "O-2026-000001", "bought for 83.96 EUR", "/activate/", "Buy more of the same", "Keys as CSV")

	// Refund one license with a reason.
	ids := regexp.MustCompile(`name="license_id" value="(\d+)"`).FindAllStringSubmatch(body, -1)
	if len(ids) != 3 {
		t.Fatalf("%d refundable licenses on the page", len(ids))
	}
	resp, body = c.post(loc+"/refund", url.Values{"license_id": {ids[0][1]}})
	if resp.StatusCode != 422 || fieldError(body, "reason") == "" {
		t.Fatalf("refund without a reason: %d", resp.StatusCode)
	}
	resp, _ = c.post(loc+"/refund", url.Values{"license_id": {ids[0][1]}, "reason": {"wrong customer"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refund: %d", resp.StatusCode)
	}
	_, body = c.follow(resp)
	wantContains(t, body, "Partly refunded", "wrong customer")

	// The list (today by default), tiles, the history and the exports.
	for _, path := range []string{"/orders", "/orders?view=tiles&from=2000-01-01", "/history", "/orders/export.csv?from=2000-01-01"} {
		resp, body = c.get(path)
		wantStatus(t, resp, body, 200)
		wantContains(t, body, "O-2026-000001")
	}
	_, body = c.get("/history")
	wantContains(t, body, "Not yet activated", "2 not yet activated", "1 cancelled or lapsed")

	// The operator's pages.
	op := h.login("ops@example.com")
	for _, path := range []string{"/orders?from=2000-01-01", "/special-prices", "/history", "/buy", loc} {
		resp, body = op.get(path)
		wantStatus(t, resp, body, 200)
	}
	resp, body = op.post("/special-prices", url.Values{"discount": {"15"}, "reason": {"education"}, "valid_days": {"7"}})
	wantStatus(t, resp, body, 201)
	wantContains(t, body, "/buy?special_price=SP-")
	// The partner opens the link: the reduced price is shown.
	link := regexp.MustCompile(`/buy\?special_price=(SP-[A-Z0-9-]+)`).FindStringSubmatch(body)
	_, body = c.get("/buy?special_price=" + link[1] + "&product_id=" + pid)
	wantContains(t, body, "Special price (education) −15%")
}

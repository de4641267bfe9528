package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ordShot saves a full-page screenshot as orders-NAME.png.
func ordShot(b *browserRun, name string) {
	b.t.Helper()
	b.shot(name)
	from := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.Rename(from, filepath.Join(b.dir, "orders-"+name+".png")); err != nil {
		b.t.Error(err)
	}
}

// TestBrowserBuying drives buying in headless Chromium: a partner with a
// balance prices a basket (the breakdown follows the form through htmx),
// buys one license and a bulk order, opens the order with its keys and
// activation links, refunds a license, reads the confirmation in the
// outbox and exports its orders; the operator then sees the sale on the
// dashboard chart.
func TestBrowserBuying(t *testing.T) {
	h, _, prod := shopHarness(t)
	dir := os.Getenv("LICENSEDESK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "licensedesk-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t, h, dir, "status of 422")
	t.Logf("screenshots: %s", b.dir)
	b.signIn("alice@alpha.example")

	// The grid and the price, line by line.
	b.open(fmt.Sprintf("/buy?product_id=%d", prod.ID), `#quote-total`)
	if got := b.text("#quote-total"); got != "13.99 EUR" { // 19.99 − 30% (6.00)
		t.Errorf("one seat costs %q", got)
	}
	ordShot(b, "grid")
	// Changing the seats updates the breakdown without a page load.
	b.do("type 2 seats",
		chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-same-page", "1")`),
		countSettles(),
		chromedp.SetValue(chromedp.CSS(`#f-seats`), ""),
		b.fill(`#f-seats`, "2"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-seats").dispatchEvent(new Event("change", {bubbles: true}))`),
		settled(1),
		chromedp.WaitVisible(chromedp.CSS(`html[data-same-page]`)),
	)
	if got := b.text("#quote-total"); got != "27.99 EUR" { // 39.98 − 11.99
		t.Errorf("two seats cost %q", got)
	}
	ordShot(b, "price-breakdown")
	b.submit("buy one license", `#buy-button`, `#refund-form`)
	if got := b.text(".flash"); !strings.Contains(got, "1 license bought for 27.99 EUR") {
		t.Errorf("after buying: %q", got)
	}
	if got := b.eval(`document.querySelector("#refund-form tbody .secret input").value`); !strings.Contains(got, "/activate/") {
		t.Errorf("the order's activation link is %q", got)
	}

	// Bulk: 25 customers × 1 seat reach the 25+ tier.
	b.open(fmt.Sprintf("/buy?product_id=%d&seats=1&quantity=25", prod.ID), `#quote-total`)
	if got := b.text("#quote"); !strings.Contains(got, "Bulk tier 25+") {
		t.Errorf("no bulk tier in the breakdown:\n%s", got)
	}
	b.submit("buy in bulk", `#buy-button`, `#refund-form`)
	if n := b.eval(`String(document.querySelectorAll("#refund-form tbody tr").length)`); n != "25" {
		t.Errorf("the bulk order lists %s licenses", n)
	}
	ordShot(b, "order")

	// Refund the first license of the bulk order.
	b.do("tick a license and give a reason",
		chromedp.Click(chromedp.CSS(`#refund-form tbody input[type=checkbox]`)),
		b.fill(`#f-reason`, "customer left"),
	)
	b.submit("refund", `#refund-button`, `.flash`)
	if got := b.text(".flash"); !strings.Contains(got, "partly refunded") {
		t.Errorf("after the refund: %q", got)
	}

	// The confirmation mail with the keys is in the outbox.
	b.open("/outbox", `table`)
	b.submit("open the first confirmation", `table tbody a`, `#mail-body`)
	if got := b.eval(`document.getElementById("mail-body").value`); !strings.Contains(got, "/activate/") || !strings.Contains(got, "O-") {
		t.Errorf("the confirmation reads:\n%s", got)
	}
	ordShot(b, "outbox")

	// The orders list (today by default) and its export.
	b.open("/orders", `#results`)
	if got := b.text("#results"); !strings.Contains(got, "O-2026-000001") || !strings.Contains(got, "O-2026-000002") {
		t.Errorf("today's orders:\n%s", got)
	}
	ordShot(b, "list")
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/orders/export.csv?from=2000-01-01").then(r => r.text())`, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csv, "number,") || strings.Count(csv, "O-2026-") != 2 {
		t.Errorf("export:\n%s", csv)
	}
	b.open("/history", `.timeline`)
	ordShot(b, "history")

	// The operator sees the sale on the dashboard chart.
	b.submit("sign out", `.logout button`, `form[action="/login"]`)
	b.signIn("ops@example.com")
	b.open("/", `.sales-chart svg`)
	if got := b.eval(`document.querySelector(".sales-chart svg").textContent`); !strings.Contains(got, "EUR") {
		t.Errorf("the chart says %q", got)
	}
	if got := b.text("#orders-today"); got != "2" {
		t.Errorf("orders today: %q", got)
	}
	ordShot(b, "dashboard")

	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.mu.Unlock()
}

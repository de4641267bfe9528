package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// invShot saves a full-page screenshot as invoices-NAME.png.
func invShot(b *browserRun, name string) {
	b.t.Helper()
	b.shot(name)
	from := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.Rename(from, filepath.Join(b.dir, "invoices-"+name+".png")); err != nil {
		b.t.Error(err)
	}
}

// TestBrowserMonthEndCheckout drives the month-end checkout in headless
// Chromium: a manual-program partner ticks pending licenses, checks out,
// accepts the terms, sees the count in the menu, opens and prints the
// invoice, downloads its PDF, pays it from the balance and sees its
// licenses paid with the same keys.
func TestBrowserMonthEndCheckout(t *testing.T) {
	h, p, ids := invoiceShop(t, 4)
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 10000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetBilling(app.System, p.ID, app.PartnerBilling{Name: "Manual Reseller GmbH", Address: "Hauptstraße 1\n10115 Berlin",
		VATID: "DE123456789"}); err != nil {
		t.Fatal(err)
	}
	dir := licShotDir(t)
	old, _ := filepath.Glob(filepath.Join(dir, "invoices-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	b := startBrowser(t, h, dir, "status of 422")
	keys := map[uint64]string{}
	for _, id := range ids {
		l, _ := h.svc.GetLicense(app.System, id)
		keys[id] = l.Key
	}

	b.signIn("mara@manual.example")
	if got := b.text(`nav[aria-label="Main"] a[href="/invoices"]`); got != "Licenses payment (0)" {
		t.Fatalf("menu entry %q; want Licenses payment (0)", got)
	}
	// The "Payment pending" quick view; tick three and press Checkout.
	b.open("/licenses", `table.lic-table`)
	b.submit("open the payment pending view", `nav.lic-tabs a[href*="view=pending"]`, `#checkout-all`)
	ticked := ids[:3]
	var clicks []chromedp.Action[chromedp.Void]
	for _, id := range ticked {
		clicks = append(clicks, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="ids"][value="%d"]`, id))))
	}
	b.do("tick three licenses", clicks...)
	if n := b.text(`[data-bulk-count]`); n != "3" {
		t.Fatalf("bulk bar counts %q ticked; want 3", n)
	}
	b.submit("press Checkout", `#bulk-checkout`, `#checkout-confirm`)
	invShot(b, "checkout")
	if got := b.text(`[data-checkout-total]`); got != "41.97 EUR" {
		t.Fatalf("checkout total %q; want 3 × 13.99 = 41.97 EUR", got)
	}
	if !strings.Contains(b.text(`#terms-text`), app.DefaultTerms.Text[:30]) {
		t.Fatal("the terms are not shown")
	}
	// Checking out without accepting is refused; accepting makes the invoice.
	b.submit("check out without accepting", `#checkout-confirm`, `#checkout-confirm`)
	if !strings.Contains(b.text(`.field-error`), "accept the terms") {
		t.Fatalf("no message about the terms: %q", b.text(`main`))
	}
	b.do("accept the terms", chromedp.Click(chromedp.CSS(`#f-accept`)))
	b.submit("accept and check out", `#checkout-confirm`, `article.inv-doc`)
	num := b.text(`[data-inv-number]`)
	inv, err := h.svc.InvoiceByNumber(app.System, num)
	if err != nil {
		t.Fatalf("invoice %q: %v", num, err)
	}
	if got := b.text(`nav[aria-label="Main"] a[href="/invoices"]`); got != "Licenses payment (1)" {
		t.Fatalf("menu entry %q after checkout; want Licenses payment (1)", got)
	}
	if got := b.text(`[data-inv-total]`); got != "41.97 EUR" {
		t.Fatalf("invoice total %q", got)
	}
	doc := b.text(`article.inv-doc`)
	for _, want := range []string{"Manual Reseller GmbH", "Hauptstraße 1", "Reverse charge", "Client Oy", keys[ticked[0]], keys[ticked[2]]} {
		if !strings.Contains(doc, want) {
			t.Fatalf("the invoice lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, keys[ids[3]]) {
		t.Fatal("an unticked license is on the invoice")
	}
	invShot(b, "invoice")

	// The print view: only the invoice, no menu or buttons.
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if v := b.eval(`getComputedStyle(document.querySelector(".sidebar")).display + "," + getComputedStyle(document.querySelector("#inv-pay").closest(".inv-screen")).display + "," + getComputedStyle(document.querySelector("article.inv-doc")).display`); v != "none,none,block" {
		t.Fatalf("in print: sidebar, actions, invoice displayed as %q; want none,none,block", v)
	}
	invShot(b, "print")
	// Printed with the page's own @page size: A4, the default paper.
	for i, s := range printedPages(b) {
		if s != "595x842" {
			t.Fatalf("printed page %d is %s pt; want A4, 595x842", i+1, s)
		}
	}
	ctx, cancel = context.WithTimeout(b.ctx, 30*time.Second)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}
	cancel()

	// The PDF behind "Download PDF", fetched with the page's session.
	href := b.eval(`document.querySelector("#inv-pdf").getAttribute("href")`)
	if href != fmt.Sprintf("/invoices/%d/pdf", inv.ID) {
		t.Fatalf("Download PDF points to %q", href)
	}
	ctx, cancel = context.WithTimeout(b.ctx, 30*time.Second)
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+fmt.Sprintf("%q", href)+`).then(r => r.headers.get("content-type") + "|" + r.headers.get("content-disposition") + "|").then(async h => h + await fetch(`+fmt.Sprintf("%q", href)+`).then(r => r.arrayBuffer()).then(buf => { let s = ""; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c)); return btoa(s) }))`,
		chromedp.EvalAwaitPromise))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(b64, "|", 3)
	if len(parts) != 3 || parts[0] != "application/pdf" || !strings.Contains(parts[1], "attachment") || !strings.Contains(parts[1], num+".pdf") {
		t.Fatalf("PDF headers %q", parts[:min(len(parts), 2)])
	}
	pdf, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	text, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{num, "41.97 EUR", "Manual Reseller GmbH", "Reverse charge", keys[ticked[1]]} {
		if !strings.Contains(string(text), want) {
			t.Fatalf("the downloaded PDF lacks %q:\n%s", want, text)
		}
	}

	// Pay from the balance: paid, the count drops, the licenses are paid
	// and keep their keys.
	b.submit("pay from the balance", `#inv-pay`, `article.inv-doc`)
	if st := b.eval(`document.querySelector("h1 [data-state]").getAttribute("data-state")`); st != "paid" {
		t.Fatalf("invoice state %q after paying", st)
	}
	if got := b.text(`nav[aria-label="Main"] a[href="/invoices"]`); got != "Licenses payment (0)" {
		t.Fatalf("menu entry %q after paying", got)
	}
	invShot(b, "paid")
	b.open("/licenses?view=all", `table.lic-table`)
	for _, id := range ids {
		row := b.text(fmt.Sprintf(`#lic-%d`, id))
		want := "Paid"
		if id == ids[3] {
			want = "Pending"
		}
		if !strings.Contains(row, want) || !strings.Contains(row, keys[id][:5]) {
			t.Fatalf("license %d row %q; want %s with its key %s", id, row, want, keys[id])
		}
	}
	invShot(b, "licenses-paid")

	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.mu.Unlock()
}

package web_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// letterInvoice is a manual-program shop on an install configured with
// [invoice] paper = "Letter", with one invoice of n licenses.
func letterInvoice(t *testing.T, n int) (*uiHarness, app.InvoiceView) {
	t.Helper()
	h, _, ids := invoiceShopOn(t, newUIHarnessWith(t, app.Options{Invoice: app.InvoiceConfig{Paper: "Letter"}}), n)
	pa := app.Actor{Role: app.RolePartner, PartnerID: h.mustPartnerOf(ids[0]), Email: "mara@manual.example"}
	r, err := h.svc.Checkout(pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: app.DefaultTerms.Version})
	if err != nil {
		t.Fatal(err)
	}
	return h, r.InvoiceView
}

func (h *uiHarness) mustPartnerOf(licenseID uint64) uint64 {
	h.t.Helper()
	l, err := h.svc.GetLicense(app.System, licenseID)
	if err != nil {
		h.t.Fatal(err)
	}
	return l.PartnerID
}

// The invoice page links the print stylesheet of the configured paper,
// and that stylesheet sets the page size.
func TestInvoicePageLinksThePaperOfTheConfig(t *testing.T) {
	h, inv := letterInvoice(t, 2)
	c := h.login("mara@manual.example")
	resp, body := c.get(fmt.Sprintf("/invoices/%d", inv.ID))
	wantStatus(t, resp, body, 200)
	wantContains(t, body, `<link rel="stylesheet" href="/static/paper-letter.css" media="print">`, `class="inv-doc paper-Letter"`)
	if strings.Contains(body, "paper-a4.css") {
		t.Fatal("a Letter install's invoice links the A4 stylesheet too")
	}
	// Other pages print on the printer's own paper.
	resp, body = c.get("/invoices")
	wantStatus(t, resp, body, 200)
	if strings.Contains(body, "/static/paper-") {
		t.Fatal("the invoice list links a paper stylesheet")
	}
	for sheet, size := range map[string]string{"/static/paper-letter.css": "size: letter", "/static/paper-a4.css": "size: A4"} {
		resp, body = c.get(sheet)
		wantStatus(t, resp, body, 200)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Fatalf("%s served as %q", sheet, ct)
		}
		wantContains(t, body, "@page", size)
	}
}

var chromePageSize = regexp.MustCompile(`(?m)^Page +\d+ size: +([0-9.]+) x ([0-9.]+) pts`)

// printedPages prints the open page as Chromium's print dialog does with
// the page's own @page size (on A5 paper, neither A4 nor Letter, where
// the page sets none), and reads each page's size back with
// poppler's pdfinfo, in points rounded to whole numbers ("612x792").
func printedPages(b *browserRun) []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	prefer, a5w, a5h := true, 5.83, 8.27
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer, PaperWidth: a5w, PaperHeight: a5h})
	if err != nil {
		b.t.Fatalf("print to PDF: %v", err)
	}
	pdf := res.Data
	cmd := exec.Command("pdfinfo", "-f", "1", "-l", "9999", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("pdfinfo (Debian's poppler-utils; scripts/test.sh installs it): %v", err)
	}
	var sizes []string
	for _, m := range chromePageSize.FindAllStringSubmatch(string(out), -1) {
		var w, h float64
		fmt.Sscan(m[1], &w)
		fmt.Sscan(m[2], &h)
		sizes = append(sizes, fmt.Sprintf("%.0fx%.0f", w, h))
	}
	if len(sizes) == 0 {
		b.t.Fatalf("pdfinfo shows no page size:\n%s", out)
	}
	return sizes
}

// TestBrowserInvoicePrintsOnLetter: on an install configured for Letter,
// printing the invoice in Chromium gives Letter pages.
func TestBrowserInvoicePrintsOnLetter(t *testing.T) {
	h, inv := letterInvoice(t, 3)
	b := startBrowser(t, h, licShotDir(t))
	b.signIn("mara@manual.example")
	b.open(fmt.Sprintf("/invoices/%d", inv.ID), `article.inv-doc`)
	sizes := printedPages(b)
	for i, s := range sizes {
		if s != "612x792" {
			t.Fatalf("printed page %d is %s pt; want Letter, 612x792", i+1, s)
		}
	}
}

package app_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

// pdfPageSizes reads every page's size back with poppler's pdfinfo, as
// "612 x 792" points.
func pdfPageSizes(t *testing.T, pdf []byte) []string {
	t.Helper()
	path, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Fatal("pdfinfo is missing: install Debian's poppler-utils (scripts/test.sh does)")
	}
	cmd := exec.Command(path, "-f", "1", "-l", "9999", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	var sizes []string
	for _, m := range pageSizeRe.FindAllStringSubmatch(string(out), -1) {
		sizes = append(sizes, m[1])
	}
	if len(sizes) == 0 {
		t.Fatalf("pdfinfo shows no page size:\n%s", out)
	}
	return sizes
}

var pageSizeRe = regexp.MustCompile(`(?m)^Page +\d+ size: +([0-9.]+ x [0-9.]+) pts`)

// onePaper checks that every page has the size want.
func onePaper(t *testing.T, pdf []byte, want string) int {
	t.Helper()
	sizes := pdfPageSizes(t, pdf)
	for i, s := range sizes {
		if s != want {
			t.Fatalf("page %d is %s pts; want %s", i+1, s, want)
		}
	}
	return len(sizes)
}

const (
	a4Points     = "595.28 x 841.89"
	letterPoints = "612 x 792"
)

// A document on Letter is Letter on every page, and its shorter pages
// still close with the amount carried forward and open with it, at every
// length around the breaks.
func TestPDFLetterPaper(t *testing.T) {
	doc, _ := invoiceDoc(90)
	a4, err := app.RenderPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	onePaper(t, a4, a4Points)
	doc.Paper = app.PaperLetter
	letter, err := app.RenderPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	onePaper(t, letter, letterPoints)
	pagesA4, pagesLetter := pdfText(t, a4), pdfText(t, letter)
	firstA4, firstLetter := strings.Count(pagesA4[0], "Schlüssel"), strings.Count(pagesLetter[0], "Schlüssel")
	if firstLetter >= firstA4 || firstLetter == 0 {
		t.Errorf("the first page holds %d lines on Letter and %d on A4; Letter is shorter, so fewer", firstLetter, firstA4)
	}
	checkCarried(t, pagesLetter, 90)
	// Around the first and second page breaks of Letter.
	for n := max(1, firstLetter-2); n <= firstLetter+3; n++ {
		for _, n := range []int{n, 2*n + 1} {
			doc, _ := invoiceDoc(n)
			doc.Paper = app.PaperLetter
			pdf, err := app.RenderPDF(doc)
			if err != nil {
				t.Fatal(err)
			}
			checkCarried(t, pdfText(t, pdf), n)
		}
	}
}

// The invoice PDF follows the configured paper: A4 by default, Letter
// after a restart with [invoice] paper = "letter".
func TestInvoicePDFFollowsThePaperOfTheConfig(t *testing.T) {
	d := newDesk(t)
	inv := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 40))
	pdf, _, err := d.svc.InvoicePDF(d.pa, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	onePaper(t, pdf, a4Points)

	if err := d.svc.Close(); err != nil {
		t.Fatal(err)
	}
	d.svc = nil
	svc, err := app.Open(app.Options{DataDir: d.dir, Logger: quiet, Now: d.clk.Now, Invoice: app.InvoiceConfig{Paper: "letter"}})
	if err != nil {
		t.Fatal(err)
	}
	d.svc = svc
	if got := svc.InvoiceSettings().Paper; got != app.PaperLetter {
		t.Fatalf("paper %q; want Letter", got)
	}
	pdf, _, err = svc.InvoicePDF(d.pa, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := onePaper(t, pdf, letterPoints); n < 2 {
		t.Fatalf("40 lines on %d Letter page; want the table to run over", n)
	}
	pages := pdfText(t, pdf)
	all := strings.Join(pages, "\n")
	for _, l := range inv.Lines {
		if strings.Count(all, l.Key) != 1 {
			t.Fatalf("key %s appears %d times in the Letter PDF; want once", l.Key, strings.Count(all, l.Key))
		}
	}
	if !strings.Contains(pages[len(pages)-1], inv.Total.String()) {
		t.Fatalf("the last Letter page lacks the total %s:\n%s", inv.Total, pages[len(pages)-1])
	}
	for i := range pages[:len(pages)-1] {
		c, b := lineWith(pages[i], "Carried forward"), lineWith(pages[i+1], "Brought forward")
		if c == "" || b == "" {
			t.Fatalf("page %d ends without 'Carried forward' or page %d starts without 'Brought forward'", i+1, i+2)
		}
		if cf, bf := strings.Fields(c), strings.Fields(b); cf[len(cf)-2] != bf[len(bf)-2] {
			t.Fatalf("carried %q but brought %q", c, b)
		}
	}
}

// Page streams are compressed up to 100 pages; a longer document (up to
// 1,000 pages) is written plain (fpdf's per-page zlib writers cost more
// than they save) and reads back just the same.
func TestPDFCompressesUpToAHundredPages(t *testing.T) {
	short, _ := invoiceDoc(90)
	pdf, err := app.RenderPDF(short)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pdf, []byte(")Tj")) {
		t.Fatal("a 5-page document has plain text operators: its pages are not compressed")
	}
	long, _ := invoiceDoc(3000)
	pdf, err = app.RenderPDF(long)
	if err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, pdf)
	if len(pages) <= 100 {
		t.Fatalf("3,000 lines on %d pages; want over 100", len(pages))
	}
	if !bytes.Contains(pdf, []byte(")Tj")) {
		t.Fatalf("a %d-page document's pages are compressed", len(pages))
	}
	checkCarried(t, pages, 3000)
}

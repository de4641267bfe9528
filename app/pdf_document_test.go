package app_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// pdfText extracts a PDF's text per page with poppler's pdftotext, the
// way a reader's copy-and-paste or an accountant's import sees it.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install Debian's poppler-utils (scripts/test.sh does)")
	}
	cmd := exec.Command(path, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, errb.String())
	}
	if errb.Len() > 0 {
		t.Errorf("pdftotext complains: %s", errb.String())
	}
	pages := strings.Split(out.String(), "\f")
	if pages[len(pages)-1] == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

func eur(minor int64) string { return app.FormatAmount(minor, "EUR") + " €" }

func invoiceDoc(n int) (app.PDFDocument, int64) {
	doc := app.PDFDocument{
		Title: "Rechnung", Number: "2026-000123", Currency: "EUR",
		Seller:    app.PDFParty{Name: "Lizenzdesk Müller & Söhne GmbH", Lines: []string{"Hauptstraße 1", "10115 Berlin", "USt-IdNr. DE123456789"}},
		Recipient: app.PDFParty{Name: "Zażółć Gęślą Jaźń Sp. z o.o.", Lines: []string{"ul. Świętokrzyska 12", "00-916 Warszawa", "Polska"}},
		Facts:     []app.PDFFact{{Label: "Datum", Value: "02.03.2026"}, {Label: "Fällig", Value: "16.03.2026"}, {Label: "Kunde", Value: "P-ABCD-EFGH"}},
		Intro:     "Für die folgenden Lizenzen berechnen wir:",
		Columns: []app.PDFColumn{{Title: "Pos.", Width: 12}, {Title: "Beschreibung", Width: 98}, {Title: "Menge", Width: 20, Right: true},
			{Title: "Betrag", Width: 40, Right: true}},
		Totals:       nil,
		Notes:        "Zahlbar ohne Abzug bis 16.03.2026. Vielen Dank für Ihren Auftrag – Ihr Team.",
		Footer:       []string{"Lizenzdesk Müller & Söhne GmbH · Amtsgericht Charlottenburg HRB 12345", "IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001"},
		FormatAmount: eur,
		Created:      time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	var sum int64
	for i := range n {
		amount := int64(1000 + i*137)
		desc := fmt.Sprintf("Sentinel Antivirus Business, 12 Monate, Schlüssel %04d", i+1)
		if i%7 == 3 {
			desc += "\nVerlängerung mit Übernahme der Restlaufzeit aus dem Vorjahresvertrag einschließlich aller Zusatzmodule"
		}
		doc.Lines = append(doc.Lines, app.PDFLine{Cells: []string{strconv.Itoa(i + 1), desc, "1", eur(amount)}, Amount: amount})
		sum += amount
	}
	vat := sum * 19 / 100
	doc.Totals = []app.PDFTotal{{Label: "Netto", Value: eur(sum)}, {Label: "USt. 19 %", Value: eur(vat)}, {Label: "Gesamt", Value: eur(sum + vat), Bold: true}}
	return doc, sum
}

var amountRe = regexp.MustCompile(`([0-9][0-9,]*\.[0-9]{2}) €`)

func parseEUR(t *testing.T, s string) int64 {
	t.Helper()
	m := amountRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no amount in %q", s)
	}
	n, err := strconv.ParseInt(strings.NewReplacer(",", "", ".", "").Replace(m[1]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A long invoice runs over several pages: every line is there once, in
// order; each page but the last ends with the amount carried forward,
// which is the sum of the lines so far, and the next page begins with it;
// the totals and page numbers are right; €, umlauts and Polish letters
// come out as text.
func TestPDFInvoicePaginatesWithCarriedTotals(t *testing.T) {
	const n = 90
	doc, sum := invoiceDoc(n)
	pdf, err := app.RenderPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	pages := pdfText(t, pdf)
	if len(pages) < 3 {
		t.Fatalf("%d pages for %d lines; want at least 3", len(pages), n)
	}
	first := pages[0]
	for _, want := range []string{"Lizenzdesk Müller & Söhne GmbH", "Hauptstraße 1", "Zażółć Gęślą Jaźń Sp. z o.o.", "ul. Świętokrzyska 12",
		"Rechnung 2026-000123", "Fällig", "16.03.2026", "Für die folgenden Lizenzen berechnen wir:", "Beschreibung"} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 lacks %q:\n%s", want, first)
		}
	}
	checkCarried(t, pages, n)
	last := pages[len(pages)-1]
	if got := parseEUR(t, lineWith(last, "Netto")); got != sum {
		t.Errorf("net %d, want %d", got, sum)
	}
	if got := parseEUR(t, lineWith(last, "Gesamt")); got != sum+sum*19/100 {
		t.Errorf("total %d, want %d", got, sum+sum*19/100)
	}
	if !strings.Contains(last, "USt. 19 %") || !strings.Contains(last, "Vielen Dank für Ihren Auftrag – Ihr Team.") {
		t.Errorf("last page:\n%s", last)
	}
	if !strings.Contains(strings.Join(pages, ""), "Verlängerung mit Übernahme") {
		t.Error("a wrapped second line of a description is missing")
	}

	// The same document renders to the same bytes.
	again, _ := app.RenderPDF(doc)
	if !bytes.Equal(pdf, again) {
		t.Error("rendering is not deterministic")
	}
}

func TestPDFShortDocumentIsOnePage(t *testing.T) {
	doc, sum := invoiceDoc(3)
	pdf, err := app.RenderPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, pdf)
	if len(pages) != 1 || !strings.Contains(pages[0], "Page 1 of 1") || strings.Contains(pages[0], "forward") {
		t.Fatalf("%d pages:\n%s", len(pages), strings.Join(pages, "\f"))
	}
	if got := parseEUR(t, lineWith(pages[0], "Netto")); got != sum {
		t.Errorf("net %d, want %d", got, sum)
	}
}

func TestPDFRefusesMalformedDocuments(t *testing.T) {
	if _, err := app.RenderPDF(app.PDFDocument{}); err == nil {
		t.Error("no columns: rendered")
	}
	doc, _ := invoiceDoc(2)
	doc.Lines[1].Cells = doc.Lines[1].Cells[:2]
	if _, err := app.RenderPDF(doc); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a short line: %v", err)
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// Whatever a customer typed into a name or a note, the document renders:
// a word longer than its column, bytes that are not UTF-8, characters the
// font lacks, a description of many lines, no lines at all.
func TestPDFRendersHostileText(t *testing.T) {
	long := strings.Repeat("Qz", 150) // 300 characters, no space
	doc, _ := invoiceDoc(3)
	doc.Recipient.Name = "Bad \xff\xfe bytes \x00 and 漢字 and 🙂"
	doc.Lines[0].Cells[1] = long
	doc.Lines[1].Cells[1] = strings.Repeat("line\n", 80) // taller than a page
	doc.Lines[2].Cells[1] = "tab\there\r\nand a form feed \f"
	pdf, err := app.RenderPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	pages := pdfText(t, pdf)
	all := strings.Join(pages, "")
	if got := strings.Count(all, "Q"); got != 150 {
		t.Errorf("the long word lost text: %d of 150 Q", got)
	}
	if !strings.Contains(all, "Bad ?? bytes ? and 漢字 and ?") {
		t.Errorf("the recipient's name:\n%s", pages[0])
	}
	if !strings.Contains(all, "Gesamt") {
		t.Error("no totals")
	}
	if got := strings.Count(all, "line"); got != 80 {
		t.Errorf("the description taller than a page shows %d of its 80 lines", got)
	}
	for p, text := range pages[:len(pages)-1] {
		if !strings.Contains(text, "Carried forward") {
			t.Errorf("page %d of %d does not carry forward", p+1, len(pages))
		}
	}

	empty, _ := invoiceDoc(0)
	pdf, err = app.RenderPDF(empty)
	if err != nil {
		t.Fatal(err)
	}
	if pages := pdfText(t, pdf); len(pages) != 1 || !strings.Contains(pages[0], "Netto") {
		t.Errorf("a document with no lines: %d pages", len(pages))
	}
}

// checkCarried checks every page of an invoiceDoc(n): its number, the
// footer, the head and brought-forward amount on later pages, its lines in
// order with their amounts, and the carried-forward amount at its foot.
func checkCarried(t *testing.T, pages []string, n int) {
	t.Helper()
	var running int64
	next := 1
	for p, text := range pages {
		if !strings.Contains(text, fmt.Sprintf("Page %d of %d", p+1, len(pages))) {
			t.Errorf("page %d lacks its page number", p+1)
		}
		if !strings.Contains(text, "IBAN DE02 1203 0000 0000 2020 51") {
			t.Errorf("page %d lacks the footer", p+1)
		}
		if p > 0 {
			bf := lineWith(text, "Brought forward")
			if bf == "" {
				t.Fatalf("page %d does not begin with the amount brought forward:\n%s", p+1, text)
			}
			if got := parseEUR(t, bf); got != running {
				t.Errorf("page %d brings forward %d, want %d", p+1, got, running)
			}
			if !strings.Contains(text, "Beschreibung") {
				t.Errorf("page %d repeats no table head", p+1)
			}
		}
		// The lines of this page, in order.
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, fmt.Sprintf("Schlüssel %04d", next)) {
				running += int64(1000 + (next-1)*137)
				if got := parseEUR(t, l); got != int64(1000+(next-1)*137) {
					t.Errorf("line %d shows %d", next, got)
				}
				next++
			}
		}
		cf := lineWith(text, "Carried forward")
		if p < len(pages)-1 {
			if cf == "" {
				t.Fatalf("page %d does not end with the amount carried forward:\n%s", p+1, text)
			}
			if got := parseEUR(t, cf); got != running {
				t.Errorf("page %d carries forward %d, want %d (the lines so far)", p+1, got, running)
			}
		} else if cf != "" {
			t.Errorf("the last page carries forward: %q", cf)
		}
	}
	if next != n+1 {
		t.Fatalf("found %d of %d lines, in order", next-1, n)
	}
}

// Every table length, around the page breaks and well past them, keeps
// the carried amounts right and the lines in order.
func TestPDFCarriedTotalsAtEveryLength(t *testing.T) {
	for _, n := range []int{1, 16, 17, 18, 19, 36, 37, 38, 39} {
		doc, _ := invoiceDoc(n)
		pdf, err := app.RenderPDF(doc)
		if err != nil {
			t.Fatal(err)
		}
		checkCarried(t, pdfText(t, pdf), n)
	}
}

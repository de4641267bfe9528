package app

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// PDFDocument is a business document (an invoice, a credit note, a
// quote) laid out on A4 or US Letter: the seller's header, the recipient's address
// block beside the document's facts, a table of lines that runs over as
// many pages as it needs (each page closing with the amount carried
// forward and the next opening with it), the totals, notes, and a footer
// with page numbers. The text is embedded in the Go font, so €, umlauts
// and Polish or Czech letters print; CJK scripts do not.
//
//	pdf, err := RenderPDF(PDFDocument{
//		Title: "Invoice", Number: "2026-000123", Currency: "EUR",
//		Seller: PDFParty{Name: "Desk GmbH", Lines: []string{"Hauptstr. 1", "10115 Berlin"}},
//		Recipient: PDFParty{Name: "Harbor IT", Lines: []string{"Kai 3", "20457 Hamburg"}},
//		Facts: []PDFFact{{"Date", "2026-03-02"}, {"Due", "2026-03-16"}},
//		Columns: []PDFColumn{{Title: "Item", Width: 100}, {Title: "Qty", Width: 20, Right: true}, {Title: "Amount", Width: 50, Right: true}},
//		Lines: []PDFLine{{Cells: []string{"Sentinel AV, 12 months", "5", "99.95 EUR"}, Amount: 9995}},
//		Totals: []PDFTotal{{Label: "Net", Value: "99.95 EUR"}, {Label: "Total", Value: "118.94 EUR", Bold: true}},
//	})
//
// The caller formats every cell and total; the document adds up only the
// lines' Amount for the carried-forward rows.
type PDFDocument struct {
	Title     string   // "Invoice"
	Number    string   // the document's number, printed beside the title
	Seller    PDFParty // top of the first page
	Recipient PDFParty // the address block
	Facts     []PDFFact
	Intro     string // a paragraph before the table
	Columns   []PDFColumn
	Lines     []PDFLine
	Currency  string // of the lines' Amount, for the carried-forward rows
	Totals    []PDFTotal
	Notes     string   // after the totals: payment terms, thanks
	Footer    []string // small print on every page (up to three lines): registration, bank account
	// FormatAmount writes a carried-forward amount; default "1,234.56 EUR".
	FormatAmount func(minor int64) string
	// Created is the PDF's creation date (default: zero, none written),
	// so the same document renders to the same bytes.
	Created time.Time
	// Paper is PaperA4 (the default when empty) or PaperLetter.
	Paper string
}

// PDFParty is a name and its address lines.
type PDFParty struct {
	Name  string
	Lines []string
}

// PDFFact is one label and value beside the address (Date, Due, Customer no.).
type PDFFact struct{ Label, Value string }

// PDFColumn is a table column; Width in millimetres (the widths should add
// up to at most 170, the printable width of A4; Letter's is 175.9).
// Right aligns numbers.
type PDFColumn struct {
	Title string
	Width float64
	Right bool
}

// PDFLine is one table row: one text per column (long texts wrap) and
// the amount, in minor units, it adds to the carried-forward total.
type PDFLine struct {
	Cells  []string
	Amount int64
}

// PDFTotal is one row of the totals block.
type PDFTotal struct {
	Label, Value string
	Bold         bool
}

// Page geometry in millimetres; the page's width and height come from
// the paper (pdfPaper).
const (
	pdfMarginX   = 20.0
	pdfMarginTop = 18.0
	pdfFooterH   = 26.0 // reserved at the bottom for the footer (three lines of small print and the page number)
	pdfLineH     = 4.6  // one line of table text
	pdfRowPad    = 1.6  // above and below a row's text
)

// pdfPage is a paper size: fpdf's name for it and its size in millimetres.
type pdfPage struct {
	name string
	w, h float64
}

// printableW is the width between the margins.
func (p pdfPage) printableW() float64 { return p.w - 2*pdfMarginX }

// pdfPaper is the page of a paper name (PaperA4 when empty or unknown;
// the configuration is checked when it is loaded).
func pdfPaper(paper string) pdfPage {
	if paper == PaperLetter {
		return pdfPage{name: "Letter", w: 215.9, h: 279.4}
	}
	return pdfPage{name: "A4", w: 210, h: 297}
}

const pdfFont = "go"

// Page streams are compressed up to pdfCompressMaxPages (about 1,800
// invoice lines), so the mailed PDF of any usual invoice stays small; a
// longer document is written plain, without fpdf's per-page zlib writers,
// up to pdfPlainMaxPages (about 8 KiB a page: 8 MiB, well inside a mail's
// 20 MiB of attachments); a longer one still is compressed again so that
// it stays mailable (50,000 lines: about 5 MiB).
const (
	pdfCompressMaxPages = 100
	pdfPlainMaxPages    = 1000
)

// RenderPDF lays out doc and returns the PDF file. Text the font cannot
// carry (characters beyond the Basic Multilingual Plane such as emoji,
// control characters, bytes that are not UTF-8) prints as "?".
func RenderPDF(doc PDFDocument) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil { // fpdf panics on some input: never take the caller down
			out, err = nil, fmt.Errorf("pdf: %v", r)
		}
	}()
	doc = doc.sanitized()
	if len(doc.Columns) == 0 {
		return nil, fmt.Errorf("pdf: a document needs at least one column")
	}
	for i, l := range doc.Lines {
		if len(l.Cells) != len(doc.Columns) {
			return nil, fmt.Errorf("pdf: line %d has %d cells for %d columns", i+1, len(l.Cells), len(doc.Columns))
		}
	}
	format := doc.FormatAmount
	if format == nil {
		format = func(v int64) string { return Money{Amount: v, Currency: doc.Currency}.String() }
	}
	page := pdfPaper(doc.Paper)
	f := fpdf.New("P", "mm", page.name, "")
	f.SetCatalogSort(true) // the same document, the same bytes
	f.SetMargins(pdfMarginX, pdfMarginTop, pdfMarginX)
	f.SetAutoPageBreak(false, 0) // pages break where the table says, to carry totals over
	f.AddUTF8FontFromBytes(pdfFont, "", goregular.TTF)
	f.AddUTF8FontFromBytes(pdfFont, "B", gobold.TTF)
	f.SetTitle(strings.TrimSpace(doc.Title+" "+doc.Number), true)
	f.SetAuthor(doc.Seller.Name, true)
	f.SetCreator("licensedesk", true)
	f.SetProducer("licensedesk", true)
	if !doc.Created.IsZero() {
		f.SetCreationDate(doc.Created)
		f.SetModificationDate(doc.Created)
	}
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() { pdfFooter(f, page, doc) })

	r := &pdfRenderer{f: f, page: page, doc: doc, format: format}
	f.AddPage()
	r.header()
	r.table()
	r.totals()
	// fpdf makes a fresh zlib writer (about 1 MiB) per page: a 10,000-line
	// invoice (555 pages) compressed made 640 MiB of garbage, twice the CPU
	// time and a heap peak near 100 MiB to save 3.5 MiB of file.
	n := f.PageCount()
	f.SetCompression(n <= pdfCompressMaxPages || n > pdfPlainMaxPages)
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfSafe replaces what the embedded font and fpdf cannot carry: runes
// outside the Basic Multilingual Plane (fpdf's font tables stop there),
// invalid UTF-8 and control characters. Newlines survive when keepNL.
func pdfSafe(s string, keepNL bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && keepNL:
			return r
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r == utf8.RuneError, r > 0xFFFF, unicode.IsControl(r):
			return '?'
		}
		return r
	}, strings.ReplaceAll(s, "\r\n", "\n"))
}

// sanitized is doc with every text made safe to print.
func (d PDFDocument) sanitized() PDFDocument {
	one := func(s string) string { return pdfSafe(s, false) }
	many := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = one(s)
		}
		return out
	}
	party := func(p PDFParty) PDFParty { return PDFParty{Name: one(p.Name), Lines: many(p.Lines)} }
	d.Title, d.Number, d.Intro, d.Notes = one(d.Title), one(d.Number), pdfSafe(d.Intro, true), pdfSafe(d.Notes, true)
	d.Seller, d.Recipient, d.Footer = party(d.Seller), party(d.Recipient), many(d.Footer)
	facts := make([]PDFFact, len(d.Facts))
	for i, f := range d.Facts {
		facts[i] = PDFFact{Label: one(f.Label), Value: one(f.Value)}
	}
	d.Facts = facts
	cols := make([]PDFColumn, len(d.Columns))
	for i, c := range d.Columns {
		cols[i] = PDFColumn{Title: one(c.Title), Width: c.Width, Right: c.Right}
	}
	d.Columns = cols
	lines := make([]PDFLine, len(d.Lines))
	for i, l := range d.Lines {
		cells := make([]string, len(l.Cells))
		for j, c := range l.Cells {
			cells[j] = pdfSafe(c, true)
		}
		lines[i] = PDFLine{Cells: cells, Amount: l.Amount}
	}
	d.Lines = lines
	totals := make([]PDFTotal, len(d.Totals))
	for i, t := range d.Totals {
		totals[i] = PDFTotal{Label: one(t.Label), Value: one(t.Value), Bold: t.Bold}
	}
	d.Totals = totals
	if format := d.FormatAmount; format != nil {
		d.FormatAmount = func(v int64) string { return one(format(v)) }
	}
	return d
}

type pdfRenderer struct {
	f      *fpdf.Fpdf
	page   pdfPage
	doc    PDFDocument
	format func(int64) string
	carry  int64 // sum of the Amount of the lines printed so far
	// pageTop is where the first line of the current page starts.
	pageTop float64
}

func (r *pdfRenderer) bottom() float64 { return r.page.h - pdfFooterH }

// header prints the seller, the title and number, the address block and
// the facts, and the intro.
func (r *pdfRenderer) header() {
	f, d := r.f, r.doc
	f.SetFont(pdfFont, "B", 13)
	f.CellFormat(r.page.printableW(), 6, d.Seller.Name, "", 1, "L", false, 0, "")
	f.SetFont(pdfFont, "", 9)
	for _, l := range d.Seller.Lines {
		f.CellFormat(r.page.printableW(), 4.2, l, "", 1, "L", false, 0, "")
	}
	f.Ln(8)
	top := f.GetY()
	// Address block on the left, facts on the right.
	f.SetFont(pdfFont, "B", 10)
	f.CellFormat(95, 5, d.Recipient.Name, "", 1, "L", false, 0, "")
	f.SetFont(pdfFont, "", 10)
	for _, l := range d.Recipient.Lines {
		f.CellFormat(95, 5, l, "", 1, "L", false, 0, "")
	}
	leftEnd := f.GetY()
	f.SetY(top)
	for _, fact := range d.Facts {
		f.SetX(pdfMarginX + 105)
		f.SetFont(pdfFont, "", 9)
		f.CellFormat(28, 5, fact.Label, "", 0, "L", false, 0, "")
		f.SetFont(pdfFont, "B", 9)
		f.CellFormat(37, 5, fact.Value, "", 1, "R", false, 0, "")
	}
	f.SetY(max(leftEnd, f.GetY()) + 10)
	f.SetFont(pdfFont, "B", 16)
	title := d.Title
	if d.Number != "" {
		title += " " + d.Number
	}
	f.CellFormat(r.page.printableW(), 8, title, "", 1, "L", false, 0, "")
	if d.Intro != "" {
		f.Ln(2)
		f.SetFont(pdfFont, "", 10)
		f.MultiCell(r.page.printableW(), 5, d.Intro, "", "L", false)
	}
	f.Ln(4)
}

// wrap splits each cell of a row into the lines it takes in its column.
func (r *pdfRenderer) wrap(cells []string) ([][]string, float64) {
	out := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		var lines []string
		for _, para := range strings.Split(c, "\n") {
			if para == "" {
				lines = append(lines, "")
				continue
			}
			lines = append(lines, r.f.SplitText(para, r.doc.Columns[i].Width-2)...)
		}
		out[i] = lines
		n = max(n, len(lines))
	}
	return out, float64(n)*pdfLineH + 2*pdfRowPad
}

func (r *pdfRenderer) row(cells [][]string, h float64, bold bool) {
	f := r.f
	style := ""
	if bold {
		style = "B"
	}
	f.SetFont(pdfFont, style, 9)
	x0, y0 := f.GetX(), f.GetY()
	x := x0
	for i, col := range r.doc.Columns {
		align := "L"
		if col.Right {
			align = "R"
		}
		for j, line := range cells[i] {
			f.SetXY(x, y0+pdfRowPad+float64(j)*pdfLineH)
			f.CellFormat(col.Width, pdfLineH, line, "", 0, align, false, 0, "")
		}
		x += col.Width
	}
	f.SetXY(x0, y0+h)
}

func (r *pdfRenderer) tableWidth() float64 {
	w := 0.0
	for _, c := range r.doc.Columns {
		w += c.Width
	}
	return w
}

func (r *pdfRenderer) rule(thick bool) {
	f := r.f
	if thick {
		f.SetLineWidth(0.4)
	} else {
		f.SetLineWidth(0.15)
	}
	y := f.GetY()
	f.Line(pdfMarginX, y, pdfMarginX+r.tableWidth(), y)
}

func (r *pdfRenderer) tableHead() {
	titles := make([][]string, len(r.doc.Columns))
	for i, c := range r.doc.Columns {
		titles[i] = []string{c.Title}
	}
	r.row(titles, pdfLineH+2*pdfRowPad, true)
	r.rule(true)
}

// carryRow prints "label ... amount" across the table, the amount in
// the last column.
func (r *pdfRenderer) carryRow(label string) {
	cells := make([][]string, len(r.doc.Columns))
	for i := range cells {
		cells[i] = []string{""}
	}
	cells[0] = []string{label}
	cells[len(cells)-1] = []string{r.format(r.carry)}
	r.row(cells, pdfLineH+2*pdfRowPad, true)
}

// table prints the lines, breaking pages so that each page ends with the
// amount carried forward and the next begins with it. A line that does
// not fit on what is left of a page moves to the next; one taller than a
// whole page is split across pages.
func (r *pdfRenderer) table() {
	rowH := pdfLineH + 2*pdfRowPad
	r.tableHead()
	r.pageTop = r.f.GetY()
	for i, l := range r.doc.Lines {
		cells, _ := r.wrap(l.Cells)
		after := rowH // room for the carried-forward row below it
		if i == len(r.doc.Lines)-1 {
			after = r.totalsHeight() // the last line stays with the totals
		}
		for {
			n := 0
			for _, c := range cells {
				n = max(n, len(c))
			}
			h := float64(n)*pdfLineH + 2*pdfRowPad
			if r.f.GetY()+h+after <= r.bottom() {
				r.row(cells, h, false)
				break
			}
			// A fresh page holds its head, the brought-forward row and this.
			fresh := r.bottom() - (pdfMarginTop + 2*rowH) - rowH
			fits := int((r.bottom() - r.f.GetY() - rowH - 2*pdfRowPad) / pdfLineH)
			if h <= fresh || fits < 1 {
				if r.f.GetY() > r.pageTop { // lines are on this page already: break before this one
					r.breakPage()
					continue
				}
				if fits < 1 {
					r.row(cells, h, false) // no room at all: let it run over rather than loop
					break
				}
			}
			// Taller than a page: print what fits, carry on with the rest.
			head, rest := make([][]string, len(cells)), make([][]string, len(cells))
			for j, c := range cells {
				k := min(fits, len(c))
				head[j], rest[j] = c[:k], c[k:]
			}
			r.row(head, float64(fits)*pdfLineH+2*pdfRowPad, false)
			cells = rest
			r.breakPage()
		}
		r.carry += l.Amount
	}
	r.rule(true)
}

// breakPage closes the page with the amount carried forward and opens the
// next with the table head and the amount brought forward.
func (r *pdfRenderer) breakPage() {
	r.rule(false)
	r.carryRow("Carried forward")
	r.f.AddPage()
	r.tableHead()
	r.carryRow("Brought forward")
	r.rule(false)
	r.pageTop = r.f.GetY()
}

// totals prints the totals block right-aligned under the table, and the
// notes; on a new page when they do not fit.
func (r *pdfRenderer) totals() {
	f, d := r.f, r.doc
	if f.GetY()+r.totalsHeight() > r.bottom() {
		f.AddPage() // only with no lines, or totals longer than a page
	}
	var notes []string
	if d.Notes != "" {
		f.SetFont(pdfFont, "", 9)
		notes = f.SplitText(d.Notes, r.page.printableW())
	}
	f.Ln(2)
	w := r.tableWidth()
	for _, t := range d.Totals {
		style := ""
		if t.Bold {
			style = "B"
		}
		f.SetFont(pdfFont, style, 10)
		f.SetX(pdfMarginX + w - 100)
		f.CellFormat(60, 6, t.Label, "", 0, "R", false, 0, "")
		f.CellFormat(40, 6, t.Value, "", 1, "R", false, 0, "")
	}
	if len(notes) > 0 {
		f.Ln(6)
		f.SetFont(pdfFont, "", 9)
		for _, l := range notes {
			f.CellFormat(r.page.printableW(), 4.6, l, "", 1, "L", false, 0, "")
		}
	}
}

// totalsHeight is the room the totals block and the notes take.
func (r *pdfRenderer) totalsHeight() float64 {
	h := 2 + float64(len(r.doc.Totals))*6
	if r.doc.Notes != "" {
		r.f.SetFont(pdfFont, "", 9)
		h += 6 + float64(len(r.f.SplitText(r.doc.Notes, r.page.printableW())))*4.6
	}
	return h
}

// pdfFooter prints the small print and "Page n of N" on every page.
func pdfFooter(f *fpdf.Fpdf, page pdfPage, d PDFDocument) {
	pw := page.printableW()
	f.SetY(page.h - pdfFooterH + 5)
	f.SetLineWidth(0.15)
	f.Line(pdfMarginX, f.GetY()-2, page.w-pdfMarginX, f.GetY()-2)
	f.SetFont(pdfFont, "", 7.5)
	for _, l := range d.Footer[:min(len(d.Footer), 3)] {
		f.CellFormat(pw, 3.6, l, "", 1, "C", false, 0, "")
	}
	f.SetY(page.h - 8)
	f.SetFont(pdfFont, "", 8)
	label := strings.TrimSpace(d.Title + " " + d.Number)
	f.CellFormat(pw/2, 4, label, "", 0, "L", false, 0, "")
	f.CellFormat(pw/2, 4, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
}

package app

import (
	"fmt"
	"strings"
	"time"

	"licensedesk/storage"
)

// InvoicePDF renders an invoice as a PDF (F28) through the shared PDF
// builder (pdf_document.go): the same content as the print page, its
// line table running over pages with the total carried over.
func (s *Service) InvoicePDF(a Actor, id uint64) ([]byte, InvoiceView, error) {
	inv, err := s.GetInvoice(a, id)
	if err != nil {
		return nil, InvoiceView{}, err
	}
	pdf, err := RenderPDF(s.invoiceDocument(inv))
	return pdf, inv, err
}

// invoiceDocument lays an invoice out as a PDF document.
func (s *Service) invoiceDocument(inv InvoiceView) PDFDocument {
	cur := inv.Currency
	amt := func(v int64) string { return FormatAmount(v, cur) }
	money := func(v int64) string { return Money{v, cur}.String() }
	party := func(p Party) PDFParty {
		out := PDFParty{Name: p.Name}
		for _, l := range strings.Split(p.Address, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out.Lines = append(out.Lines, l)
			}
		}
		if p.VATID != "" {
			out.Lines = append(out.Lines, "VAT ID "+p.VATID)
		}
		if p.Email != "" {
			out.Lines = append(out.Lines, p.Email)
		}
		return out
	}
	status := map[InvoiceState]string{InvoiceOpen: "Open", InvoicePaid: "Paid", InvoiceVoid: "Void"}[inv.State]
	if inv.PaidAt != nil {
		status += " " + inv.PaidAt.Format(time.DateOnly)
	}
	doc := PDFDocument{
		Title: "Invoice", Number: inv.Number, Currency: cur,
		Seller: party(inv.Seller), Recipient: party(inv.Billing),
		Facts: []PDFFact{{"Number", inv.Number}, {"Date", inv.Created.Format(time.DateOnly)},
			{"Due", inv.Created.AddDate(0, 0, s.invoiceCfg.DueDays).Format(time.DateOnly)}, {"Status", status}},
		Columns: []PDFColumn{{Title: "License and key", Width: 110},
			{Title: "List", Width: 20, Right: true}, {Title: "Discount", Width: 20, Right: true}, {Title: "Amount", Width: 20, Right: true}},
		Lines:        make([]PDFLine, 0, len(inv.Lines)),
		FormatAmount: money,
		Created:      inv.Created,
		Paper:        s.invoiceCfg.Paper,
	}
	for _, l := range inv.Lines {
		desc := fmt.Sprintf("%s %s, %d seats, %s", l.ProductName, l.EditionName, l.Seats, PeriodLabel(l.PeriodMonths))
		if inv.Kind == InvoiceRenewal {
			desc = "Renewal: " + desc
		}
		if l.Customer != "" {
			desc += " · " + l.Customer
		}
		desc += "\n" + l.Key
		disc := ""
		if d := l.Discount(); d > 0 {
			disc = "−" + amt(d)
		}
		doc.Lines = append(doc.Lines, PDFLine{Cells: []string{desc, amt(l.List), disc, amt(l.Total)}, Amount: l.Total})
	}
	doc.Totals = []PDFTotal{{Label: "List price", Value: money(inv.ListTotal.Amount)}, {Label: "Discounts", Value: "−" + money(inv.Discount.Amount)},
		{Label: "Subtotal", Value: money(inv.Subtotal.Amount)}}
	if inv.TaxBP != 0 {
		doc.Totals = append(doc.Totals, PDFTotal{Label: "Tax " + FormatBP(inv.TaxBP) + "%", Value: money(inv.Tax.Amount)})
	}
	doc.Totals = append(doc.Totals, PDFTotal{Label: "Total", Value: money(inv.Total.Amount), Bold: true})
	if inv.Paid.Amount != 0 {
		doc.Totals = append(doc.Totals, PDFTotal{Label: "Paid", Value: money(inv.Paid.Amount)})
		if inv.State == InvoiceOpen {
			doc.Totals = append(doc.Totals, PDFTotal{Label: "Due", Value: money(inv.Due.Amount)})
		}
	}
	var notes []string
	if inv.ReverseCharge {
		notes = append(notes, "Reverse charge: VAT is due from the recipient (VAT ID "+inv.Billing.VATID+").")
	}
	notes = append(notes, "Payment: "+inv.PaymentInfo+" Quote "+inv.Number+".",
		fmt.Sprintf("Terms version %s accepted by %s on %s.", inv.Terms.Version, inv.Terms.By, inv.Terms.At.Format("2006-01-02 15:04 MST")))
	doc.Notes = strings.Join(notes, "\n")
	if inv.Seller.VATID != "" || inv.Seller.Email != "" {
		doc.Footer = []string{strings.Trim(inv.Seller.Name+" · VAT ID "+inv.Seller.VATID+" · "+inv.Seller.Email, " ·")}
	}
	return doc
}

// invoiceMailMaxLines is the largest invoice mailed right after its
// checkout; bigger ones (their PDF takes longer) are mailed by the
// invoice-mail job within a minute, so a checkout stays quick.
const invoiceMailMaxLines = 1000

// mailInvoice queues the mail with the invoice's PDF to the partner,
// once: the marker written with the invoice is removed in the same
// transaction as the mail is queued. The PDF is made outside the write
// transaction. A voided invoice, or a partner without an address, gets
// no mail.
func (s *Service) mailInvoice(id uint64) error {
	var inv InvoiceView
	var pending bool
	err := s.db.View(func(tx *storage.Tx) error {
		if pending = invoiceMailPending(tx, id); !pending {
			return nil
		}
		h, err := getInvoice(tx, id)
		if err != nil {
			return err
		}
		lines, err := invoiceLines(tx, id)
		inv = invoiceView(h, lines)
		return err
	})
	if err != nil || !pending {
		return err
	}
	var pdf []byte
	if inv.State != InvoiceVoid && inv.Billing.Email != "" {
		if pdf, err = RenderPDF(s.invoiceDocument(inv)); err != nil {
			return err
		}
	}
	return s.update(func(tx *storage.Tx) error {
		if !invoiceMailPending(tx, id) {
			return nil // mailed meanwhile
		}
		cur, err := getInvoice(tx, id)
		if err != nil {
			return err
		}
		if cur.State != InvoiceVoid && inv.Billing.Email != "" {
			due := inv.Created.AddDate(0, 0, s.invoiceCfg.DueDays).Format(time.DateOnly)
			what := "licenses checked out"
			if inv.Kind == InvoiceRenewal {
				what = "license renewals made"
			}
			text := fmt.Sprintf("Hello %s,\n\nthe attached invoice %s bills %d %s on %s: %s, due %s.\n\n%s\nQuote %s.\n\n%s\n",
				inv.Billing.Name, inv.Number, inv.LineCount, what, inv.Created.Format(time.DateOnly), inv.Total, due, inv.PaymentInfo, inv.Number, inv.Seller.Name)
			if _, err := s.queueMail(tx, MailInput{Kind: "invoice", PartnerID: inv.PartnerID, Ref: fmt.Sprintf("invoice:%d", id),
				To: []string{inv.Billing.Email}, Subject: "Invoice " + inv.Number + " from " + inv.Seller.Name, Text: text,
				Attachments: []Attachment{{Name: inv.Number + ".pdf", ContentType: "application/pdf", Data: pdf}}}); err != nil {
				return err
			}
		}
		return unmarkInvoiceMail(tx, id)
	})
}

// MailPendingInvoices queues the mail of every invoice still waiting for
// it: the invoice-mail job, which also catches up after a crash between
// a checkout and its mail.
func (s *Service) MailPendingInvoices() error {
	var ids []uint64
	if err := s.db.View(func(tx *storage.Tx) error { ids = pendingInvoiceMails(tx); return nil }); err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := s.mailInvoice(id); err != nil {
			errs = append(errs, fmt.Errorf("invoice %d: %w", id, err))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// mailSoon mails a small invoice right after its checkout; a large one
// is left to the invoice-mail job.
func (s *Service) mailSoon(id uint64) error {
	var n int
	err := s.db.View(func(tx *storage.Tx) error {
		inv, err := getInvoice(tx, id)
		n = inv.LineCount
		return err
	})
	if err != nil || n > invoiceMailMaxLines {
		return err
	}
	return s.mailInvoice(id)
}

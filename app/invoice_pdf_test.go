package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

func TestInvoicePDFHasEveryLineAndTheTotalsCarriedOver(t *testing.T) {
	d := newDesk(t)
	if _, err := d.svc.SetBilling(d.op, d.p.ID, app.PartnerBilling{Name: "Zażółć Reseller Sp. z o.o.", Address: "ul. Świętokrzyska 12\n00-916 Warszawa", TaxBP: 2300}); err != nil {
		t.Fatal(err)
	}
	ids := d.pending(d.pa, d.product.ID, 60)
	inv := d.checkout(d.pa, ids)
	pdf, got, err := d.svc.InvoicePDF(d.pa, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != inv.Number {
		t.Fatalf("PDF of %s; want %s", got.Number, inv.Number)
	}
	pages := pdfText(t, pdf)
	if len(pages) < 2 {
		t.Fatalf("60 lines fit on %d page; want the table to run over pages", len(pages))
	}
	all := strings.Join(pages, "\n")
	for _, want := range []string{"Invoice", inv.Number, "Zażółć Reseller Sp. z o.o.", "ul. Świętokrzyska 12", "Terms version 1 accepted by " + d.pa.Email} {
		if !strings.Contains(all, want) {
			t.Fatalf("the PDF lacks %q", want)
		}
	}
	for _, l := range inv.Lines {
		if strings.Count(all, l.Key) != 1 {
			t.Fatalf("key %s appears %d times in the PDF; want once", l.Key, strings.Count(all, l.Key))
		}
	}
	// Totals as on the invoice: the line amounts add up to the subtotal.
	for _, want := range []string{inv.Subtotal.String(), inv.Tax.String(), inv.Total.String(), "Tax 23%"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the PDF lacks the total %q", want)
		}
	}
	var sum int64
	for _, l := range inv.Lines {
		sum += l.Total
	}
	if sum != inv.Subtotal.Amount {
		t.Fatalf("lines add up to %d, subtotal %d", sum, inv.Subtotal.Amount)
	}
	// Each page break carries the running total over.
	var carried []string
	for i, p := range pages[:len(pages)-1] {
		c := lineWith(p, "Carried forward")
		b := lineWith(pages[i+1], "Brought forward")
		if c == "" || b == "" {
			t.Fatalf("page %d ends without 'Carried forward' or page %d starts without 'Brought forward'", i+1, i+2)
		}
		cf, bf := strings.Fields(c), strings.Fields(b)
		if cf[len(cf)-2] != bf[len(bf)-2] {
			t.Fatalf("carried %q but brought %q", c, b)
		}
		carried = append(carried, cf[len(cf)-2])
	}
	if len(carried) == 0 {
		t.Fatal("no amount carried over")
	}
}

func TestCheckoutMailsTheInvoicePDFThroughTheOutbox(t *testing.T) {
	d := newDesk(t)
	inv := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 2))
	page, err := d.svc.ListOutbox(d.pa, app.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 {
		t.Fatalf("%d mails after a checkout; want one", page.Total)
	}
	m := page.Items[0]
	if m.Kind != "invoice" || m.To[0] != "billing@manual.example" || !strings.Contains(m.Subject, inv.Number) ||
		len(m.Attachments) != 1 || m.Attachments[0].Name != inv.Number+".pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("mail %+v", m)
	}
	att, err := d.svc.GetAttachment(d.pa, m.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(pdfText(t, att.Data), "\n"); !strings.Contains(text, inv.Total.String()) || !strings.Contains(text, inv.Lines[0].Key) {
		t.Fatalf("the attached PDF lacks the total or the keys:\n%s", text)
	}
	// The job finds nothing more to mail: one mail per invoice.
	if err := d.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.MailPendingInvoices(); err != nil {
		t.Fatal(err)
	}
	if page, _ := d.svc.ListOutbox(d.op, app.ListParams{}); page.Total != 1 {
		t.Fatalf("%d mails after the job ran; want still one", page.Total)
	}
}

// A big invoice is mailed by the invoice-mail job, not in the checkout's
// request; the job mails each invoice once.
func TestInvoiceMailJobMailsBigInvoices(t *testing.T) {
	d := newDesk(t)
	ids := append(d.pending(d.pa, d.product.ID, 1000), d.pending(d.pa, d.product.ID, 1)...)
	inv := d.checkout(d.pa, ids)
	if page, _ := d.svc.ListOutbox(d.op, app.ListParams{}); page.Total != 0 {
		t.Fatalf("%d mails right after a %d-line checkout; want the job to send it", page.Total, inv.LineCount)
	}
	d.clk.Advance(time.Minute)
	if err := d.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, _ := d.svc.ListOutbox(d.op, app.ListParams{})
	if page.Total != 1 || !strings.Contains(page.Items[0].Subject, inv.Number) {
		t.Fatalf("after the job: %d mails %+v; want the invoice's", page.Total, page.Items)
	}
	d.clk.Advance(time.Minute)
	if err := d.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if page, _ := d.svc.ListOutbox(d.op, app.ListParams{}); page.Total != 1 {
		t.Fatalf("%d mails after the job ran again; want one", page.Total)
	}
}

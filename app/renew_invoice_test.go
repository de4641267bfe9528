package app_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"licensedesk/app"
)

// invoiceSeq is the sequence number of an invoice number (2026-000012 → 12).
func invoiceSeq(t *testing.T, number string) int {
	t.Helper()
	i := strings.LastIndexByte(number, '-')
	n, err := strconv.Atoi(number[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("invoice number %q", number)
	}
	return n
}

func (r *renewShop) invoice(id uint64) app.InvoiceView {
	r.t.Helper()
	v, err := r.svc.GetInvoice(r.pa, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return v
}

func (r *renewShop) license(id uint64) app.LicenseView {
	r.t.Helper()
	l, err := r.svc.GetLicense(r.op, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return l
}

func (r *renewShop) invoiceMails(id uint64) []app.Mail {
	r.t.Helper()
	pg, err := r.svc.ListOutbox(app.System, app.ListParams{PerPage: 100})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []app.Mail
	for _, m := range pg.Items {
		if m.Ref == "invoice:"+strconv.FormatUint(id, 10) {
			out = append(out, m)
		}
	}
	return out
}

func TestRenewOnNewInvoice(t *testing.T) {
	r := newRenewShop(t, 0)
	if _, err := r.svc.SetBilling(r.op, r.p.ID, app.PartnerBilling{Email: "billing@alpha.example"}); err != nil {
		t.Fatal(err)
	}
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 2})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 2, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Renewal.InvoiceID == 0 || res.Renewal.Charged.Amount != 0 || res.Renewal.Invoiced == nil || *res.Renewal.Invoiced != q.Total {
		t.Fatalf("renewal record %+v; want an invoice of %s and nothing charged", res.Renewal, q.Total)
	}
	inv := r.invoice(res.Renewal.InvoiceID)
	if inv.Kind != app.InvoiceRenewal || inv.State != app.InvoiceOpen || inv.Number != res.Renewal.InvoiceNumber {
		t.Fatalf("invoice %s kind %q state %s", inv.Number, inv.Kind, inv.State)
	}
	// Priced exactly as the quote: one line, its total the quote's, no tax set.
	if len(inv.Lines) != 1 || inv.Lines[0].LicenseID != r.lic.ID || inv.Lines[0].Key != r.lic.Key ||
		inv.Lines[0].Total != q.Total.Amount || inv.Lines[0].List != q.Lines[0].List || inv.Lines[0].PeriodMonths != 24 ||
		inv.Subtotal != q.Total || inv.Total != q.Total || inv.Due != q.Total {
		t.Fatalf("invoice %+v; want one line of the quote %+v", inv, q)
	}
	if d := inv.Lines[0].List - inv.Lines[0].Discount(); d != inv.Lines[0].Total {
		t.Fatalf("line list − discounts = %d; total %d", d, inv.Lines[0].Total)
	}
	if n := r.svc.OpenInvoiceCount(r.pa); n != 1 {
		t.Fatalf("menu counts %d open invoices; want 1", n)
	}
	pg, err := r.svc.ListInvoices(r.pa, app.ListParams{PerPage: 10})
	if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != inv.ID {
		t.Fatalf("invoice list %+v %v", pg.Items, err)
	}
	// The period moves at once; the key stays; no money moved.
	l := r.license(r.lic.ID)
	if !l.ValidTo.Equal(q.NewEnd) || l.Key != r.lic.Key || r.balance() != 0 {
		t.Fatalf("license to %s key %s balance %d", l.ValidTo, l.Key, r.balance())
	}
	o, err := r.svc.GetOrder(r.pa, res.Renewal.OrderID)
	if err != nil || o.State != app.OrderUnpaid || o.InvoiceID != inv.ID || o.Total != q.Total {
		t.Fatalf("renewal order %+v %v", o, err)
	}
	// The mail with the PDF went to the outbox, as for a checkout.
	mails := r.invoiceMails(inv.ID)
	if len(mails) != 1 || len(mails[0].Attachments) != 1 || mails[0].Attachments[0].Name != inv.Number+".pdf" || !strings.Contains(mails[0].Text, "renewals") {
		t.Fatalf("invoice mails %+v", mails)
	}
	if pdf, _, err := r.svc.InvoicePDF(r.pa, inv.ID); err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("invoice PDF: %v", err)
	}

	// While it is open the license is not renewed again, by any payment.
	_, err = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"})
	wantField(t, err, "license_ids")
	if !strings.Contains(err.Error(), inv.Number) {
		t.Fatalf("refusal %q does not name the invoice", err)
	}
	_, err = r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	wantField(t, err, "license_ids")
	// Nor is its order paid or refunded past the invoice.
	_, err = r.svc.RecordOrderPayment(r.op, o.ID, "wire")
	wantField(t, err, "state")
	_, err = r.svc.RefundOrder(r.op, o.ID, app.RefundInput{Reason: "x"})
	wantField(t, err, "state")

	// Paid from the balance: the money moves once, the period does not move again.
	if _, err := r.svc.RecordBalance(r.op, r.p.ID, app.BalanceInput{Amount: 100_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.PayInvoice(r.pa, inv.ID); err != nil {
		t.Fatal(err)
	}
	if r.balance() != 100_000-q.Total.Amount {
		t.Fatalf("balance %d after paying; want %d", r.balance(), 100_000-q.Total.Amount)
	}
	if _, err := r.svc.PayInvoice(r.pa, inv.ID); err == nil {
		t.Fatal("a paid invoice was paid again")
	}
	if r.balance() != 100_000-q.Total.Amount {
		t.Fatal("paying twice moved money twice")
	}
	l2 := r.license(r.lic.ID)
	if !l2.ValidTo.Equal(q.NewEnd) || l2.Payment != r.lic.Payment {
		t.Fatalf("after payment the license is to %s, payment %s; want %s, %s", l2.ValidTo, l2.Payment, q.NewEnd, r.lic.Payment)
	}
	o, _ = r.svc.GetOrder(r.pa, o.ID)
	if o.State != app.OrderProcessed || o.PaidAt == nil || o.Events[len(o.Events)-1].Action != "payment" || o.Events[len(o.Events)-1].Amount != -q.Total.Amount {
		t.Fatalf("order after payment %+v", o)
	}
	if n := r.svc.OpenInvoiceCount(r.pa); n != 0 {
		t.Fatalf("menu counts %d open invoices after payment", n)
	}
	// Paid: the license renews again.
	if _, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"}); err != nil {
		t.Fatal(err)
	}
}

func TestRenewInvoicePayNow(t *testing.T) {
	r := newRenewShop(t, 0)
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A first invoice, to see the numbers run on without a gap.
	l1 := r.active("Business", 5, "")
	first, err := r.svc.RenewLicense(r.pa, l1.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	// Short: refused with the shortfall, nothing written.
	if _, err := r.svc.RecordBalance(r.op, r.p.ID, app.BalanceInput{Amount: q.Total.Amount - 1, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	orders, _ := r.svc.ListOrders(r.op, app.ListParams{PerPage: 100})
	_, err = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice", PayNow: true})
	var sf *app.ShortfallError
	if !errors.As(err, &sf) || sf.Short.Amount != 1 || sf.Cost != q.Total {
		t.Fatalf("pay now with a short balance: %v; want a shortfall of 0.01 on %s", err, q.Total)
	}
	if l := r.license(r.lic.ID); !l.ValidTo.Equal(*r.lic.ValidTo) {
		t.Fatalf("a refused pay-now moved the period to %s", l.ValidTo)
	}
	if r.balance() != q.Total.Amount-1 || r.svc.OpenInvoiceCount(r.pa) != 1 {
		t.Fatalf("a refused pay-now wrote: balance %d, %d open invoices", r.balance(), r.svc.OpenInvoiceCount(r.pa))
	}
	if after, _ := r.svc.ListOrders(r.op, app.ListParams{PerPage: 100}); after.Total != orders.Total {
		t.Fatalf("a refused pay-now left an order: %d orders, were %d", after.Total, orders.Total)
	}
	// Enough: one transaction makes the invoice, pays it, renews.
	if _, err := r.svc.RecordBalance(r.op, r.p.ID, app.BalanceInput{Amount: 1, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice", PayNow: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Renewal.Charged != q.Total || r.balance() != 0 {
		t.Fatalf("pay now charged %s, balance left %d; want %s and 0", res.Renewal.Charged, r.balance(), q.Total)
	}
	inv := r.invoice(res.Renewal.InvoiceID)
	if inv.State != app.InvoicePaid || inv.Paid != q.Total || len(inv.Payments) != 1 || inv.Payments[0].Method != app.InvoicePayBalance {
		t.Fatalf("paid-now invoice %+v", inv.Invoice)
	}
	if invoiceSeq(t, inv.Number) != invoiceSeq(t, first.Renewal.InvoiceNumber)+1 {
		t.Fatalf("invoice %s after %s: the refused pay-now left a gap", inv.Number, first.Renewal.InvoiceNumber)
	}
	if o, _ := r.svc.GetOrder(r.pa, res.Renewal.OrderID); o.State != app.OrderProcessed {
		t.Fatalf("paid-now order is %s", o.State)
	}
	if !res.ValidTo.Equal(q.NewEnd) {
		t.Fatalf("renewed to %s; want %s", res.ValidTo, q.NewEnd)
	}
	// Pay now goes with an invoice only.
	_, err = r.svc.RenewLicense(r.pa, l1.ID, app.RenewInput{Periods: 1, Payment: "balance", PayNow: true})
	wantField(t, err, "license_ids") // l1 is held by its open invoice, checked first
	l3 := r.active("Business", 5, "")
	_, err = r.svc.RenewLicense(r.pa, l3.ID, app.RenewInput{Periods: 1, Payment: "balance", PayNow: true})
	wantField(t, err, "pay_now")
}

func TestRenewInvoiceTax(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	if _, err := r.svc.SetBilling(r.op, r.p.ID, app.PartnerBilling{TaxBP: 2000, Address: "1 Main St"}); err != nil {
		t.Fatal(err)
	}
	q, _ := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if q.InvoiceTax == nil || q.InvoiceTax.Amount != (q.Total.Amount*2000+5000)/10000 {
		t.Fatalf("the quote shows invoice tax %v of 20%% on %s", q.InvoiceTax, q.Total)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice", PayNow: true})
	if err != nil {
		t.Fatal(err)
	}
	inv := r.invoice(res.Renewal.InvoiceID)
	tax := (q.Total.Amount*2000 + 5000) / 10000
	if inv.Subtotal != q.Total || inv.Tax.Amount != tax || inv.Total.Amount != q.Total.Amount+tax || 1_000_000-r.balance() != inv.Total.Amount {
		t.Fatalf("invoice subtotal %s tax %s total %s, charged %d; want %s + %d", inv.Subtotal, inv.Tax, inv.Total, 1_000_000-r.balance(), q.Total, tax)
	}
}

func TestRenewInvoiceVoidUndoes(t *testing.T) {
	r := newRenewShop(t, 0)
	// Expired, renewed on an invoice: active again at once.
	r.clk.Set(r.lic.ValidTo.AddDate(0, 0, 2))
	if _, err := r.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	before := r.license(r.lic.ID)
	if before.Status != app.StatusExpired {
		t.Fatalf("the license is %s after its end", before.Status)
	}
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if l := r.license(r.lic.ID); l.Status != app.StatusActive || !l.ValidTo.Equal(q.NewEnd) {
		t.Fatalf("renewed on invoice: %s to %s", l.Status, l.ValidTo)
	}
	// A partner may not void another partner's invoice: not found.
	other := r.partnerUser(r.partner("Beta Reseller"), "bob@beta.example")
	if _, err := r.svc.VoidInvoice(other, res.Renewal.InvoiceID); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("another partner voided it: %v", err)
	}
	inv, err := r.svc.VoidInvoice(r.pa, res.Renewal.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.State != app.InvoiceVoid {
		t.Fatalf("voided invoice is %s", inv.State)
	}
	l := r.license(r.lic.ID)
	if l.Status != app.StatusExpired || !l.ValidTo.Equal(*before.ValidTo) || l.Key != before.Key || l.Edition != before.Edition {
		t.Fatalf("after the void: %s to %s; want %s to %s", l.Status, l.ValidTo, before.Status, before.ValidTo)
	}
	o, _ := r.svc.GetOrder(r.pa, res.Renewal.OrderID)
	if o.State != app.OrderRefunded || o.Events[len(o.Events)-1].Action != "void" || r.balance() != 0 {
		t.Fatalf("order after the void %+v, balance %d", o, r.balance())
	}
	if _, err := r.svc.PayInvoice(r.pa, inv.ID); err == nil {
		t.Fatal("a void invoice was paid")
	}
	// Free again: renewed on a new invoice, which a hand-made change then pins.
	res2, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	moved := r.license(r.lic.ID).ValidTo.AddDate(0, 1, 0)
	if _, err := r.svc.EditLicense(r.op, r.lic.ID, app.LicenseEdit{ValidTo: &moved}); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.VoidInvoice(r.pa, res2.Renewal.InvoiceID)
	wantField(t, err, "state")
	if !strings.Contains(err.Error(), r.lic.Key) {
		t.Fatalf("refused void %q does not name the license", err)
	}
	if inv := r.invoice(res2.Renewal.InvoiceID); inv.State != app.InvoiceOpen {
		t.Fatalf("a refused void left the invoice %s", inv.State)
	}
}

func TestRenewInvoiceOperatorPayment(t *testing.T) {
	r := newRenewShop(t, 0)
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	inv := r.invoice(res.Renewal.InvoiceID)
	if _, err := r.svc.RecordInvoicePayment(r.op, inv.ID, app.InvoicePaymentInput{Amount: inv.Total.Amount, Reference: "bank 1"}); err != nil {
		t.Fatal(err)
	}
	o, _ := r.svc.GetOrder(r.pa, res.Renewal.OrderID)
	if o.State != app.OrderProcessed || r.balance() != 0 {
		t.Fatalf("order %s, balance %d after the operator's payment", o.State, r.balance())
	}
	if _, err := r.svc.VoidInvoice(r.op, inv.ID); err == nil {
		t.Fatal("a paid renewal invoice was voided")
	}
	if l := r.license(r.lic.ID); !l.ValidTo.Equal(r.lic.ValidTo.AddDate(1, 0, 0)) {
		t.Fatalf("license to %s after payment", l.ValidTo)
	}
}

func TestBulkRenewOnInvoice(t *testing.T) {
	r := newRenewShop(t, 10_000_000)
	ids := []uint64{r.lic.ID}
	for range 9 {
		ids = append(ids, r.active("Business", 5, "").ID)
	}
	qs, total, err := r.svc.QuoteBulkRenewal(r.pa, app.BulkRenewInput{LicenseIDs: ids, Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := r.balance()
	res, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: ids, Periods: 1, Payment: "invoice", PayNow: true})
	if err != nil {
		t.Fatal(err)
	}
	inv := r.invoice(res.InvoiceID)
	if res.Renewed != 10 || inv.LineCount != 10 || inv.Total != total || inv.State != app.InvoicePaid || before-r.balance() != total.Amount || res.Charged != total {
		t.Fatalf("bulk on invoice: %+v, invoice %d lines %s %s, charged %d; want %s", res, inv.LineCount, inv.Total, inv.State, before-r.balance(), total)
	}
	for i, line := range inv.Lines {
		if line.LicenseID != qs[i].LicenseID || line.Total != qs[i].Total.Amount {
			t.Fatalf("line %d %+v; quote %+v", i, line, qs[i])
		}
	}
	// A second batch on an open invoice: one license already on it refuses all.
	res2, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: ids[:5], Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: ids[4:], Periods: 1, Payment: "invoice"})
	wantField(t, err, "license_ids")
	if n := r.svc.OpenInvoiceCount(r.pa); n != 1 {
		t.Fatalf("%d open invoices; want %s alone", n, res2.InvoiceNumber)
	}
}

// Racing renewals of one license on invoices: one invoice, one period;
// racing payments of it: paid once.
func TestRenewInvoiceRaces(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	ress := make([]app.RenewResult, 6)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ress[i], errs[i] = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
		}(i)
	}
	wg.Wait()
	var won *app.RenewResult
	for i, err := range errs {
		if err == nil {
			if won != nil {
				t.Fatal("two renewals on invoices of one license both succeeded")
			}
			won = &ress[i]
		} else {
			wantField(t, err, "license_ids")
		}
	}
	if won == nil {
		t.Fatal("no renewal succeeded")
	}
	if l := r.license(r.lic.ID); !l.ValidTo.Equal(r.lic.ValidTo.AddDate(1, 0, 0)) || r.svc.OpenInvoiceCount(r.pa) != 1 {
		t.Fatalf("license to %s, %d open invoices", l.ValidTo, r.svc.OpenInvoiceCount(r.pa))
	}
	before := r.balance()
	paid := make([]error, 4)
	for i := range paid {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, paid[i] = r.svc.PayInvoice(r.pa, won.Renewal.InvoiceID)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range paid {
		if err == nil {
			ok++
		}
	}
	if ok != 1 || before-r.balance() != won.Renewal.Invoiced.Amount {
		t.Fatalf("%d payments succeeded, %d charged; want 1 and %s", ok, before-r.balance(), won.Renewal.Invoiced)
	}
}

// A renewal invoice of more than 100 lines is mailed by the invoice-mail
// job, not in the renewal's answer; once, with its PDF.
func TestBigRenewalInvoiceMailedByTheJob(t *testing.T) {
	r := newRenewShop(t, 0)
	if _, err := r.svc.SetBilling(r.op, r.p.ID, app.PartnerBilling{Email: "billing@alpha.example"}); err != nil {
		t.Fatal(err)
	}
	ls, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: r.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		PartnerID: r.p.ID, Customer: "Customer GmbH", CustomerEmail: "it@customer.example", Count: 101})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	res, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: ids, Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if m := r.invoiceMails(res.InvoiceID); len(m) != 0 {
		t.Fatalf("a 101-line invoice was mailed in the renewal's answer: %d mails", len(m))
	}
	for range 2 {
		if err := r.svc.MailPendingInvoices(); err != nil {
			t.Fatal(err)
		}
	}
	m := r.invoiceMails(res.InvoiceID)
	if len(m) != 1 || len(m[0].Attachments) != 1 || !strings.Contains(m[0].Text, "101 license renewals") {
		t.Fatalf("after the job: %+v", m)
	}
}

package app_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"licensedesk/app"
)

func TestPayFromBalanceTurnsLicensesPaidWithTheSameKeys(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 3)
	inv := d.checkout(d.pa, ids)
	total := inv.Total.Amount

	// Short of funds: refused with the shortfall, nothing written.
	d.topUp(total - 1)
	_, err := d.svc.PayInvoice(d.pa, inv.ID)
	var sf *app.ShortfallError
	if !errors.As(err, &sf) || sf.Short.Amount != 1 {
		t.Fatalf("paying with one cent missing: %v; want a shortfall of 0.01", err)
	}
	if b := d.balance(); b != total-1 {
		t.Fatalf("balance %d after a refused payment; want %d", b, total-1)
	}
	d.topUp(1000)
	keys := map[uint64]string{}
	for _, id := range ids {
		keys[id] = d.license(id).Key
	}
	paid, err := d.svc.PayInvoice(d.pa, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if paid.State != app.InvoicePaid || paid.PaidAt == nil || paid.Paid != paid.Total || paid.Due.Amount != 0 {
		t.Fatalf("after paying: %s paid %v of %v, due %v", paid.State, paid.Paid, paid.Total, paid.Due)
	}
	if len(paid.Payments) != 1 || paid.Payments[0].Method != app.InvoicePayBalance || paid.Payments[0].Amount != total {
		t.Fatalf("payments %+v; want one balance payment of %d", paid.Payments, total)
	}
	if b := d.balance(); b != 999 {
		t.Fatalf("balance %d after paying; want 999", b)
	}
	acc, _ := d.svc.GetAccount(app.System, d.p.ID)
	if e := acc.Entries[0]; e.Amount != -total || e.Kind != app.LedgerPurchase || !strings.Contains(e.Reason, inv.Number) {
		t.Fatalf("latest ledger entry %+v; want −%d purchase naming %s", e, total, inv.Number)
	}
	for _, id := range ids {
		l := d.license(id)
		if l.Payment != app.PaymentPaid || l.Key != keys[id] {
			t.Fatalf("license %d: %s, key %s; want paid with key %s", id, l.Payment, l.Key, keys[id])
		}
		h, err := d.svc.LicenseHistory(d.pa, id)
		if err != nil {
			t.Fatal(err)
		}
		if h[0].Field != "payment_status" || h[0].Old != "pending" || h[0].New != "paid" || h[0].Actor != d.pa.Email {
			t.Fatalf("latest history of %d: %+v; want payment_status pending → paid by %s", id, h[0], d.pa.Email)
		}
	}
	// Paid twice: refused, one payment.
	_, err = d.svc.PayInvoice(d.pa, inv.ID)
	wantErr(t, err, app.ErrConflict)
	_, err = d.svc.VoidInvoice(d.pa, inv.ID)
	wantErr(t, err, app.ErrConflict)
	// Paid licenses cannot be checked out again.
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: d.terms()})
	checkoutErr(t, err, nil, ids...)
}

func TestPayingTwiceAtOnceRecordsOnePayment(t *testing.T) {
	d := newDesk(t)
	inv := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 2))
	d.topUp(10 * inv.Total.Amount)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = d.svc.PayInvoice(d.pa, inv.ID) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, app.ErrConflict):
			t.Fatalf("concurrent payment: %v; want success or conflict", err)
		}
	}
	got, _ := d.svc.GetInvoice(d.op, inv.ID)
	if ok != 1 || len(got.Payments) != 1 || d.balance() != 9*inv.Total.Amount {
		t.Fatalf("%d payments succeeded, %d recorded, balance %d; want exactly one", ok, len(got.Payments), d.balance())
	}
}

func TestOperatorPaymentShortPartialAndFull(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 2)
	inv := d.checkout(d.pa, ids)
	total := inv.Total.Amount

	_, err := d.svc.RecordInvoicePayment(d.pa, inv.ID, app.InvoicePaymentInput{Amount: total})
	wantErr(t, err, app.ErrForbidden)
	// Short, not partial: refused with the difference.
	_, err = d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: total - 500, Reference: "BANK-1"})
	var short *app.ShortPaymentError
	if !errors.As(err, &short) || short.Short.Amount != 500 || !strings.Contains(err.Error(), "5.00 EUR") {
		t.Fatalf("short payment: %v; want refused 5.00 EUR short", err)
	}
	_, err = d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: total + 1})
	wantField(t, err, "amount")
	_, err = d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: total, Date: "2099-01-01"})
	wantField(t, err, "date")
	if got, _ := d.svc.GetInvoice(d.op, inv.ID); len(got.Payments) != 0 {
		t.Fatalf("refused payments were recorded: %+v", got.Payments)
	}
	// Partial: recorded, the rest stays open and the licenses pending.
	part, err := d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: total - 500, Reference: "BANK-1", Date: "2026-03-02", Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if part.State != app.InvoiceOpen || part.Due.Amount != 500 || !part.Payments[0].Partial || part.Payments[0].Date != "2026-03-02" {
		t.Fatalf("after a partial payment: %s, due %v, payments %+v", part.State, part.Due, part.Payments)
	}
	if l := d.license(ids[0]); l.Payment != app.PaymentPending {
		t.Fatalf("license %s after a partial payment; want pending", l.Payment)
	}
	_, err = d.svc.VoidInvoice(d.op, inv.ID)
	wantErr(t, err, app.ErrConflict)
	// The rest: paid in full, licenses paid.
	full, err := d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: 500, Reference: "BANK-2"})
	if err != nil {
		t.Fatal(err)
	}
	if full.State != app.InvoicePaid || full.Paid.Amount != total || len(full.Payments) != 2 {
		t.Fatalf("after the rest: %s, paid %v of %v", full.State, full.Paid, full.Total)
	}
	for _, id := range ids {
		if l := d.license(id); l.Payment != app.PaymentPaid {
			t.Fatalf("license %d %s; want paid", id, l.Payment)
		}
	}
	if d.balance() != 0 {
		t.Fatalf("an operator payment moved the balance to %d", d.balance())
	}
}

func TestInvoiceTaxReverseChargeAndPartnerIsolation(t *testing.T) {
	d := newDesk(t)
	if _, err := d.svc.SetBilling(d.op, d.p.ID, app.PartnerBilling{Name: "Manual Reseller GmbH", Address: "Hauptstr. 1\n10115 Berlin", TaxBP: 1900}); err != nil {
		t.Fatal(err)
	}
	_, err := d.svc.SetBilling(d.pa, d.p.ID, app.PartnerBilling{TaxBP: 0})
	wantErr(t, err, app.ErrForbidden)
	_, err = d.svc.SetBilling(d.op, d.p.ID, app.PartnerBilling{TaxBP: 10001})
	wantField(t, err, "tax_bp")
	inv := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 3))
	// 3 × 38.46 = 115.38; 19% = 21.9222 → 21.92.
	if inv.Subtotal.Amount != 11538 || inv.Tax.Amount != 2192 || inv.Total.Amount != 13730 || inv.ReverseCharge {
		t.Fatalf("subtotal %v tax %v total %v reverse %v; want 115.38 + 21.92 = 137.30", inv.Subtotal, inv.Tax, inv.Total, inv.ReverseCharge)
	}
	if inv.Billing.Name != "Manual Reseller GmbH" || !strings.Contains(inv.Billing.Address, "Berlin") || inv.Billing.Email != "billing@manual.example" {
		t.Fatalf("billing block %+v", inv.Billing)
	}
	if _, err := d.svc.SetBilling(d.op, d.p.ID, app.PartnerBilling{VATID: "de 123456789", TaxBP: 0}); err != nil {
		t.Fatal(err)
	}
	rc := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 1))
	if !rc.ReverseCharge || rc.Tax.Amount != 0 || rc.Billing.VATID != "DE123456789" {
		t.Fatalf("rate 0 with VAT ID: reverse %v tax %v vat %q", rc.ReverseCharge, rc.Tax, rc.Billing.VATID)
	}
	// Another partner sees none of it.
	other := d.partnerUser(d.partner("Other"), "olga@other.example")
	for _, err := range []error{
		func() error { _, err := d.svc.GetInvoice(other, inv.ID); return err }(),
		func() error { _, err := d.svc.PayInvoice(other, inv.ID); return err }(),
		func() error { _, err := d.svc.VoidInvoice(other, inv.ID); return err }(),
		func() error { _, err := d.svc.GetBilling(other, d.p.ID); return err }(),
	} {
		wantErr(t, err, app.ErrNotFound)
	}
	// Naming the partner's id is a probe of its data: not found.
	if page, err := d.svc.ListInvoices(other, app.ListParams{Filters: map[string]string{"partner_id": uid(d.p.ID)}}); !errors.Is(err, app.ErrNotFound) || page.Total != 0 {
		t.Fatalf("another partner listing the partner's invoices: %d (%v); want not found", page.Total, err)
	}
	if n := d.svc.OpenInvoiceCount(other); n != 0 {
		t.Fatalf("another partner's menu counts %d open invoices", n)
	}
	if n := d.svc.OpenInvoiceCount(d.pa); n != 2 {
		t.Fatalf("menu counts %d open invoices; want 2", n)
	}
}

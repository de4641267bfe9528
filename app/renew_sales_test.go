package app_test

import (
	"testing"

	"licensedesk/app"
)

// TestRenewalsCountInSalesAsTheirRefundsDo: a renewal paid from the
// balance is a sale of its month, as a purchase is; refunding it takes
// it off again. Before, a renewal added nothing and its refund took its
// price off, so a month with one renewal refunded showed negative sales.
func TestRenewalsCountInSalesAsTheirRefundsDo(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	month := func() int64 {
		t.Helper()
		s, err := r.svc.SalesByMonth(r.op, 1)
		if err != nil {
			t.Fatal(err)
		}
		if eur := s.Amounts["EUR"]; len(eur) == 1 {
			return eur[0]
		}
		return 0
	}
	if got := month(); got != 0 {
		t.Fatalf("sales before any sale: %d", got)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"})
	if err != nil {
		t.Fatal(err)
	}
	if got := month(); got != res.Renewal.Charged.Amount || got == 0 {
		t.Fatalf("sales after a renewal charged %v: %d", res.Renewal.Charged, got)
	}
	if _, err := r.svc.RefundOrder(r.op, res.Renewal.OrderID, app.RefundInput{Reason: "renewed by mistake"}); err != nil {
		t.Fatal(err)
	}
	if got := month(); got != 0 {
		t.Fatalf("sales after the renewal was refunded: %d; want 0", got)
	}
	// On an invoice: a sale when made, off again when the invoice is
	// deleted and the renewal undone.
	other := r.active("Business", 5, "")
	res, err = r.svc.RenewLicense(r.pa, other.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := month(); got != 3846 { // 10.99 × 5 seats − 30%, before any invoice tax
		t.Fatalf("sales after a renewal on an invoice: %d; want 3846", got)
	}
	if _, err := r.svc.VoidInvoice(r.pa, res.Renewal.InvoiceID); err != nil {
		t.Fatal(err)
	}
	if got := month(); got != 0 {
		t.Fatalf("sales after the renewal's invoice was deleted: %d; want 0", got)
	}
}

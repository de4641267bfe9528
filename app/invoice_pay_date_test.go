package app_test

import (
	"testing"
	"time"

	"licensedesk/app"
)

// A payment dated before its invoice was issued is refused naming date,
// and nothing is recorded; one dated on the day of issue is taken.
func TestPaymentDateNotBeforeInvoiceIssued(t *testing.T) {
	d := newDesk(t)
	inv := d.checkout(d.pa, d.pending(d.pa, d.product.ID, 1))
	issued := inv.Created.UTC()
	d.clk.Advance(72 * time.Hour)
	for _, date := range []string{"0001-01-01", issued.AddDate(0, 0, -1).Format(time.DateOnly)} {
		_, err := d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: 1, Partial: true, Date: date})
		wantField(t, err, "date")
	}
	if got, _ := d.svc.GetInvoice(d.op, inv.ID); len(got.Payments) != 0 || got.Paid.Amount != 0 {
		t.Fatalf("refused payments were recorded: %+v", got.Payments)
	}
	got, err := d.svc.RecordInvoicePayment(d.op, inv.ID, app.InvoicePaymentInput{Amount: 1, Partial: true, Date: issued.Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Payments) != 1 || got.Payments[0].Date != issued.Format(time.DateOnly) {
		t.Fatalf("payment on the day of issue: %+v", got.Payments)
	}
}

package app_test

import (
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// A license renewed on an open invoice cannot be handed to another
// partner until the invoice is paid or voided: neither starting a
// transfer nor approving one started before the invoice.
func TestTransferRefusesLicenseOnOpenRenewalInvoice(t *testing.T) {
	r := newRenewShop(t, 0)
	pb := r.partner("Beta Reseller")
	ub := r.partnerUser(pb, "bob@beta.example")

	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.CreateTransfer(r.pa, app.TransferInput{LicenseIDs: []uint64{r.lic.ID}, Target: pb.PublicID})
	wantField(t, err, "license_ids")
	if !strings.Contains(err.Error(), res.Renewal.InvoiceNumber) || !strings.Contains(err.Error(), r.lic.Key) {
		t.Fatalf("refusal %q names neither the license nor invoice %s", err, res.Renewal.InvoiceNumber)
	}
	_, err = r.svc.PreviewTransfer(r.pa, app.TransferInput{LicenseIDs: []uint64{r.lic.ID}, Target: pb.PublicID})
	wantField(t, err, "license_ids")

	// Voided: the period goes back, and the license may go.
	if _, err := r.svc.VoidInvoice(r.pa, res.Renewal.InvoiceID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.CreateTransfer(r.pa, app.TransferInput{LicenseIDs: []uint64{r.lic.ID}, Target: pb.PublicID}); err != nil {
		t.Fatalf("after the void: %v", err)
	}

	// A transfer started first: the license is not renewed on invoice or
	// by balance while it waits (its next owner would get the time), and
	// the approval then moves it with its period unchanged.
	l2 := r.active("Business", 5, "")
	tr, err := r.svc.CreateTransfer(r.pa, app.TransferInput{LicenseIDs: []uint64{l2.ID}, Target: pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	for _, pay := range []string{"invoice", "balance"} {
		_, err = r.svc.RenewLicense(r.pa, l2.ID, app.RenewInput{Periods: 1, Payment: pay})
		wantField(t, err, "transfer")
		if !strings.Contains(err.Error(), l2.Key) {
			t.Fatalf("refusal %q does not name the license", err)
		}
	}
	if _, err = r.svc.ApproveTransfer(ub, tr.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	if got := r.license(l2.ID); got.PartnerID != pb.ID || !got.ValidTo.Equal(*l2.ValidTo) {
		t.Fatalf("after the approval license %d is with partner %d to %s, want %d to %s", l2.ID, got.PartnerID, got.ValidTo, pb.ID, l2.ValidTo)
	}
}

// Licenses on an open month-end checkout invoice are held the same way.
func TestTransferRefusesLicenseOnOpenCheckoutInvoice(t *testing.T) {
	d := newDesk(t)
	pb := d.partner("Beta Reseller")
	ids := d.pending(d.pa, d.product.ID, 1)
	co, err := d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: d.terms()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.svc.CreateTransfer(d.pa, app.TransferInput{LicenseIDs: ids, Target: pb.PublicID})
	wantField(t, err, "license_ids")
	if !strings.Contains(err.Error(), co.Number) {
		t.Fatalf("refusal %q does not name invoice %s", err, co.Number)
	}
}

// Voiding a renewal invoice whose license the operator has since moved to
// another partner is refused, naming the license; nothing changes.
func TestVoidRenewalInvoiceRefusesMovedLicense(t *testing.T) {
	r := newRenewShop(t, 0)
	pb := r.partner("Beta Reseller")
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "invoice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.AssignLicense(r.op, r.lic.ID, app.AssignInput{PartnerID: &pb.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.VoidInvoice(r.op, res.Renewal.InvoiceID)
	wantField(t, err, "state")
	if !strings.Contains(err.Error(), r.lic.Key) {
		t.Fatalf("refusal %q does not name license %s", err, r.lic.Key)
	}
	if got := r.license(r.lic.ID); got.PartnerID != pb.ID || !got.ValidTo.Equal(*res.ValidTo) {
		t.Fatalf("a refused void left the license with partner %d to %s; want %d to %s", got.PartnerID, got.ValidTo, pb.ID, res.ValidTo)
	}
	if inv := r.invoice(res.Renewal.InvoiceID); inv.State != app.InvoiceOpen {
		t.Fatalf("a refused void left the invoice %s", inv.State)
	}
}

// A license in an open transfer is quoted and renewed by nobody until the
// transfer ends (409 naming the transfer, not a failure of the quote);
// once the transfer is past its time, the quote and the renewal go on.
func TestRenewalWaitsForAnOpenTransfer(t *testing.T) {
	r := newRenewShop(t, 100000)
	pb := r.partner("Beta Reseller")
	if _, err := r.svc.CreateTransfer(r.pa, app.TransferInput{LicenseIDs: []uint64{r.lic.ID}, Target: pb.PublicID}); err != nil {
		t.Fatal(err)
	}
	_, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	wantField(t, err, "transfer")
	_, err = r.svc.RenewLicense(r.op, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"})
	wantField(t, err, "transfer")

	r.clk.Set(r.clk.Now().Add(app.DefaultTransferTTL + time.Minute))
	if _, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1}); err != nil {
		t.Fatalf("a quote once the transfer is past its time: %v", err)
	}
	res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"})
	if err != nil || !res.ValidTo.After(*r.lic.ValidTo) {
		t.Fatalf("renewing once the transfer is past its time: %+v %v", res, err)
	}
}

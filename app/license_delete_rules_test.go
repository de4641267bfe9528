package app_test

import (
	"errors"
	"strings"
	"testing"

	"licensedesk/app"
)

// wantDeleteRefused asserts a refused delete: a conflict naming field and
// saying why, with the license still there and unchanged.
func wantDeleteRefused(t *testing.T, d *desk, a app.Actor, id uint64, field, why string) {
	t.Helper()
	before := d.license(id)
	err := d.svc.DeleteLicense(a, id)
	var ce *app.ConflictError
	if !errors.As(err, &ce) || ce.Field != field || !strings.Contains(ce.Message, why) {
		t.Fatalf("delete license %d as %s: got %v (%T); want a conflict on %q saying %q", id, a.Email, err, err, field, why)
	}
	after := d.license(id)
	if after.Deleted != nil || after.Status != before.Status || after.Payment != before.Payment || !after.Updated.Equal(before.Updated) {
		t.Fatalf("refused delete changed license %d: %+v -> %+v", id, before.License, after.License)
	}
}

// A partner deletes only licenses it is done with; nobody deletes one an
// open invoice bills or an open transfer holds.
func TestDeleteLicenseRules(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 4)

	// Payment pending: the manual-program partner would never be billed.
	wantDeleteRefused(t, d, d.pa, ids[0], "payment_status", "payment pending")
	pend, err := d.svc.ListLicenses(d.pa, app.ListParams{Filters: map[string]string{"payment_status": "pending"}})
	if err != nil {
		t.Fatal(err)
	}
	if pend.Total != 4 {
		t.Fatalf("payment pending view has %d licenses after refused deletes, want 4", pend.Total)
	}

	// On an open invoice: refused for the partner and the operator alike.
	inv := d.checkout(d.pa, []uint64{ids[1]})
	wantDeleteRefused(t, d, d.pa, ids[1], "invoice", inv.Number)
	wantDeleteRefused(t, d, d.op, ids[1], "invoice", "open invoice")
	if got, err := d.svc.GetInvoice(d.op, inv.ID); err != nil || got.State != app.InvoiceOpen {
		t.Fatalf("invoice after refused deletes: %+v %v", got.State, err)
	}
	// Once the invoice is void the operator may delete the license.
	if _, err := d.svc.VoidInvoice(d.op, inv.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.DeleteLicense(d.op, ids[1]); err != nil {
		t.Fatalf("operator deleting a license off a void invoice: %v", err)
	}

	// Paid but active (the keys work at once): in use.
	paid := d.checkout(d.pa, []uint64{ids[2]})
	d.topUp(1_000_000)
	if _, err := d.svc.PayInvoice(d.pa, paid.ID); err != nil {
		t.Fatal(err)
	}
	l := d.license(ids[2])
	if l.Payment != app.PaymentPaid || l.Status != app.StatusActive {
		t.Fatalf("license after paying: %s, %s; want paid and active", l.Payment, l.Status)
	}
	wantDeleteRefused(t, d, d.pa, ids[2], "status", "active")
	// Activated on a machine: in use, even suspended.
	if _, err := d.svc.ClientActivate(call(l, "m-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.SuspendLicense(d.pa, ids[2]); err != nil {
		t.Fatal(err)
	}
	wantDeleteRefused(t, d, d.pa, ids[2], "registrations", "machine")
	// The operator may: it is paid, on no open invoice, in no transfer.
	if err := d.svc.DeleteLicense(d.op, ids[2]); err != nil {
		t.Fatalf("operator deleting a paid, suspended license: %v", err)
	}
	if _, err := d.svc.GetLicense(d.pa, ids[2]); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("deleted license still readable: %v", err)
	}

	// The operator may delete a pending license (history keeps it); the
	// partner's own delete stays refused.
	if err := d.svc.DeleteLicense(d.op, ids[0]); err != nil {
		t.Fatalf("operator deleting a pending license: %v", err)
	}
}

// A license in an open transfer is not deleted, by anyone, until the
// transfer is cancelled.
func TestDeleteLicenseInOpenTransfer(t *testing.T) {
	d := newDesk(t)
	other := d.partner("Target Reseller")
	ids := d.pending(d.pa, d.product.ID, 1)
	tr, err := d.svc.CreateTransfer(d.pa, app.TransferInput{LicenseIDs: ids, Target: other.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	wantDeleteRefused(t, d, d.op, ids[0], "transfer", "open transfer")
	if _, err := d.svc.CancelTransfer(d.pa, tr.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.DeleteLicense(d.op, ids[0]); err != nil {
		t.Fatalf("delete after the transfer was cancelled: %v", err)
	}
}

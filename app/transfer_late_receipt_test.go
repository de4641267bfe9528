package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// lateReceipt is a transfer by file from src to dst that dst approved
// with the secret; the receipt has not reached src yet.
type lateReceipt struct {
	src, dst *licFix
	ls       []app.LicenseView // on src, as they were before the file went out
	tr       app.Transfer      // on src
	receipt  []byte
}

func newLateReceipt(t *testing.T) lateReceipt {
	t.Helper()
	src, l := transferFix(t)
	dst := newLicFix(t)
	second := src.one(src.ua, app.LicenseCreate{ProductID: src.fw.ID, Edition: "business", Seats: 2, PeriodMonths: 12,
		PartnerID: src.pa.ID, Customer: "Harbor Co"})
	ls := []app.LicenseView{activeAutoRenew(t, src, l), src.get(second.ID)}
	tr, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{ls[0].ID, ls[1].ID}, Target: dst.pb.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, err := src.svc.TransferFile(src.ua, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	in, err := dst.svc.ImportTransferFile(dst.ub, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.svc.ApproveTransfer(dst.ub, in.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	receipt, err := dst.svc.TransferReceipt(dst.ub, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	return lateReceipt{src: src, dst: dst, ls: ls, tr: tr, receipt: receipt}
}

// wantTransferredOut: the receipt closed the transfer on the source and
// every license is kept there read-only as transferred out, saying the
// receipt came after the transfer had ended here.
func (x lateReceipt) wantTransferredOut(t *testing.T, ended app.TransferState) {
	t.Helper()
	done := wantState(t, x.src, x.src.ua, x.tr.ID, app.TransferApproved)
	if !strings.Contains(done.Reason, string(ended)) {
		t.Errorf("the transfer's reason %q does not say it was %s before the receipt", done.Reason, ended)
	}
	for _, l := range x.ls {
		got := x.src.get(l.ID)
		if got.Status != app.StatusTransferredOut || got.AutoRenew || got.PartnerID != x.src.pa.ID || got.Key != l.Key {
			t.Errorf("license %s after the late receipt: %s, auto-renew %v, partner %d", l.Key, got.Status, got.AutoRenew, got.PartnerID)
		}
		h := x.src.history(l.ID)
		if len(h) == 0 || h[0].Action != "transfer_receipt" || !strings.Contains(h[0].New, "after the transfer was "+string(ended)) {
			t.Errorf("history of %s: %+v", l.Key, h)
		}
		if _, err := x.src.svc.EditLicense(x.src.ua, l.ID, app.LicenseEdit{Name: licP("x")}); err == nil {
			t.Errorf("license %s transferred out was edited", l.Key)
		}
		// Keys exactly as they were, now owned on the receiving desk.
		if theirs, err := x.dst.svc.LicenseByKey(x.dst.ub, l.Key); err != nil || theirs.PartnerID != x.dst.pb.ID {
			t.Errorf("key %s on the receiving desk: %v", l.Key, err)
		}
	}
	if _, err := x.src.svc.ImportReceipt(x.src.ua, x.receipt); err == nil || !strings.Contains(err.Error(), "already imported") {
		t.Errorf("the late receipt imported twice: %v", err)
	}
}

// The giver cancelled after the receiving desk had approved: the file
// was out and cannot be recalled, so the genuine receipt still marks the
// licenses transferred out rather than leaving both desks owning them.
func TestLateReceiptAfterCancelMarksTransferredOut(t *testing.T) {
	t.Parallel()
	x := newLateReceipt(t)
	if _, err := x.src.svc.CancelTransfer(x.src.ua, x.tr.ID); err != nil {
		t.Fatal(err)
	}
	if got := x.src.get(x.ls[0].ID); got.Status != app.StatusActive || !got.AutoRenew {
		t.Fatalf("after the cancel: %s, auto-renew %v", got.Status, got.AutoRenew)
	}
	// A forged receipt is refused as for an open transfer.
	forged := rewrite(t, x.receipt, func(env, p map[string]any) { p["proof"] = "AAAA" })
	if _, err := x.src.svc.ImportReceipt(x.src.ua, forged); err == nil {
		t.Fatal("a changed receipt was accepted for a cancelled transfer")
	}
	if _, err := x.src.svc.ImportReceipt(x.src.ub, x.receipt); err == nil {
		t.Fatal("another partner imported the receipt")
	}
	wantState(t, x.src, x.src.ua, x.tr.ID, app.TransferCancelled)
	if _, err := x.src.svc.ImportReceipt(x.src.ua, x.receipt); err != nil {
		t.Fatalf("the genuine receipt after the cancel: %v", err)
	}
	x.wantTransferredOut(t, app.TransferCancelled)
}

// The file's time passed on the giving desk before the receipt came,
// but the receiving desk approved it in time.
func TestLateReceiptAfterExpiryMarksTransferredOut(t *testing.T) {
	t.Parallel()
	x := newLateReceipt(t)
	x.src.clk.Add(app.DefaultTransferTTL + time.Hour)
	if n, err := x.src.svc.SweepTransfers(); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	wantState(t, x.src, x.src.ua, x.tr.ID, app.TransferExpired)
	if _, err := x.src.svc.ImportReceipt(x.src.op, x.receipt); err != nil {
		t.Fatalf("the genuine receipt after the expiry: %v", err)
	}
	x.wantTransferredOut(t, app.TransferExpired)
}

// After the cancel the licenses were usable here again. If one has gone
// on to another transfer or another partner, the late receipt is refused
// with the reason and changes nothing, until that is undone.
func TestLateReceiptRefusedWhileLicensesMovedOn(t *testing.T) {
	t.Parallel()
	t.Run("in another transfer", func(t *testing.T) {
		t.Parallel()
		x := newLateReceipt(t)
		if _, err := x.src.svc.CancelTransfer(x.src.ua, x.tr.ID); err != nil {
			t.Fatal(err)
		}
		local, err := x.src.svc.CreateTransfer(x.src.ua, app.TransferInput{LicenseIDs: []uint64{x.ls[1].ID}, Target: x.src.pb.PublicID})
		if err != nil {
			t.Fatal(err)
		}
		before := []app.LicenseView{x.src.get(x.ls[0].ID), x.src.get(x.ls[1].ID)}
		_, err = x.src.svc.ImportReceipt(x.src.ua, x.receipt)
		var ce *app.ConflictError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), x.ls[1].Key+" is in transfer") || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("late receipt while a license is in another transfer: %v", err)
		}
		for i, b := range before {
			if got := x.src.get(b.ID); !sameExceptUpdated(got.License, b.License) || !got.Updated.Equal(b.Updated) {
				t.Errorf("a refused receipt changed license %d: %+v", i, got.License)
			}
		}
		wantState(t, x.src, x.src.ua, x.tr.ID, app.TransferCancelled)
		wantState(t, x.src, x.src.ua, local.ID, app.TransferPending)
		// Cancel the other transfer, and the receipt goes through.
		if _, err := x.src.svc.CancelTransfer(x.src.ua, local.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := x.src.svc.ImportReceipt(x.src.ua, x.receipt); err != nil {
			t.Fatalf("the receipt once the other transfer is cancelled: %v", err)
		}
		x.wantTransferredOut(t, app.TransferCancelled)
	})
	t.Run("with another partner", func(t *testing.T) {
		t.Parallel()
		x := newLateReceipt(t)
		if _, err := x.src.svc.CancelTransfer(x.src.ua, x.tr.ID); err != nil {
			t.Fatal(err)
		}
		local, err := x.src.svc.CreateTransfer(x.src.ua, app.TransferInput{LicenseIDs: []uint64{x.ls[0].ID}, Target: x.src.pb.PublicID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.src.svc.ApproveTransfer(x.src.op, local.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = x.src.svc.ImportReceipt(x.src.op, x.receipt)
		if err == nil || !strings.Contains(err.Error(), x.ls[0].Key+" has moved to another partner") {
			t.Fatalf("late receipt while a license is with another partner: %v", err)
		}
		if got := x.src.get(x.ls[0].ID); got.PartnerID != x.src.pb.ID || got.Status != app.StatusActive {
			t.Errorf("a refused receipt changed the moved license: %s of %d", got.Status, got.PartnerID)
		}
		if got := x.src.get(x.ls[1].ID); got.Status != app.StatusActive {
			t.Errorf("a refused receipt changed the other license: %s", got.Status)
		}
		wantState(t, x.src, x.src.op, x.tr.ID, app.TransferCancelled)
	})
}

package app_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// A license that stopped being transferable while its in-desk transfer
// waited (here: the operator cancelled it) is not handed over on
// approval, with or without the secret; nothing is written, and the
// transfer can still be rejected or cancelled.
func TestApproveRefusesALicenseNoLongerTransferable(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelLicense(f.op, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, try := range []struct {
		who    app.Actor
		secret string
	}{{f.ub, tr.Secret}, {f.op, ""}} {
		_, err := f.svc.ApproveTransfer(try.who, tr.ID, try.secret)
		var ce *app.ConflictError
		if !errors.As(err, &ce) || ce.Field != "licenses" || !strings.Contains(ce.Message, fmt.Sprintf("license %d is cancelled", l.ID)) ||
			!strings.Contains(ce.Message, "can no longer be transferred") {
			t.Fatalf("%s approves a transfer of a cancelled license: %v", try.who.Email, err)
		}
		if strings.Contains(ce.Message, l.Key) {
			t.Errorf("the refusal shows the receiver the key: %s", ce.Message)
		}
		// Nothing written: the transfer waits, unguessed; the license is A's, cancelled.
		if got := wantState(t, f, f.op, tr.ID, app.TransferPending); got.WrongGuesses != 0 || got.Closed != nil {
			t.Errorf("transfer after the refused approval: %+v", got)
		}
		if got := f.get(l.ID); got.PartnerID != f.pa.ID || got.Status != app.StatusCancelled || got.Customer != l.Customer || got.Notes != l.Notes {
			t.Errorf("license after the refused approval: partner %d %s %q %q", got.PartnerID, got.Status, got.Customer, got.Notes)
		}
		if _, err := f.svc.GetLicense(f.ub, l.ID); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("B reads the license after a refused approval: %v", err)
		}
		if h, _ := f.svc.LicenseHistory(f.ub, l.ID); len(h) != 0 {
			t.Errorf("B has history of the license: %+v", h)
		}
	}
	// The receiver can still turn it down.
	if _, err := f.svc.RejectTransfer(f.ub, tr.ID, "it was cancelled"); err != nil {
		t.Fatal(err)
	}
	wantState(t, f, f.ub, tr.ID, app.TransferRejected)
}

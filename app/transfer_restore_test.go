package app_test

import (
	"reflect"
	"testing"
	"time"

	"licensedesk/app"
)

// activeAutoRenew turns the fixture's license active with auto-renew on.
func activeAutoRenew(t *testing.T, f *licFix, l app.LicenseView) app.LicenseView {
	t.Helper()
	if l.Status == app.StatusOrdered {
		if _, err := f.svc.EnableLicense(f.ua, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	on := true
	if _, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenew: &on}); err != nil {
		t.Fatal(err)
	}
	got := f.get(l.ID)
	if got.Status != app.StatusActive || !got.AutoRenew {
		t.Fatalf("fixture license is %s, auto-renew %v", got.Status, got.AutoRenew)
	}
	return got
}

// sameExceptUpdated compares two licenses field by field, all but the
// time of the last change.
func sameExceptUpdated(a, b app.License) bool {
	a.Updated, b.Updated = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// A transfer to another desk that ends without a receipt (cancelled by
// the giver, rejected by the operator, or expired) gives every license
// back exactly as it was before the file went out: its status, and
// auto-renew, which is off while the license is transferring.
func TestTransferEndWithoutReceiptRestoresLicenses(t *testing.T) {
	t.Parallel()
	endings := []struct {
		name  string
		state app.TransferState
		end   func(f *licFix, id uint64) error
	}{
		{"cancel", app.TransferCancelled, func(f *licFix, id uint64) error { _, err := f.svc.CancelTransfer(f.ua, id); return err }},
		{"operator reject", app.TransferRejected, func(f *licFix, id uint64) error {
			_, err := f.svc.RejectTransfer(f.op, id, "wrong desk")
			return err
		}},
		{"expiry", app.TransferExpired, func(f *licFix, id uint64) error {
			f.clk.Add(app.DefaultTransferTTL + time.Minute)
			_, err := f.svc.SweepTransfers()
			return err
		}},
	}
	for _, e := range endings {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f, l := transferFix(t)
			before := activeAutoRenew(t, f, l)
			tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: "P-2222-3333", File: true})
			if err != nil {
				t.Fatal(err)
			}
			out := f.get(l.ID)
			if out.Status != app.StatusTransferring || out.AutoRenew {
				t.Fatalf("while the file is out: %s, auto-renew %v; want transferring, off", out.Status, out.AutoRenew)
			}
			if err := e.end(f, tr.ID); err != nil {
				t.Fatal(err)
			}
			wantState(t, f, app.System, tr.ID, e.state)
			after := f.get(l.ID)
			if !sameExceptUpdated(before.License, after.License) {
				t.Errorf("after the transfer ended (%s) the license is\n%+v\nwant it as before\n%+v", e.state, after.License, before.License)
			}
			// Both changes are in the owner's history, each way.
			h := f.history(l.ID)
			if !historyHas(h, "transfer_file", "auto_renew", "true", "false", f.ua.Email) {
				t.Errorf("no history of auto-renew switched off by the file: %+v", h)
			}
			want := "transfer_" + string(e.state)
			if !historyHasAction(h, want, "auto_renew", "false", "true") || !historyHasAction(h, want, "status", "transferring", "active") {
				t.Errorf("no history of status and auto-renew restored (%s): %+v", want, h)
			}
			// The owner can use and change it again.
			if _, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP("usable again")}); err != nil {
				t.Errorf("edit after the transfer ended: %v", err)
			}
		})
	}
}

func historyHasAction(h []app.HistoryEntry, action, field, old, new string) bool {
	for _, e := range h {
		if e.Action == action && e.Field == field && e.Old == old && e.New == new {
			return true
		}
	}
	return false
}

// An in-desk transfer changes nothing on the licenses while it is
// pending, so ending it leaves them exactly as they were, auto-renew on.
func TestLocalTransferCancelLeavesLicenseAsItWas(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	before := activeAutoRenew(t, f, l)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelTransfer(f.ua, tr.ID); err != nil {
		t.Fatal(err)
	}
	if after := f.get(l.ID); !sameExceptUpdated(before.License, after.License) {
		t.Errorf("after cancelling the in-desk transfer the license is\n%+v\nwant\n%+v", after.License, before.License)
	}
	// And it can be handed over again.
	if _, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID}); err != nil {
		t.Errorf("a new transfer after the cancel: %v", err)
	}
}

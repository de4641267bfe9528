package app_test

import (
	"context"
	"testing"
	"time"

	"licensedesk/app"
)

// The background jobs record a transfer's expiry: a license whose
// transfer file nobody answered is no longer held "transferring" once the
// file has expired and the jobs have run.
func TestTransferExpiryRunsAsAJob(t *testing.T) {
	src, l := transferFix(t)
	dst := newLicFix(t)
	if _, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: dst.pb.PublicID, File: true}); err != nil {
		t.Fatal(err)
	}
	if got := src.get(l.ID); got.Status != app.StatusTransferring {
		t.Fatalf("status %s after the file went out", got.Status)
	}
	src.clk.Add(app.DefaultTransferTTL + 2*time.Minute)
	if err := src.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := src.get(l.ID); got.Status == app.StatusTransferring {
		t.Errorf("the license is still transferring after its file expired and the jobs ran")
	}
}

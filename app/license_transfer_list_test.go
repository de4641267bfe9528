package app_test

import (
	"testing"

	"licensedesk/app"
)

// A license handed to another desk by file turns "transferring": it stays
// in its owner's list (read-only) and in the total, for the partner and
// for the operator.
func TestTransferringLicensesStayInTheList(t *testing.T) {
	src, l := transferFix(t)
	dst := newLicFix(t)
	all := app.ListParams{Filters: map[string]string{"view": "all"}}
	count := func(a app.Actor) (int, int) {
		t.Helper()
		pg, err := src.svc.ListLicenses(a, all)
		if err != nil {
			t.Fatal(err)
		}
		return len(pg.Items), pg.Total
	}
	rowsP, totalP := count(src.ua)
	rowsS, totalS := count(app.System)
	if _, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: dst.pb.PublicID, File: true}); err != nil {
		t.Fatal(err)
	}
	if got := src.get(l.ID); got.Status != app.StatusTransferring {
		t.Fatalf("status %s after the file went out", got.Status)
	}
	if r, n := count(src.ua); r != rowsP || n != totalP {
		t.Errorf("the partner's list holds %d of %d, before %d of %d", r, n, rowsP, totalP)
	}
	if r, n := count(app.System); r != rowsS || n != totalS {
		t.Errorf("the operator's list holds %d of %d, before %d of %d", r, n, rowsS, totalS)
	}
}

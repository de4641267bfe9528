package app_test

import (
	"strings"
	"testing"

	"licensedesk/app"
)

// TestBulkSuspendEnable: ticked licenses change in one call, each with
// its history.
func TestBulkSuspendEnable(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Bulk Kunde"
	in.Count = 5
	ls := f.create(f.ua, in)
	ids := []uint64{ls[0].ID, ls[2].ID, ls[4].ID, ls[2].ID} // a repeated tick counts once
	n, err := f.svc.BulkLicenses(f.ua, app.BulkSuspend, ids)
	if err != nil || n != 3 {
		t.Fatalf("bulk suspend: %d %v; want 3", n, err)
	}
	for i, l := range ls {
		want := app.StatusActive
		if i%2 == 0 {
			want = app.StatusSuspended
		}
		if got := f.get(l.ID).Status; got != want {
			t.Errorf("license %d is %s; want %s", i, got, want)
		}
	}
	if !historyHas(f.history(ls[2].ID), "suspend", "status", "active", "suspended", f.ua.Email) {
		t.Error("bulk suspend wrote no history")
	}
	if pg := f.list(f.ua, map[string]string{"status": "suspended"}, ""); pg.Total != 3 {
		t.Errorf("suspended filter after bulk: %d", pg.Total)
	}
	n, err = f.svc.BulkLicenses(f.op, app.BulkEnable, ids[:3])
	if err != nil || n != 3 {
		t.Fatalf("bulk enable: %d %v", n, err)
	}
	if pg := f.list(f.ua, map[string]string{"status": "active"}, ""); pg.Total != 5 {
		t.Errorf("active after bulk enable: %d", pg.Total)
	}
	// Bulk enable of unused keys starts each one's period.
	in = f.lic()
	in.Count = 2
	unused := f.create(f.ua, in)
	if n, err := f.svc.BulkLicenses(f.ua, app.BulkEnable, []uint64{unused[0].ID, unused[1].ID}); err != nil || n != 2 {
		t.Fatalf("bulk enable unused: %d %v", n, err)
	}
	for _, l := range unused {
		if got := f.get(l.ID); got.Status != app.StatusActive || got.ValidFrom == nil || !got.ValidFrom.Equal(licT0) {
			t.Errorf("bulk-enabled key: %s from %v", got.Status, got.ValidFrom)
		}
	}
}

// TestBulkAllOrNothing: when one ticked license cannot move, nothing
// changes, no history is written, and the error names that license.
func TestBulkAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Bulk Kunde"
	in.Count = 4
	ls := f.create(f.ua, in)
	unused := f.one(f.ua, f.lic())
	in.Count = 1
	other := f.one(f.ub, in)
	if _, err := f.svc.SuspendLicense(f.ua, ls[3].ID); err != nil {
		t.Fatal(err)
	}
	historyLen := map[uint64]int{}
	for _, l := range append(ls, unused, other) {
		historyLen[l.ID] = len(f.history(l.ID))
	}
	cases := []struct {
		as     app.Actor
		action string
		ids    []uint64
		blame  uint64 // the license the error names
		says   string
	}{
		// ls[3] is already suspended: it is named, ls[0..2] stay active.
		{f.ua, app.BulkSuspend, []uint64{ls[0].ID, ls[1].ID, ls[3].ID, ls[2].ID}, ls[3].ID, "already suspended"},
		// An unused key cannot be suspended.
		{f.op, app.BulkSuspend, []uint64{ls[0].ID, unused.ID}, unused.ID, "unused"},
		// Another partner's license is "no license" to A, and blocks the rest.
		{f.ua, app.BulkSuspend, []uint64{ls[0].ID, other.ID, ls[1].ID}, other.ID, "no license"},
		{f.ua, app.BulkSuspend, []uint64{ls[0].ID, 9999}, 9999, "no license"},
		// Enabling the active ones fails on the first active.
		{f.ua, app.BulkEnable, []uint64{ls[3].ID, ls[0].ID}, ls[0].ID, "already active"},
	}
	for _, c := range cases {
		n, err := f.svc.BulkLicenses(c.as, c.action, c.ids)
		ve := licWantField(t, err, "ids")
		if n != 0 {
			t.Errorf("%s %v: says %d changed", c.action, c.ids, n)
		}
		if !strings.Contains(ve.Message, uidStr(c.blame)) || !strings.Contains(ve.Message, c.says) || !strings.Contains(ve.Message, "nothing was changed") {
			t.Errorf("%s %v: message %q; want it to name license %d, say %q and that nothing changed", c.action, c.ids, ve.Message, c.blame, c.says)
		}
		for i, l := range ls {
			want := app.StatusActive
			if i == 3 {
				want = app.StatusSuspended
			}
			if got := f.get(l.ID).Status; got != want {
				t.Fatalf("after a refused bulk %s license %d is %s; want %s", c.action, i, got, want)
			}
		}
		if got := f.get(other.ID).Status; got != app.StatusActive {
			t.Fatalf("another partner's license moved to %s", got)
		}
		for id, n := range historyLen {
			if got := len(f.history(id)); got != n {
				t.Fatalf("refused bulk wrote history for license %d", id)
			}
		}
	}
	_, err := f.svc.BulkLicenses(f.ua, "delete", []uint64{ls[0].ID})
	licWantField(t, err, "action")
	_, err = f.svc.BulkLicenses(f.ua, app.BulkSuspend, nil)
	licWantField(t, err, "ids")
	big := make([]uint64, app.MaxCreate+1)
	for i := range big {
		big[i] = uint64(i + 1)
	}
	_, err = f.svc.BulkLicenses(f.op, app.BulkSuspend, big)
	licWantField(t, err, "ids")
}

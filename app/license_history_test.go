package app_test

import (
	"testing"
	"time"

	"licensedesk/app"
)

// TestHistoryWhoWhenOldNew (F12): every change leaves who, when, the
// field and old → new, newest first; a create records what was set.
func TestHistoryWhoWhenOldNew(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Name = "Kasse 1"
	in.IP = "198.51.100.20"
	l := f.one(f.ua, in)
	h := f.history(l.ID)
	for _, e := range h {
		if e.Action != "create" || e.Actor != f.ua.Email || !e.At.Equal(licT0) || e.LicenseID != l.ID || e.Old != "" {
			t.Errorf("create entry %+v", e)
		}
	}
	if !historyHas(h, "create", "name", "", "Kasse 1", f.ua.Email) || !historyHas(h, "create", "status", "", "ordered", f.ua.Email) ||
		!historyHas(h, "create", "ip", "", "198.51.100.20", f.ua.Email) {
		t.Errorf("create history lacks name/status/ip: %+v", h)
	}

	steps := []struct {
		by     app.Actor
		do     func(app.Actor) error
		action string
		field  string
		old    string
		new    string
	}{
		{f.ua, func(a app.Actor) error {
			_, err := f.svc.EditLicense(a, l.ID, app.LicenseEdit{Name: licP("Kasse 2")})
			return err
		}, "edit", "name", "Kasse 1", "Kasse 2"},
		{f.op, func(a app.Actor) error {
			_, err := f.svc.EditLicense(a, l.ID, app.LicenseEdit{IP: licP("198.51.100.21")})
			return err
		}, "edit", "ip", "198.51.100.20", "198.51.100.21"},
		{f.ua, func(a app.Actor) error { _, err := f.svc.EnableLicense(a, l.ID); return err }, "enable", "status", "ordered", "active"},
		{f.ua, func(a app.Actor) error { _, err := f.svc.SuspendLicense(a, l.ID); return err }, "suspend", "status", "active", "suspended"},
		{f.op, func(a app.Actor) error { _, err := f.svc.EnableLicense(a, l.ID); return err }, "enable", "status", "suspended", "active"},
		{f.ua, func(a app.Actor) error { _, err := f.svc.SetNotes(a, l.ID, "see ticket 4711"); return err }, "edit", "notes", "", "see ticket 4711"},
		{f.op, func(a app.Actor) error { _, err := f.svc.CancelLicense(a, l.ID); return err }, "cancel", "status", "active", "cancelled"},
	}
	for i, s := range steps {
		f.clk.Add(time.Hour)
		before := len(f.history(l.ID))
		if err := s.do(s.by); err != nil {
			t.Fatalf("step %d (%s %s): %v", i, s.action, s.field, err)
		}
		h := f.history(l.ID)
		if len(h) <= before {
			t.Fatalf("step %d (%s) wrote no history", i, s.action)
		}
		var found bool
		for _, e := range h[:len(h)-before] {
			if e.At != f.clk.Now() || e.Actor != s.by.Email || e.Action != s.action {
				t.Errorf("step %d: new entry %+v; want %s by %s at %v", i, e, s.action, s.by.Email, f.clk.Now())
			}
			found = found || e.Field == s.field && e.Old == s.old && e.New == s.new
		}
		if !found {
			t.Errorf("step %d: no entry %s %q → %q in %+v", i, s.field, s.old, s.new, h[:len(h)-before])
		}
	}
	// The enable also recorded the period it started.
	if !historyHas(f.history(l.ID), "enable", "valid_from", "", licT0.Add(3*time.Hour).Format(time.RFC3339), f.ua.Email) {
		t.Error("enabling the key did not record valid_from")
	}
	// Newest first.
	h = f.history(l.ID)
	for i := 1; i < len(h); i++ {
		if h[i].At.After(h[i-1].At) || h[i].At.Equal(h[i-1].At) && h[i].ID > h[i-1].ID {
			t.Fatalf("history not newest first at %d: %+v then %+v", i, h[i-1], h[i])
		}
	}
}

// TestRefusedChangeWritesNoHistory: history is written in the change's
// transaction, so a refused change leaves neither a change nor an entry.
func TestRefusedChangeWritesNoHistory(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	n := len(f.history(l.ID))
	refused := []func() error{
		// The name is valid, the IP is not: neither is kept.
		func() error {
			_, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP("Renamed"), IP: licP("999.0.0.1")})
			return err
		},
		func() error {
			_, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Notes: licP("note"), AutoRenew: licP(true)})
			return err
		},
		func() error { _, err := f.svc.SuspendLicense(f.ua, l.ID); return err },
		func() error { _, err := f.svc.CancelLicense(f.ua, l.ID); return err },
		func() error { _, err := f.svc.EditLicense(f.ub, l.ID, app.LicenseEdit{Name: licP("x")}); return err },
		func() error { _, err := f.svc.BulkLicenses(f.ua, app.BulkSuspend, []uint64{l.ID}); return err },
		func() error {
			_, err := f.svc.AssignLicense(f.ua, l.ID, app.AssignInput{Customer: licP("Valid Customer"), CustomerEmail: licP("bad")})
			return err
		},
	}
	for i, fn := range refused {
		if err := fn(); err == nil {
			t.Fatalf("change %d was accepted", i)
		}
		if got := len(f.history(l.ID)); got != n {
			t.Fatalf("refused change %d wrote history: %d entries, was %d", i, got, n)
		}
	}
	got := f.get(l.ID)
	if got.Name != l.Name || got.Notes != "" || got.Status != app.StatusOrdered || got.Customer != "" {
		t.Errorf("refused changes left traces: %+v", got)
	}
}

// TestDeleteKeepsHistory (F15): a deleted license is gone from the page,
// the list and the search, and its history stays readable with the
// delete in it; another partner still cannot read it.
func TestDeleteKeepsHistory(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Notes = "doomed workstation"
	in.Customer = "Abriss GmbH"
	l := f.one(f.ua, in)
	keep := f.one(f.ua, in)
	if _, err := f.svc.SetNotes(f.ua, l.ID, "doomed workstation, replaced"); err != nil {
		t.Fatal(err)
	}
	before := f.count()
	f.clk.Add(time.Hour)
	licWantIs(t, f.svc.DeleteLicense(f.ub, l.ID), app.ErrNotFound)
	if err := f.svc.DeleteLicense(f.op, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.GetLicense(f.op, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	_, err = f.svc.GetLicense(f.ua, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	if after := f.count(); after != before-1 {
		t.Errorf("count %d → %d after a delete", before, after)
	}
	for _, q := range []string{"doomed", l.Key, "*" + l.Key[6:11] + "*", "Abriss"} {
		for _, a := range []app.Actor{f.op, f.ua} {
			pg := f.list(a, map[string]string{"q": q}, "")
			for _, id := range licIDs(pg) {
				if id == l.ID {
					t.Errorf("search %q as %s still finds the deleted license", q, a.Email)
				}
			}
		}
	}
	if pg := f.list(f.ua, map[string]string{"q": "doomed"}, ""); !sameIDs(licIDs(pg), []uint64{keep.ID}) {
		t.Errorf("search doomed finds %v; want only the kept license", licIDs(pg))
	}
	for _, filters := range []map[string]string{nil, {"status": "ordered"}, {"product_id": uidStr(f.av.ID)}, {"view": "unused"}, {"id": uidStr(l.ID)}} {
		for _, sort := range []string{"", "-valid_to", "id", "name"} {
			for _, id := range licIDs(f.list(f.op, filters, sort)) {
				if id == l.ID {
					t.Errorf("list %v sort %q still shows the deleted license", filters, sort)
				}
			}
		}
	}
	groups, err := f.svc.GroupLicenses(f.op, app.ListParams{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, g := range groups {
		total += g.Count
	}
	if total != before-1 {
		t.Errorf("groups count %d licenses; want %d", total, before-1)
	}
	// The operator keeps the history of a deleted license; for the
	// partner it is gone with the license (issue 7: the license answered
	// 404 while its history still answered).
	_, err = f.svc.LicenseHistory(f.ua, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	for _, a := range []app.Actor{f.op} {
		h, err := f.svc.LicenseHistory(a, l.ID)
		if err != nil {
			t.Fatalf("history after delete as %s: %v", a.Email, err)
		}
		if h[0].Action != "delete" || h[0].Actor != f.op.Email || !h[0].At.Equal(licT0.Add(time.Hour)) {
			t.Errorf("latest entry after delete: %+v", h[0])
		}
		if !historyHas(h, "edit", "notes", "doomed workstation", "doomed workstation, replaced", f.ua.Email) {
			t.Errorf("earlier history lost after delete")
		}
	}
	_, err = f.svc.LicenseHistory(f.ub, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	// Deleted means deleted: no edit, no second delete, survives a restart.
	_, err = f.svc.EditLicense(f.op, l.ID, app.LicenseEdit{Name: licP("back")})
	licWantIs(t, err, app.ErrNotFound)
	licWantIs(t, f.svc.DeleteLicense(f.op, l.ID), app.ErrNotFound)
	f.reopen()
	_, err = f.svc.GetLicense(f.op, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	if pg := f.list(f.op, map[string]string{"q": l.Key}, ""); pg.Total != 0 {
		t.Error("deleted key found after a restart")
	}
	if h := f.history(l.ID); h[0].Action != "delete" {
		t.Errorf("history after restart: %+v", h[0])
	}
	// Rebuilding the index from scratch does not bring it back either.
	if err := f.svc.Reindex(); err != nil {
		t.Fatal(err)
	}
	if pg := f.list(f.op, map[string]string{"q": "doomed"}, ""); !sameIDs(licIDs(pg), []uint64{keep.ID}) {
		t.Errorf("after a rebuild search finds %v", licIDs(pg))
	}
	_, err = f.svc.LicenseHistory(f.op, 9999)
	licWantIs(t, err, app.ErrNotFound)
}

package app_test

import (
	"context"
	"testing"
	"time"

	"licensedesk/app"
)

// historyHas reports whether h holds an entry with action on field from
// old to new by actor.
func historyHas(h []app.HistoryEntry, action, field, old, new, actor string) bool {
	for _, e := range h {
		if e.Action == action && e.Field == field && e.Old == old && e.New == new && e.Actor == actor {
			return true
		}
	}
	return false
}

// TestSweepUnusedKeyExpiresAfterTwelveMonths (F7): a key never activated
// expires 12 months after purchase, not a minute earlier; the sweep is
// idempotent and leaves a history entry.
func TestSweepUnusedKeyExpiresAfterTwelveMonths(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	unused := f.one(f.ua, f.lic())
	in := f.lic()
	in.PeriodMonths = 24
	activeLater := f.one(f.ua, in)

	// Activated three months after purchase: its period runs from then
	// (F7), so the activation deadline no longer applies.
	f.clk.AddDate(0, 3, 0)
	if _, err := f.svc.EnableLicense(f.ua, activeLater.ID); err != nil {
		t.Fatal(err)
	}

	f.clk.Set(licT0.AddDate(1, 0, 0).Add(-time.Minute))
	if n, err := f.svc.SweepExpired(); err != nil || n != 0 {
		t.Fatalf("a minute before the deadline the sweep moved %d (%v)", n, err)
	}
	if got := f.get(unused.ID).Status; got != app.StatusOrdered {
		t.Fatalf("unused key is %s before its deadline", got)
	}

	f.clk.Set(licT0.AddDate(1, 0, 0))
	n, err := f.svc.SweepExpired()
	if err != nil || n != 1 {
		t.Fatalf("at the deadline the sweep moved %d (%v); want 1", n, err)
	}
	if got := f.get(unused.ID).Status; got != app.StatusExpired {
		t.Fatalf("unused key is %s after its deadline; want expired", got)
	}
	if got := f.get(activeLater.ID); got.Status != app.StatusActive {
		t.Fatalf("the key activated later is %s; its period runs to %v", got.Status, got.ValidTo)
	}
	h := f.history(unused.ID)
	if !historyHas(h, "expire_unused", "status", "ordered", "expired", "system") {
		t.Errorf("history lacks expire_unused ordered → expired by system: %+v", h)
	}
	if !h[0].At.Equal(licT0.AddDate(1, 0, 0)) {
		t.Errorf("expiry recorded at %v", h[0].At)
	}
	for range 2 {
		if n, err := f.svc.SweepExpired(); err != nil || n != 0 {
			t.Fatalf("a second sweep moved %d (%v); want 0", n, err)
		}
	}
	if got := len(f.history(unused.ID)); got != len(h) {
		t.Errorf("repeated sweeps wrote history: %d entries, was %d", got, len(h))
	}
	if pg := f.list(f.ua, map[string]string{"view": "expired"}, ""); !sameIDs(licIDs(pg), []uint64{unused.ID}) {
		t.Errorf("expired view shows %v", licIDs(pg))
	}
	if pg := f.list(f.ua, map[string]string{"view": "unused"}, ""); pg.Total != 0 {
		t.Errorf("unused view still shows %v", licIDs(pg))
	}
}

// TestSweepActiveExpiresAtValidTo: an active (or suspended) license
// expires at its end date; auto-renew is switched off with it.
func TestSweepActiveExpiresAtValidTo(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Nordwind AG"
	act := f.one(f.ua, in)
	sus := f.one(f.ua, in)
	if _, err := f.svc.SuspendLicense(f.ua, sus.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EditLicense(f.ua, act.ID, app.LicenseEdit{AutoRenew: licP(true)}); err != nil {
		t.Fatal(err)
	}
	in.PeriodMonths = 24
	longer := f.one(f.ua, in)
	end := *act.ValidTo
	if !end.Equal(licT0.AddDate(1, 0, 0)) {
		t.Fatalf("valid_to %v", end)
	}

	f.clk.Set(end.Add(-time.Second))
	if n, _ := f.svc.SweepExpired(); n != 0 {
		t.Fatalf("a second early the sweep moved %d", n)
	}
	f.clk.Set(end)
	if n, err := f.svc.SweepExpired(); err != nil || n != 2 {
		t.Fatalf("at valid_to the sweep moved %d (%v); want 2", n, err)
	}
	a := f.get(act.ID)
	if a.Status != app.StatusExpired || a.AutoRenew {
		t.Errorf("active license after its end: %s auto-renew %v", a.Status, a.AutoRenew)
	}
	if got := f.get(sus.ID).Status; got != app.StatusExpired {
		t.Errorf("suspended license after its end: %s", got)
	}
	if got := f.get(longer.ID).Status; got != app.StatusActive {
		t.Errorf("two-year license after one year: %s", got)
	}
	if !historyHas(f.history(act.ID), "expire", "status", "active", "expired", "system") {
		t.Errorf("history lacks expire active → expired: %+v", f.history(act.ID))
	}
	if !historyHas(f.history(sus.ID), "expire", "status", "suspended", "expired", "system") {
		t.Errorf("history lacks expire suspended → expired")
	}
	if n, _ := f.svc.SweepExpired(); n != 0 {
		t.Errorf("second sweep moved %d", n)
	}
	// Cancelled and expired licenses are never due again.
	f.clk.AddDate(5, 0, 0)
	if n, _ := f.svc.SweepExpired(); n != 1 {
		t.Errorf("five years on the sweep moved %d; want only the two-year license", n)
	}
}

// TestSweepManyInBatches: more due licenses than one sweep transaction
// holds all expire in one call; a cancelled one is left alone.
func TestSweepManyInBatches(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	f.importUnused(app.Partner{}, 700)
	f.importUnused(f.pa, 500)
	in := f.lic()
	in.Count = 100
	f.create(f.ua, in)
	c := f.one(f.op, f.lic())
	if _, err := f.svc.CancelLicense(f.op, c.ID); err != nil {
		t.Fatal(err)
	}
	f.clk.AddDate(1, 0, 0)
	n, err := f.svc.SweepExpired()
	if err != nil || n != 1300 {
		t.Fatalf("sweep moved %d (%v); want 1300", n, err)
	}
	if pg := f.list(app.System, map[string]string{"view": "expired"}, ""); pg.Total != 1300 {
		t.Errorf("expired view total %d", pg.Total)
	}
	if got := f.get(c.ID).Status; got != app.StatusCancelled {
		t.Errorf("cancelled license swept to %s", got)
	}
	if n, _ := f.svc.SweepExpired(); n != 0 {
		t.Errorf("second sweep moved %d", n)
	}
}

// TestRunJobsSweepsOnStart: the background jobs sweep as soon as they
// start, and stop with their context.
func TestRunJobsSweepsOnStart(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	f.clk.AddDate(1, 0, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.svc.RunJobs(ctx, app.JobsOptions{}) // returns: its context is done
	if got := f.get(l.ID).Status; got != app.StatusExpired {
		t.Errorf("after RunJobs started the key is %s; want expired", got)
	}
	// The sweep's result survives a restart, and a restart does not undo it.
	f.reopen()
	if got := f.get(l.ID).Status; got != app.StatusExpired {
		t.Errorf("after a restart the key is %s", got)
	}
}

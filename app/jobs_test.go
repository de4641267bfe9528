package app_test

import (
	"context"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/storage"
)

// The background jobs expire licenses whose time has come and delete
// expired sessions, on their own, and stop with their context.
func TestRunJobsSweepsAndPurges(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@desk.example")
	p := e.partner("Harbor IT")
	prod := e.product("sentinel")
	ls, err := e.svc.CreateLicenses(op, app.LicenseCreate{ProductID: prod.ID, Edition: "business", PeriodMonths: 12, Seats: 5,
		PartnerID: p.ID, Customer: "Novak AG"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Login("ops@desk.example", goodPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	sessions := func() int {
		n := 0
		e.svc.DB().View(func(tx *storage.Tx) error { n = tx.Count(storage.Sessions); return nil })
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		e.svc.RunJobs(ctx, app.JobsOptions{Poll: 5 * time.Millisecond})
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	if n := sessions(); n != 1 {
		t.Fatalf("a live session was purged: %d left", n)
	}
	if l, _ := e.svc.GetLicense(op, ls[0].ID); l.Status != app.StatusActive {
		t.Fatalf("an active license in its period was swept to %s", l.Status)
	}
	e.clk.Advance(13 * 31 * 24 * time.Hour) // past the session and the license period
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := e.svc.GetLicense(op, ls[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status == app.StatusExpired && sessions() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the period: license %s, %d sessions; want expired and none", l.Status, sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the jobs did not stop with their context")
	}
}

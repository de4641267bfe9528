package app_test

import (
	"testing"
	"time"

	"licensedesk/app"
)

// A machine is last seen when it registered until a later call is
// written; the activation itself writes no last-seen time.
func TestClientMachineLastSeenStartsAtRegistration(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(2)
	if _, err := c.svc.ClientActivate(call(l, "m-1")); err != nil {
		t.Fatal(err)
	}
	at := c.clk.Now()
	ms, err := c.svc.LicenseMachines(app.System, l.ID)
	if err != nil || len(ms) != 1 || ms[0].LastSeen == nil || !ms[0].LastSeen.Equal(ms[0].At) || !ms[0].At.Equal(at) {
		t.Fatalf("right after activation: %+v %v; want last seen = registered = %s", ms, err, at)
	}
	c.clk.Advance(3 * time.Hour)
	c.validate(l, "m-1")
	c.reopen() // the pending time is written on close
	ms, err = c.svc.LicenseMachines(app.System, l.ID)
	if err != nil || len(ms) != 1 || ms[0].LastSeen == nil || !ms[0].LastSeen.Equal(at.Add(3*time.Hour)) {
		t.Fatalf("after a validation 3 hours later: %+v %v", ms, err)
	}
}

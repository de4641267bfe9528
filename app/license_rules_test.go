package app_test

import (
	"testing"
	"time"

	"licensedesk/app"
)

// Issue 7, item 10: moving valid_to revived an expired license around
// the state machine. Only a renewal brings it back.
func TestValidToDoesNotReviveAnExpiredLicense(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Datum GmbH"
	l := f.one(f.ua, in)
	f.clk.Set(l.ValidTo.Add(time.Hour))
	if _, err := f.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	if got := f.get(l.ID).Status; got != app.StatusExpired {
		t.Fatalf("after its end the license is %s", got)
	}
	later := l.ValidTo.AddDate(1, 0, 0)
	_, err := f.svc.EditLicense(f.op, l.ID, app.LicenseEdit{ValidTo: &later})
	licWantField(t, err, "valid_to")
	got := f.get(l.ID)
	if got.Status != app.StatusExpired || !got.ValidTo.Equal(*l.ValidTo) {
		t.Errorf("an end-date edit changed an expired license: %s until %v", got.Status, got.ValidTo)
	}
}

// Issue 7, item 10: each failed login cost a durable write, also when the
// limiter refused it. Refusals by the limit are audited once per window.
func TestFailedLoginsAreBoundedWrites(t *testing.T) {
	e := newEnv(t)
	email, pw, role := "ops@example.com", goodPassword, app.RoleOperator
	if _, err := e.svc.CreateUser(app.System, app.UserInput{Email: &email, Password: &pw, Role: &role}); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		if _, _, err := e.svc.Login(email, "wrong password!", "203.0.113.9"); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	au, err := e.svc.ListAudit(app.System, app.ListParams{Filters: map[string]string{"action": "login"}})
	if err != nil {
		t.Fatal(err)
	}
	if au.Total > 6 {
		t.Errorf("40 failed logins wrote %d audit entries, want at most 6 (5 failures, 1 lock-out)", au.Total)
	}
	if au.Total < 2 {
		t.Errorf("failed logins are not audited at all: %d entries", au.Total)
	}
	e.clk.Advance(16 * time.Minute)
	if _, _, err := e.svc.Login(email, pw, "203.0.113.9"); err != nil {
		t.Errorf("the right password after the window: %v", err)
	}
}

package app_test

import (
	"testing"

	"licensedesk/app"
)

// Changing your password keeps this browser signed in and signs out every
// other one: a stolen session does not survive the change.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	e.operator("root@desk.example") // not the last operator: irrelevant, but realistic
	p := e.partner("Harbor IT")
	e.partnerUser(p, "anna@harbor.example")
	here, u, err := e.svc.Login("anna@harbor.example", goodPassword, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, _, err := e.svc.Login("anna@harbor.example", goodPassword, "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := e.svc.SessionActor(here, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ChangePassword(a, goodPassword, "a brand new password", here); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.SessionActor(here, "198.51.100.7"); err != nil {
		t.Errorf("the session that changed the password was ended: %v", err)
	}
	if _, _, err := e.svc.SessionActor(elsewhere, "203.0.113.9"); err != app.ErrUnauthorized {
		t.Errorf("another session survived the password change: %v", err)
	}
	if _, _, err := e.svc.Login(u.Email, "a brand new password", "198.51.100.7"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

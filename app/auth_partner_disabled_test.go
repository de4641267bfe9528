package app_test

import (
	"testing"

	"licensedesk/app"
)

// Disabling a partner locks out its users at once: no new sign-in, and
// their open sessions and API tokens stop working. Enabling it again
// lets them back in with the same credentials.
func TestDisabledPartnerLocksOutItsUsers(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@desk.example")
	p := e.partner("Harbor IT")
	e.partnerUser(p, "anna@harbor.example")
	sid, _, err := e.svc.Login("anna@harbor.example", goodPassword, "198.51.100.7")
	if err != nil {
		t.Fatalf("login before disabling: %v", err)
	}
	tok, _, err := e.svc.CreateTokenForUser(app.System, "anna@harbor.example", "script")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := e.svc.UpdatePartner(op, p.ID, app.PartnerInput{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Login("anna@harbor.example", goodPassword, "198.51.100.7"); err != app.ErrBadLogin {
		t.Errorf("login of a disabled partner's user: %v, want ErrBadLogin", err)
	}
	if _, _, err := e.svc.SessionActor(sid, "198.51.100.7"); err != app.ErrUnauthorized {
		t.Errorf("open session of a disabled partner's user: %v, want ErrUnauthorized", err)
	}
	if _, err := e.svc.TokenActor(tok, "198.51.100.7"); err != app.ErrUnauthorized {
		t.Errorf("token of a disabled partner's user: %v, want ErrUnauthorized", err)
	}

	if _, err := e.svc.UpdatePartner(op, p.ID, app.PartnerInput{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if a, err := e.svc.TokenActor(tok, "198.51.100.7"); err != nil || a.PartnerID != p.ID {
		t.Errorf("token after enabling again: %+v, %v", a, err)
	}
	if _, _, err := e.svc.Login("anna@harbor.example", goodPassword, "198.51.100.7"); err != nil {
		t.Errorf("login after enabling again: %v", err)
	}
}

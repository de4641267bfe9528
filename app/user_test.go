package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"licensedesk/app"
)

func TestUserValidation(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	op := app.RoleOperator
	pr := app.RolePartner
	cases := []struct {
		name  string
		in    app.UserInput
		field string
	}{
		{"no email", app.UserInput{Role: &op, Password: ptr(goodPassword)}, "email"},
		{"bad email", app.UserInput{Email: ptr("bob at example"), Role: &op, Password: ptr(goodPassword)}, "email"},
		{"no password", app.UserInput{Email: ptr("a@example.com"), Role: &op}, "password"},
		{"short password", app.UserInput{Email: ptr("a@example.com"), Role: &op, Password: ptr("123456789")}, "password"},
		{"no role", app.UserInput{Email: ptr("a@example.com"), Password: ptr(goodPassword)}, "role"},
		{"unknown role", app.UserInput{Email: ptr("a@example.com"), Role: ptr(app.Role("admin")), Password: ptr(goodPassword)}, "role"},
		{"partner user without a partner", app.UserInput{Email: ptr("a@example.com"), Role: &pr, Password: ptr(goodPassword)}, "partner_id"},
		{"partner user of a missing partner", app.UserInput{Email: ptr("a@example.com"), Role: &pr, PartnerID: ptr(uint64(999)), Password: ptr(goodPassword)}, "partner_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreateUser(app.System, c.in)
			wantField(t, err, c.field)
		})
	}
	if n := e.svc.CountUsers(); n != 0 {
		t.Fatalf("%d invalid users were stored", n)
	}
	// Ten characters is enough; an operator never keeps a partner id.
	u, err := e.svc.CreateUser(app.System, app.UserInput{Email: ptr("ops@example.com"), Role: &op, PartnerID: ptr(p.ID), Password: ptr("1234567890")})
	if err != nil {
		t.Fatal(err)
	}
	if u.PartnerID != 0 {
		t.Errorf("an operator was tied to partner %d", u.PartnerID)
	}
}

func TestUserEmailUniqueIgnoringCase(t *testing.T) {
	e := newEnv(t)
	e.operator("Ops@Example.com")
	_, err := e.svc.CreateUser(app.System, app.UserInput{Email: ptr(" ops@EXAMPLE.com "), Role: ptr(app.RoleOperator), Password: ptr(goodPassword)})
	wantField(t, err, "email")
	wantErr(t, err, app.ErrConflict)

	other := e.operator("second@example.com")
	_, err = e.svc.UpdateUser(app.System, other.UserID, app.UserInput{Email: ptr("OPS@example.com")})
	wantField(t, err, "email")
	// The refused change left both logins as they were.
	for _, email := range []string{"ops@example.com", "second@example.com"} {
		if _, err := e.svc.UserByEmail(app.System, email); err != nil {
			t.Errorf("%s after a refused change: %v", email, err)
		}
	}
	// Changing one's email frees the old one.
	if _, err := e.svc.UpdateUser(app.System, other.UserID, app.UserInput{Email: ptr("Renamed@example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UserByEmail(app.System, "second@example.com"); err == nil {
		t.Error("the old email still finds the user")
	}
	if _, err := e.svc.CreateUser(app.System, app.UserInput{Email: ptr("second@example.com"), Role: ptr(app.RoleOperator), Password: ptr(goodPassword)}); err != nil {
		t.Errorf("the freed email cannot be reused: %v", err)
	}
	if _, _, err := e.svc.Login("renamed@EXAMPLE.com", goodPassword, "192.0.2.1"); err != nil {
		t.Errorf("login with the new email: %v", err)
	}
}

func TestLastOperatorStays(t *testing.T) {
	e := newEnv(t)
	first := e.operator("first@example.com")
	p := e.partner("Northwind")

	wantField(t, e.svc.DeleteUser(app.System, first.UserID), "role")
	_, err := e.svc.UpdateUser(app.System, first.UserID, app.UserInput{Role: ptr(app.RolePartner), PartnerID: ptr(p.ID)})
	wantField(t, err, "role")
	_, err = e.svc.UpdateUser(app.System, first.UserID, app.UserInput{Disabled: ptr(true)})
	wantField(t, err, "role")
	if u, _ := e.svc.GetUser(app.System, first.UserID); u.Role != app.RoleOperator || u.Disabled {
		t.Fatalf("the last operator was changed: %+v", u)
	}

	// A disabled operator does not count as the other one.
	second := e.operator("second@example.com")
	if _, err := e.svc.UpdateUser(app.System, second.UserID, app.UserInput{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	wantField(t, e.svc.DeleteUser(app.System, first.UserID), "role")

	// With another active operator the first can go.
	if _, err := e.svc.UpdateUser(app.System, second.UserID, app.UserInput{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(app.System, first.UserID, app.UserInput{Role: ptr(app.RolePartner), PartnerID: ptr(p.ID)}); err != nil {
		t.Fatalf("demoting with another operator present: %v", err)
	}
	if err := e.svc.DeleteUser(app.System, first.UserID); err != nil {
		t.Fatalf("deleting a demoted user: %v", err)
	}
}

func TestUserPartnerSide(t *testing.T) {
	e := newEnv(t)
	a := e.partner("Alpha")
	b := e.partner("Beta")
	alice := e.partnerUser(a, "alice@alpha.example")
	anna := e.partnerUser(a, "anna@alpha.example")
	bob := e.partnerUser(b, "bob@beta.example")
	e.operator("ops@example.com")

	// A partner user sees its own partner's users only.
	page, err := e.svc.ListUsers(alice, app.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 {
		t.Fatalf("alice sees %d users, want her partner's 2", page.Total)
	}
	for _, u := range page.Items {
		if u.PartnerID != a.ID {
			t.Errorf("alice sees %s of partner %d", u.Email, u.PartnerID)
		}
	}
	if _, err := e.svc.GetUser(alice, anna.UserID); err != nil {
		t.Errorf("alice cannot see her colleague: %v", err)
	}
	_, err = e.svc.GetUser(alice, bob.UserID)
	wantErr(t, err, app.ErrNotFound)

	// Another partner's user is not found; user administration is forbidden.
	_, err = e.svc.UpdateUser(alice, bob.UserID, app.UserInput{Name: ptr("pwned")})
	wantErr(t, err, app.ErrNotFound)
	_, err = e.svc.UpdateUser(alice, anna.UserID, app.UserInput{Name: ptr("renamed")})
	wantErr(t, err, app.ErrForbidden)
	_, err = e.svc.CreateUser(alice, app.UserInput{Email: ptr("new@alpha.example"), Role: ptr(app.RolePartner), PartnerID: ptr(a.ID), Password: ptr(goodPassword)})
	wantErr(t, err, app.ErrForbidden)
	wantErr(t, e.svc.DeleteUser(alice, anna.UserID), app.ErrForbidden)
	_, err = e.svc.UserByEmail(alice, "bob@beta.example")
	wantErr(t, err, app.ErrForbidden)

	// It may change its own name and password, not its role or partner.
	if u, err := e.svc.UpdateUser(alice, alice.UserID, app.UserInput{Name: ptr("Alice A.")}); err != nil || u.Name != "Alice A." {
		t.Fatalf("own name: %+v %v", u, err)
	}
	_, err = e.svc.UpdateUser(alice, alice.UserID, app.UserInput{Role: ptr(app.RoleOperator)})
	wantErr(t, err, app.ErrForbidden)
	_, err = e.svc.UpdateUser(alice, alice.UserID, app.UserInput{PartnerID: ptr(b.ID)})
	wantErr(t, err, app.ErrForbidden)
	if u, _ := e.svc.GetUser(app.System, alice.UserID); u.Role != app.RolePartner || u.PartnerID != a.ID {
		t.Fatalf("alice escalated: %+v", u)
	}
}

func TestDeletedOrDisabledUserLosesAccess(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	p := e.partner("Alpha")
	alice := e.partnerUser(p, "alice@alpha.example")
	sid, _, err := e.svc.Login("alice@alpha.example", goodPassword, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.svc.CreateTokenWithPassword("alice@alpha.example", goodPassword, "198.51.100.7", "script")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(app.System, alice.UserID, app.UserInput{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.SessionActor(sid, "198.51.100.7")
	wantErr(t, err, app.ErrUnauthorized)
	_, err = e.svc.TokenActor(tok, "198.51.100.7")
	wantErr(t, err, app.ErrUnauthorized)
	_, _, err = e.svc.Login("alice@alpha.example", goodPassword, "198.51.100.7")
	wantErr(t, err, app.ErrBadLogin)

	if _, err := e.svc.UpdateUser(app.System, alice.UserID, app.UserInput{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteUser(app.System, alice.UserID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.TokenActor(tok, "198.51.100.7")
	wantErr(t, err, app.ErrUnauthorized)
	_, _, err = e.svc.Login("alice@alpha.example", goodPassword, "198.51.100.7")
	wantErr(t, err, app.ErrBadLogin)
}

func TestPasswordChanges(t *testing.T) {
	e := newEnv(t)
	ops := e.operator("ops@example.com")
	wantField(t, e.svc.ChangePassword(ops, "wrong password", "a brand new password", ""), "current_password")
	wantField(t, e.svc.ChangePassword(ops, goodPassword, "short", ""), "new_password")
	if err := e.svc.ChangePassword(ops, goodPassword, "a brand new password", ""); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.svc.Login("ops@example.com", goodPassword, "192.0.2.50")
	wantErr(t, err, app.ErrBadLogin)
	if _, _, err := e.svc.Login("ops@example.com", "a brand new password", "192.0.2.50"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}

	// The command line's passwd: same length rule, ends the sessions.
	sid, _, _ := e.svc.Login("ops@example.com", "a brand new password", "192.0.2.50")
	wantField(t, e.svc.SetPassword(app.System, "ops@example.com", "tiny"), "password")
	wantField(t, e.svc.SetPassword(app.System, "nobody@example.com", goodPassword), "email")
	if err := e.svc.SetPassword(app.System, "OPS@example.com", "third password here"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.SessionActor(sid, "192.0.2.50")
	wantErr(t, err, app.ErrUnauthorized)
	_, err = e.svc.UpdateUser(app.System, ops.UserID, app.UserInput{Password: ptr("123")})
	wantField(t, err, "password")
	if !e.audited("user.passwd", "system", "") {
		t.Error("password reset not audited")
	}
	// The password hash never leaves the service.
	u, _ := e.svc.GetUser(app.System, ops.UserID)
	if raw, _ := json.Marshal(u); strings.Contains(string(raw), "argon2") || strings.Contains(string(raw), "password") {
		t.Errorf("a user as the API shows it carries its password hash: %s", raw)
	}
}

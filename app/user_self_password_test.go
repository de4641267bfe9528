package app_test

import (
	"testing"

	"licensedesk/app"
)

// A user changing its own password through UpdateUser (the API's PATCH
// /api/v1/users/{self}) proves the current one, as the settings page
// asks: a leaked token alone cannot turn into a web login.
func TestUpdateUserOwnPasswordNeedsCurrent(t *testing.T) {
	e := newEnv(t)
	ops := e.operator("ops@example.com")
	p := e.partner("Harbor IT")
	anna := e.partnerUser(p, "anna@harbor.example")
	const next = "a brand new password"

	for _, who := range []app.Actor{anna, ops} {
		_, err := e.svc.UpdateUser(who, who.UserID, app.UserInput{Password: ptr(next)})
		wantField(t, err, "current_password")
		_, err = e.svc.UpdateUser(who, who.UserID, app.UserInput{Password: ptr(next), CurrentPassword: ptr("")})
		wantField(t, err, "current_password")
		_, err = e.svc.UpdateUser(who, who.UserID, app.UserInput{Password: ptr(next), CurrentPassword: ptr("not my password")})
		wantField(t, err, "current_password")
		// Nothing was written: the old password still signs in.
		if _, _, err := e.svc.Login(who.Email, goodPassword, "192.0.2.60"); err != nil {
			t.Fatalf("%s: old password stopped working after refused changes: %v", who.Email, err)
		}
		if _, _, err := e.svc.Login(who.Email, next, "192.0.2.60"); err != app.ErrBadLogin {
			t.Fatalf("%s: new password works after refused changes: %v", who.Email, err)
		}
	}

	// With the current password it works and ends the user's sessions.
	sid, _, err := e.svc.Login(anna.Email, goodPassword, "192.0.2.61")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(anna, anna.UserID, app.UserInput{Password: ptr(next), CurrentPassword: ptr(goodPassword)}); err != nil {
		t.Fatalf("own password with the current one: %v", err)
	}
	if _, _, err := e.svc.SessionActor(sid, "192.0.2.61"); err != app.ErrUnauthorized {
		t.Errorf("a session survived the password change: %v", err)
	}
	if _, _, err := e.svc.Login(anna.Email, next, "192.0.2.61"); err != nil {
		t.Errorf("new password: %v", err)
	}

	// An operator setting another user's password needs no current one.
	if _, err := e.svc.UpdateUser(ops, anna.UserID, app.UserInput{Password: ptr("operator set this one")}); err != nil {
		t.Fatalf("operator resetting another user's password: %v", err)
	}
	if _, _, err := e.svc.Login(anna.Email, "operator set this one", "192.0.2.61"); err != nil {
		t.Errorf("password the operator set: %v", err)
	}
	// Changing only the name needs no password.
	if _, err := e.svc.UpdateUser(anna, anna.UserID, app.UserInput{Name: ptr("Anna H.")}); err != nil {
		t.Errorf("own name: %v", err)
	}
}

// Guessing the current password through UpdateUser counts towards the
// sign-in limit, like the login form.
func TestUpdateUserOwnPasswordGuessesAreLimited(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	p := e.partner("Harbor IT")
	anna := e.partnerUser(p, "anna@harbor.example")
	var err error
	for i := 0; i < 30; i++ {
		_, err = e.svc.UpdateUser(anna, anna.UserID, app.UserInput{Password: ptr("a brand new password"), CurrentPassword: ptr("guess number " + string(rune('a'+i)))})
		if err == app.ErrRateLimited {
			break
		}
		wantField(t, err, "current_password")
	}
	wantErr(t, err, app.ErrRateLimited)
	// Even the right password is refused while the limit holds.
	_, err = e.svc.UpdateUser(anna, anna.UserID, app.UserInput{Password: ptr("a brand new password"), CurrentPassword: ptr(goodPassword)})
	wantErr(t, err, app.ErrRateLimited)
}

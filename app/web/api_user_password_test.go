package web

import (
	"strings"
	"testing"
)

// PATCH /api/v1/users/{self} with a new password asks for the current one,
// with a bearer token and with a browser session alike; an operator still
// sets another user's password without it.
func TestAPIOwnPasswordNeedsCurrent(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	p := w.partner("Harbor IT")
	anna := w.user("anna@harbor.example", p.ID)
	self := "/api/v1/users/" + uintString(anna.ID)

	for name, c := range map[string]caller{"token": w.bearer("anna@harbor.example"), "session": w.session("anna@harbor.example")} {
		r := w.do(c, "PATCH", self, `{"password":"taken over by a script"}`)
		wantStatus(t, name+": no current password", r, 422)
		if e := r.apiError(t); e.Error.Field != "current_password" || !strings.Contains(e.Error.Message, "required") {
			t.Fatalf("%s: body %s", name, r.body)
		}
		r = w.do(c, "PATCH", self, `{"password":"taken over by a script","current_password":"a wrong guess"}`)
		wantStatus(t, name+": wrong current password", r, 422)
		if e := r.apiError(t); e.Error.Field != "current_password" {
			t.Fatalf("%s: body %s", name, r.body)
		}
	}
	if _, _, err := w.svc.Login("anna@harbor.example", "taken over by a script", "192.0.2.9"); err == nil {
		t.Fatal("the refused password signs in")
	}

	tok := w.bearer("anna@harbor.example")
	r := w.do(tok, "PATCH", self, `{"password":"my own new password","current_password":"`+apiPassword+`"}`)
	wantStatus(t, "with the current password", r, 200)
	if _, _, err := w.svc.Login("anna@harbor.example", "my own new password", "192.0.2.9"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	// Tokens are separate credentials: the one that made the change works on.
	wantStatus(t, "token after the change", w.do(tok, "GET", "/api/v1/me", ""), 200)

	op := w.bearer("ops@example.com")
	r = w.do(op, "PATCH", self, `{"password":"set by the operator"}`)
	wantStatus(t, "operator sets another user's password", r, 200)
	if _, _, err := w.svc.Login("anna@harbor.example", "set by the operator", "192.0.2.9"); err != nil {
		t.Fatalf("operator's password: %v", err)
	}
}

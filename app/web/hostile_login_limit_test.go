package web

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// The sign-in limit is one budget for the web form and the token API:
// guesses split between them are counted together, and past the limit
// neither signs in, even with the right password.
func TestSignInLimitIsSharedByFormAndAPI(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	b := &browser{w: w, cookies: map[string]*http.Cookie{}}
	token := b.loginForm()
	for i := 0; i < 3; i++ {
		if r := w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"guess"}`); r.status != 401 {
			t.Fatalf("API guess %d: %d", i, r.status)
		}
	}
	for i := 0; i < 2; i++ {
		resp := b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {"guess"}, "_csrf": {token}})
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("form guess %d: %d", i, resp.StatusCode)
		}
	}
	resp := b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {token}})
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || b.cookies[sessionCookie] != nil {
		t.Errorf("form sign-in after 5 guesses: %d, session %v; want 429 and none", resp.StatusCode, b.cookies[sessionCookie])
	}
	if r := w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`"}`); r.status != 429 {
		t.Errorf("API token after 5 guesses: %d; want 429", r.status)
	}
}

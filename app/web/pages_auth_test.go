package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginWithCSRFRoundTrip(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.client()

	resp, body := c.get("/login?next=/products%3Fq%3Doffice")
	wantStatus(t, resp, body, http.StatusOK)
	if c.csrf == "" || c.cookies["ld_csrf"] != c.csrf {
		t.Fatalf("the login form carries token %q, cookie %q", c.csrf, c.cookies["ld_csrf"])
	}
	wantContains(t, body, `name="_csrf" value="`+c.csrf+`"`, `name="next" value="/products?q=office"`)

	resp, body = c.post("/login", url.Values{"email": {"op@example.com"}, "password": {uiPassword}, "next": {"/products?q=office"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got := resp.Header.Get("Location"); got != "/products?q=office" {
		t.Errorf("after sign-in the browser goes to %q", got)
	}
	if c.cookies["ld_session"] == "" {
		t.Fatal("no session cookie after sign-in")
	}
	resp, body = c.follow(resp)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "op@example.com", "Sign out")
	if strings.Contains(body, c.cookies["ld_csrf"]) && c.cookies["ld_csrf"] != "" {
		t.Error("the signed-in page still uses the pre-login CSRF token")
	}

	// Sign out through the form in the navigation: back to the login page.
	resp, body = c.post("/logout", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "You are signed out.", `action="/login"`)
	resp, _ = c.get("/")
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out / answers %d, want a redirect to the login page", resp.StatusCode)
	}
}

func TestLoginWrongPasswordShowsMessageBesideField(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.client()
	c.get("/login")
	resp, body := c.post("/login", url.Values{"email": {"op@example.com"}, "password": {"not-the-password"}})
	wantStatus(t, resp, body, http.StatusUnauthorized)
	if msg := fieldError(body, "password"); !strings.Contains(msg, "Wrong email or password") {
		t.Errorf("message beside the password field: %q", msg)
	}
	wantContains(t, body, `value="op@example.com"`) // the email is kept
	if strings.Contains(body, "not-the-password") {
		t.Error("the page sends the typed password back")
	}
	if _, ok := c.cookies["ld_session"]; ok {
		t.Error("a wrong password opened a session")
	}

	resp, body = c.post("/login", url.Values{"email": {""}, "password": {"x"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "email") == "" {
		t.Error("a blank email shows no message beside the email field")
	}
}

func TestLoginWithoutCSRFIsRefused(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.client()
	c.get("/login")
	resp, body := c.post("/login", url.Values{"email": {"op@example.com"}, "password": {uiPassword}, "_csrf": {"forged"}})
	wantStatus(t, resp, body, http.StatusForbidden)
	wantContains(t, body, "reload the page")

	// A signed-in form post with another token is refused too.
	c = h.login("op@example.com")
	resp, body = c.post("/partners", url.Values{"name": {"Sneaky"}, "_csrf": {"forged"}})
	wantStatus(t, resp, body, http.StatusForbidden)
}

func TestLoginNextStaysOnSite(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example"} {
		c := h.client()
		c.get("/login")
		resp, body := c.post("/login", url.Values{"email": {"op@example.com"}, "password": {uiPassword}, "next": {next}})
		wantStatus(t, resp, body, http.StatusSeeOther)
		if got := resp.Header.Get("Location"); got != "/" {
			t.Errorf("next=%q sends the browser to %q", next, got)
		}
	}
}

func TestSignedOutPagesRedirectToLogin(t *testing.T) {
	h := newUIHarness(t)
	resp, _ := h.client().get("/partners?q=x")
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
		t.Errorf("a signed-out visit to /partners answers %d to %q", resp.StatusCode, loc)
	}
}

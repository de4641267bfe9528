package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// Behind a trusted proxy that terminates TLS, every cookie the UI sets is
// Secure: the session, and the one-line flash message of a
// post-redirect-get (here: "You are signed out.").
func TestEveryCookieSecureBehindTLSProxy(t *testing.T) {
	cfg := app.Defaults()
	cfg.TrustedProxies = []string{"0.0.0.0"} // Fiber's app.Test connects from 0.0.0.0
	w := newWebEnvWith(t, cfg)
	w.user("ops@example.com", 0)
	jar := map[string]string{}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var rd io.Reader
		if form != nil {
			rd = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, rd)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-For", "192.0.2.44")
		for k, v := range jar {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := w.f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if !c.Secure {
				t.Errorf("%s %s set cookie %s without Secure", method, path, c.Name)
			}
			jar[c.Name] = c.Value
		}
		return resp, string(body)
	}
	token := func(body string) string {
		m := csrfInForm.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no _csrf field in %.300s", body)
		}
		return m[1]
	}
	_, body := send("GET", "/login", nil)
	resp, _ := send("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {token(body)}})
	if resp.StatusCode != http.StatusSeeOther || jar[sessionCookie] == "" {
		t.Fatalf("sign-in: status %d, session cookie %q", resp.StatusCode, jar[sessionCookie])
	}
	_, body = send("GET", "/settings", nil)
	resp, _ = send("POST", "/logout", url.Values{"_csrf": {token(body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: status %d", resp.StatusCode)
	}
	flash := false
	for _, c := range resp.Cookies() {
		flash = flash || c.Name == flashCookie && c.Value != ""
	}
	if !flash {
		t.Fatal("sign-out set no flash message cookie")
	}
}

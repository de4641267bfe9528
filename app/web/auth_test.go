package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

func TestCSRFOnCookieSessions(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	sess := w.session("ops@example.com")

	noToken := caller{sid: sess.sid}
	r := w.do(noToken, "POST", "/api/v1/products", productBody("antivirus-pro"))
	wantStatus(t, "cookie POST without a CSRF token", r, 403)
	if e := r.apiError(t); e.Error.Code != "csrf" || !strings.Contains(e.Error.Message, "reload") {
		t.Fatalf("body %s", r.body)
	}
	wrong := caller{sid: sess.sid, csrf: sess.csrf[:len(sess.csrf)-2] + "xx"}
	wantStatus(t, "cookie POST with a wrong CSRF token", w.do(wrong, "POST", "/api/v1/products", productBody("antivirus-pro")), 403)
	// Another session's token does not fit this session.
	other := w.session("ops@example.com")
	wantStatus(t, "cookie POST with another session's token", w.do(caller{sid: sess.sid, csrf: other.csrf}, "POST", "/api/v1/products", productBody("antivirus-pro")), 403)
	// A form post to a page is checked the same way.
	r = w.do(noToken, "POST", "/partners", "name=Sneaky")
	wantStatus(t, "form POST without a CSRF token", r, 403)
	r = w.do(noToken, "DELETE", "/api/v1/users/1", "")
	wantStatus(t, "cookie DELETE without a CSRF token", r, 403)
	if n := w.productCount(); n != 0 {
		t.Fatalf("a request refused for CSRF stored %d products", n)
	}
	if page, _ := w.svc.ListPartners(app.System, app.ListParams{}); page.Total != 0 {
		t.Fatalf("a form refused for CSRF stored a partner")
	}
	if w.svc.CountUsers() != 1 {
		t.Fatal("a request refused for CSRF deleted a user")
	}

	// With the session's token, in the header or as a form field, it works.
	wantStatus(t, "cookie POST with the CSRF token", w.do(sess, "POST", "/api/v1/products", productBody("antivirus-pro")), 201)
	req := httptest.NewRequest("POST", "/api/v1/partners", strings.NewReader(`{"name":"Northwind"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sess.sid})
	req.Header.Set(csrfHeader, sess.csrf)
	resp, err := w.f.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("partner create with CSRF header: %d", resp.StatusCode)
	}
	// Reads need no token.
	wantStatus(t, "cookie GET", w.do(noToken, "GET", "/api/v1/products", ""), 200)
}

// browser is a minimal cookie jar over the real app, for the login form.
type browser struct {
	w       *webEnv
	cookies map[string]*http.Cookie
}

func (b *browser) do(method, path string, form url.Values) *http.Response {
	b.w.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.w.f.Test(req, -1)
	if err != nil {
		b.w.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp
}

var csrfInForm = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// loginForm loads the login page and returns the CSRF token of its form.
func (b *browser) loginForm() string {
	b.w.t.Helper()
	resp := b.do("GET", "/login", nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.w.t.Fatalf("login page: %d", resp.StatusCode)
	}
	m := csrfInForm.FindSubmatch(body)
	if m == nil {
		b.w.t.Fatalf("login page has no _csrf field: %.500s", body)
	}
	return string(m[1])
}

func TestLoginFormSessionCookie(t *testing.T) {
	for _, c := range []struct {
		secure string
		want   bool
	}{{"never", false}, {"auto", false}, {"always", true}} {
		t.Run("secure_cookies="+c.secure, func(t *testing.T) {
			cfg := app.Defaults()
			cfg.SecureCookies = c.secure
			w := newWebEnvWith(t, cfg)
			w.user("ops@example.com", 0)
			b := &browser{w: w, cookies: map[string]*http.Cookie{}}

			// The login form itself is CSRF-protected.
			resp := b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}})
			resp.Body.Close()
			if resp.StatusCode != 403 || b.cookies[sessionCookie] != nil {
				t.Fatalf("login post without the form's token: %d, session %v", resp.StatusCode, b.cookies[sessionCookie])
			}

			token := b.loginForm()
			resp = b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {"wrong password"}, "_csrf": {token}})
			resp.Body.Close()
			if resp.StatusCode != 401 || b.cookies[sessionCookie] != nil {
				t.Fatalf("wrong password: %d, session %v", resp.StatusCode, b.cookies[sessionCookie])
			}

			resp = b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {token}, "next": {"/products"}})
			resp.Body.Close()
			if resp.StatusCode != 303 || resp.Header.Get("Location") != "/products" {
				t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ck := b.cookies[sessionCookie]
			if ck == nil {
				t.Fatal("no session cookie after login")
			}
			if !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode || ck.SameSite == http.SameSiteDefaultMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v; want HttpOnly and Lax or Strict", ck.HttpOnly, ck.SameSite)
			}
			if ck.Secure != c.want {
				t.Errorf("session cookie Secure=%v with secure_cookies=%s", ck.Secure, c.secure)
			}
			// The cookie holds a random id, not the user or the token.
			if strings.Contains(ck.Value, "ops") || len(ck.Value) < 32 {
				t.Errorf("session cookie value %q", ck.Value)
			}

			// Signed in: the API answers as the operator.
			resp = b.do("GET", "/api/v1/me", nil)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "ops@example.com") {
				t.Fatalf("me after login: %d %s", resp.StatusCode, body)
			}

			// A cross-site open redirect is refused.
			b2 := &browser{w: w, cookies: map[string]*http.Cookie{}}
			tok2 := b2.loginForm()
			resp = b2.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {tok2}, "next": {"//evil.example/"}})
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "/" {
				t.Errorf("login with next=//evil.example/ redirects to %q", loc)
			}

			// Logout ends the session on the server, not just the cookie.
			sid := ck.Value
			_, csrf, err := w.svc.SessionActor(sid, "")
			if err != nil {
				t.Fatal(err)
			}
			resp = b.do("POST", "/logout", url.Values{"_csrf": {csrf}})
			resp.Body.Close()
			if resp.StatusCode >= 400 {
				t.Fatalf("logout: %d", resp.StatusCode)
			}
			if _, _, err := w.svc.SessionActor(sid, ""); err == nil {
				t.Fatal("the session still works after logout")
			}
			if got := w.do(caller{sid: sid}, "GET", "/api/v1/me", ""); got.status != 401 {
				t.Fatalf("old cookie after logout: %d", got.status)
			}
		})
	}
}

func TestExpiredSessionIsAnonymous(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	sess := w.session("ops@example.com")
	wantStatus(t, "fresh session", w.do(sess, "GET", "/api/v1/me", ""), 200)
	w.clk.advance(app.SessionTTL + 1e9*60)
	r := w.do(sess, "GET", "/api/v1/me", "")
	wantStatus(t, "expired session", r, 401)
	if !strings.Contains(r.header.Get("Set-Cookie"), sessionCookie+"=;") && !strings.Contains(strings.ToLower(r.header.Get("Set-Cookie")), "max-age=0") &&
		!strings.Contains(strings.ToLower(r.header.Get("Set-Cookie")), "expires=") {
		t.Errorf("the dead session cookie is not cleared: %q", r.header.Get("Set-Cookie"))
	}
	// A page asks the browser to sign in again.
	r = w.do(sess, "GET", "/products", "")
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("expired session on a page: %d to %q", r.status, loc)
	}
}

func TestLoginFormRateLimit(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	b := &browser{w: w, cookies: map[string]*http.Cookie{}}
	token := b.loginForm()
	for i := 0; i < 5; i++ {
		resp := b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {"guess"}, "_csrf": {token}})
		resp.Body.Close()
	}
	resp := b.do("POST", "/login", url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {token}})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || b.cookies[sessionCookie] != nil {
		t.Fatalf("sixth attempt with the right password: %d, session %v", resp.StatusCode, b.cookies[sessionCookie])
	}
	if !strings.Contains(strings.ToLower(string(body)), "wait") {
		t.Errorf("the page does not say to wait: %.300s", body)
	}
}

func TestSessionCookieSecureBehindTLSProxy(t *testing.T) {
	// secure_cookies=auto behind a trusted reverse proxy that terminates
	// TLS: the session cookie is Secure when the proxy says https, and
	// only a trusted proxy can say so. (Fiber's app.Test connects from
	// 0.0.0.0, so that is the proxy's address here.)
	for _, c := range []struct {
		name    string
		trusted string
		proto   string
		want    bool
	}{
		{"trusted proxy, https", "0.0.0.0", "https", true},
		{"trusted proxy, http", "0.0.0.0", "http", false},
		{"untrusted client claiming https", "192.0.2.200", "https", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := app.Defaults()
			cfg.TrustedProxies = []string{c.trusted}
			w := newWebEnvWith(t, cfg)
			w.user("ops@example.com", 0)
			b := &browser{w: w, cookies: map[string]*http.Cookie{}}
			token := b.loginForm()
			req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {"ops@example.com"}, "password": {apiPassword}, "_csrf": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-Proto", c.proto)
			req.Header.Set("X-Forwarded-For", "192.0.2.44")
			req.AddCookie(&http.Cookie{Name: preCSRFCookie, Value: token})
			resp, err := w.f.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var sess *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == sessionCookie {
					sess = ck
				}
			}
			if sess == nil {
				t.Fatalf("no session cookie: %d", resp.StatusCode)
			}
			if sess.Secure != c.want {
				t.Errorf("Secure=%v, want %v", sess.Secure, c.want)
			}
		})
	}
}

func TestAddressLimitBehindProxyIgnoresSpoofedHops(t *testing.T) {
	// Behind a trusted proxy the client's address is the one the proxy
	// appended to X-Forwarded-For. Entries to its left come from the
	// client and must not give it a fresh rate-limit key per request.
	cfg := app.Defaults()
	cfg.TrustedProxies = []string{"0.0.0.0"} // app.Test connects from 0.0.0.0
	w := newWebEnvWith(t, cfg)
	w.user("ops@example.com", 0)
	const real = "192.0.2.44"
	post := func(spoof, email, password string) reply {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", spoof+", "+real)
		resp, err := w.f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{status: resp.StatusCode, header: resp.Header, body: b}
	}
	for i := 0; i < 20; i++ {
		r := post("10.9.9."+uintString(uint64(i)), "victim"+uintString(uint64(i/4))+"@example.com", "password123")
		wantStatus(t, "spray", r, 401)
	}
	r := post("10.77.77.77", "ops@example.com", apiPassword)
	wantStatus(t, "after 20 failures from one client behind the proxy", r, 429)
	page, err := w.svc.ListAudit(app.System, app.ListParams{Filters: map[string]string{"action": "token.failed"}})
	if err != nil || page.Total == 0 {
		t.Fatal(err)
	}
	if addr := page.Items[0].Addr; addr != real {
		t.Errorf("audit records the address %q, want the proxy-seen %q", addr, real)
	}
}

package web

import (
	"net/url"
	"strings"
	"testing"
)

// browserView is how a browser reads a Location: it drops tab, CR and LF
// anywhere, strips leading C0 controls and spaces, and treats \ as /.
func browserView(loc string) string {
	loc = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(loc)
	loc = strings.TrimLeft(loc, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	return strings.ReplaceAll(loc, `\`, "/")
}

// Issue 7, item 4: signed in, /login?next=%2F%09%2Fevil.example redirected
// to "/<TAB>/evil.example", which a browser reads as //evil.example.
func TestSignedInLoginNextStaysOnSite(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	sess := w.session("ops@example.com")
	for _, next := range []string{
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", `/\evil.example`, `\/evil.example`,
		"/\x00/evil.example", "/\x7f/evil.example", "//evil.example", "https://evil.example", "/\\\t\\evil.example",
		" //evil.example", "\t//evil.example", "/\u0085/evil.example", "javascript:alert(1)", "/%09/evil.example",
	} {
		r := w.do(sess, "GET", "/login?next="+url.QueryEscape(next), "")
		if r.status != 303 {
			t.Errorf("next %q: status %d", next, r.status)
			continue
		}
		loc := browserView(r.header.Get("Location"))
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
			t.Errorf("next %q: Location %q leaves the site", next, r.header.Get("Location"))
		}
		if u, err := url.Parse(loc); err != nil || u.Host != "" {
			t.Errorf("next %q: Location %q has a host", next, loc)
		}
	}
	// Paths on the site still work.
	r := w.do(sess, "GET", "/login?next="+url.QueryEscape("/licenses?q=acme&sort=-valid_to"), "")
	if got := r.header.Get("Location"); got != "/licenses?q=acme&sort=-valid_to" {
		t.Errorf("same-site next: Location %q", got)
	}
}

// Issue 7, item 11: logout emptied the session cookie without expiring
// it. The cookie it sends is expired, and the session is gone.
func TestLogoutExpiresTheCookie(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	sess := w.session("ops@example.com")
	r := w.do(sess, "POST", "/logout", "_csrf="+sess.csrf)
	if r.status != 303 {
		t.Fatalf("logout: status %d", r.status)
	}
	var found bool
	for _, sc := range r.header.Values("Set-Cookie") {
		if !strings.HasPrefix(sc, sessionCookie+"=;") && !strings.HasPrefix(sc, sessionCookie+"=\"\"") {
			continue
		}
		found = true
		low := strings.ToLower(sc)
		if !strings.Contains(low, "expires=thu, 01 jan 1970") && !strings.Contains(low, "max-age=0") {
			t.Errorf("the emptied session cookie does not expire: %s", sc)
		}
	}
	if !found {
		t.Errorf("logout sets no session cookie: %v", r.header.Values("Set-Cookie"))
	}
	if r := w.do(sess, "GET", "/api/v1/me", ""); r.status != 401 {
		t.Errorf("the session still works after logout: %d", r.status)
	}
}

// Issue 7, item 11: group=bogus on the licenses page is refused, not
// ignored.
func TestLicensesPageRefusesUnknownGroup(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	sess := w.session("ops@example.com")
	if r := w.do(sess, "GET", "/licenses?group=bogus", ""); r.status != 422 || !strings.Contains(string(r.body), "group by product") {
		t.Errorf("/licenses?group=bogus: status %d", r.status)
	}
	if r := w.do(sess, "GET", "/licenses?group=status", ""); r.status != 200 {
		t.Errorf("/licenses?group=status: status %d", r.status)
	}
}

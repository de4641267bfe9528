package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// missing addresses a record that does not exist, for every resource.
func missing(string) (uint64, bool) { return 987654321, true }

// Another partner's record is answered exactly as a missing one: the
// same status, the same body, the same headers that matter, on every
// route with an id, pages and htmx fragments as well as the API. A
// difference (a longer page, another message, a redirect) tells the
// prober the id exists.
func TestAnotherPartnersRecordLooksMissing(t *testing.T) {
	wd := newWorld(t)
	sess := wd.w.session("alice@alpha.example")
	for _, r := range tableRoutes() {
		if r.Perm != user || !hasID(r.Path) {
			continue
		}
		foreign, ok := fill(t, r.Path, wd.foreign)
		if !ok {
			continue // TestPartnerCannotReachAnotherPartnersRecords names it
		}
		gone, _ := fill(t, r.Path, missing)
		c := wd.aToken
		if !strings.HasPrefix(foreign, "/api/") {
			c = sess
		}
		for _, htmx := range []bool{false, true} {
			if htmx && strings.HasPrefix(foreign, "/api/") {
				continue
			}
			send := func(path string) reply {
				if !htmx {
					return wd.w.do(c, r.Method, path, bodyFor(r))
				}
				return wd.w.doHTMX(c, r.Method, path, bodyFor(r))
			}
			a, b := send(foreign), send(gone)
			if a.status != b.status || !bytes.Equal(a.body, b.body) || a.header.Get("Content-Type") != b.header.Get("Content-Type") || a.header.Get("Location") != b.header.Get("Location") {
				t.Errorf("%s (htmx %v): partner B's record answers %d %q %.300s\nbut a missing one %d %q %.300s", r.Method+" "+foreign, htmx,
					a.status, a.header.Get("Location"), a.body, b.status, b.header.Get("Location"), b.body)
			}
		}
	}
}

// doHTMX sends one request as htmx does (HX-Request: true), for the
// fragments pages swap in.
func (w *webEnv) doHTMX(c caller, method, path, body string) reply {
	w.t.Helper()
	var rd *strings.Reader
	if body == "" {
		rd = strings.NewReader("")
	} else {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	if c.sid != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.sid})
		req.Header.Set(csrfHeader, c.csrf)
	}
	return w.test(req)
}

package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// rawHTTP sends one raw request to addr and returns the response.
func rawHTTP(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(conn, req) // the server may answer before reading it all
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp
}

// Issue 7, item 11: a URL over 4 KB answered 431 as an HTML page without
// the security headers. Every error on /api/ is JSON with the headers,
// whatever raised it.
func TestAPIErrorsRaisedBeforeTheHandlersAreJSON(t *testing.T) {
	e := newLAEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.f.Listener(ln)
	t.Cleanup(func() { e.f.ShutdownWithTimeout(5 * time.Second) })
	addr := ln.Addr().String()
	auth := "Authorization: Bearer " + e.op + "\r\n"
	big := strings.Repeat("a", 5000)
	for _, c := range []struct {
		name, req string
		status    int
	}{
		{"5 KB URL", "GET /api/v1/licenses?q=" + big + " HTTP/1.1\r\nHost: d\r\n" + auth + "\r\n", 422}, // reaches the handler: q is too long
		{"10 KB URL", "GET /api/v1/licenses?q=" + big + big + " HTTP/1.1\r\nHost: d\r\n" + auth + "\r\n", 414},
		{"40 KB URL", "GET /api/v1/licenses?q=" + strings.Repeat(big, 8) + " HTTP/1.1\r\nHost: d\r\n" + auth + "\r\n", 431},
		{"40 KB header", "GET /api/v1/licenses HTTP/1.1\r\nHost: d\r\nX-Big: " + strings.Repeat(big, 8) + "\r\n" + auth + "\r\n", 431},
		{"body over the limit", fmt.Sprintf("POST /api/v1/licenses HTTP/1.1\r\nHost: d\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", auth, app.Defaults().BodyLimit+1) + strings.Repeat("a", 16<<10), 413}, // the first 16 KiB of it: answered before the rest arrives
		{"wrong method", "PUT /api/v1/me HTTP/1.1\r\nHost: d\r\n" + auth + "Content-Length: 0\r\n\r\n", 405},
	} {
		resp := rawHTTP(t, addr, c.req)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.status && !(c.status == 405 && resp.StatusCode == 404) {
			t.Errorf("%s: status %d, want %d: %.200s", c.name, resp.StatusCode, c.status, body)
		}
		var le laError
		if err := json.Unmarshal(body, &le); err != nil || le.Error.Code == "" || le.Error.Message == "" {
			t.Errorf("%s: the answer is not a JSON error: %.200s", c.name, body)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", c.name, h)
			}
		}
	}
}

// Issue 7, item 11: refused parameters, the bearer scheme's case, empty
// edits, logout, deleted history and a token's last use.
func TestAPIEdges(t *testing.T) {
	f := newLAFixture(t)
	check := func(what string, r laReply, status int, field string) {
		t.Helper()
		laWant(t, what, r, status)
		if field != "" {
			var le laError
			r.decode(t, &le)
			if le.Error.Field != field {
				t.Errorf("%s: the error names %q, want %q: %s", what, le.Error.Field, field, le.Error.Message)
			}
		}
	}
	check("audit sort=bogus", f.do(f.op, "GET", "/api/v1/audit?sort=bogus", ""), 422, "sort")
	check("audit newest first", f.do(f.op, "GET", "/api/v1/audit?sort=-at", ""), 200, "")
	check("licenses group=bogus", f.do(f.op, "GET", "/api/v1/licenses?group=bogus", ""), 422, "group")
	check("groups by=bogus", f.do(f.op, "GET", "/api/v1/licenses/groups?by=bogus", ""), 422, "by")
	check("groups by=partner as a partner", f.do(f.a, "GET", "/api/v1/licenses/groups?by=partner", ""), 422, "by")

	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		req, _ := http.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", scheme+" "+f.op)
		resp, err := f.f.Test(req, -1)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("Authorization: %s: %v %v", scheme, resp.StatusCode, err)
		}
	}

	id := laU(f.a1.ID)
	history := func(tok string) []laHistory {
		var h laPage[laHistory]
		r := f.do(tok, "GET", "/api/v1/licenses/"+id+"/history", "")
		laWant(t, "history", r, 200)
		r.decode(t, &h)
		return h.Items
	}
	before := len(history(f.a))
	check("empty PATCH", f.do(f.a, "PATCH", "/api/v1/licenses/"+id, `{}`), 200, "")
	check("PATCH to the same name", f.do(f.a, "PATCH", "/api/v1/licenses/"+id, `{"name":"alpha one","notes":"alpha note"}`), 200, "")
	if after := history(f.a); len(after) != before {
		t.Errorf("edits that change nothing wrote %d history rows: %+v", len(after)-before, after[0])
	}
	check("a real edit", f.do(f.a, "PATCH", "/api/v1/licenses/"+id, `{"name":"alpha renamed"}`), 200, "")
	if after := history(f.a); len(after) != before+1 || after[0].Field != "name" {
		t.Errorf("a rename wrote %d rows", len(after)-before)
	}

	// A partner's deleted license: its history is as gone as the license.
	gone := laU(f.a2.ID)
	check("partner deletes its pending license", f.do(f.a, "DELETE", "/api/v1/licenses/"+gone, ""), 409, "payment_status")
	check("delete", f.do(f.op, "DELETE", "/api/v1/licenses/"+gone, ""), 204, "")
	check("deleted license", f.do(f.a, "GET", "/api/v1/licenses/"+gone, ""), 404, "")
	check("deleted license's history", f.do(f.a, "GET", "/api/v1/licenses/"+gone+"/history", ""), 404, "")
	check("the operator's view of its history", f.do(f.op, "GET", "/api/v1/licenses/"+gone+"/history", ""), 200, "")

	// A token's last use is recorded, at most once a minute.
	lastUsed := func() *time.Time {
		var pg laPage[struct {
			Hint     string     `json:"hint"`
			LastUsed *time.Time `json:"last_used"`
		}]
		r := f.do(f.b, "GET", "/api/v1/tokens", "")
		laWant(t, "tokens", r, 200)
		r.decode(t, &pg)
		if len(pg.Items) != 1 {
			t.Fatalf("partner B sees %d tokens", len(pg.Items))
		}
		return pg.Items[0].LastUsed
	}
	first := lastUsed()
	if first == nil || !first.Equal(f.clk.Now()) {
		t.Fatalf("last use after a request: %v, want %v", first, f.clk.Now())
	}
	advance := func(d time.Duration) { f.clk.mu.Lock(); f.clk.t = f.clk.t.Add(d); f.clk.mu.Unlock() }
	advance(30 * time.Second)
	if again := lastUsed(); !again.Equal(*first) {
		t.Errorf("last use rewritten within the minute: %v", again)
	}
	advance(31 * time.Second)
	lastUsed() // this use is recorded
	if again := lastUsed(); !again.After(*first) {
		t.Errorf("last use not recorded after a minute: %v", again)
	}
}

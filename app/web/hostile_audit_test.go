package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// A failed sign-in is audited under the email that was typed, before
// anyone is known: whatever a stranger types there must not forge the
// operator's audit log. A right-to-left override would show
// "\u202elacol.ksednesnecil@nimda" as the operator's own address, a line
// break would start what looks like another entry, and a huge value
// would be stored whole.
func TestFailedSignInCannotForgeTheAuditLog(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	b := &browser{w: w, cookies: map[string]*http.Cookie{}}
	for _, typed := range []string{
		"\u202elacol.ksednesnecil@nimda",
		"x@example.com\r\n2026-03-02 login ops@example.com",
		"a\u200b@example.com" + strings.Repeat("A", 20000),
	} {
		resp := b.do("POST", "/login", url.Values{"email": {typed}, "password": {"guess"}, "_csrf": {b.loginForm()}})
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("sign-in as %.40q: %d, want 401", typed, resp.StatusCode)
		}
		r := w.do(w.bearer("ops@example.com"), "POST", "/api/v1/tokens", `{"email":`+jsonString(typed)+`,"password":"guess"}`)
		if r.status != 401 {
			t.Fatalf("token for %.40q: %d, want 401", typed, r.status)
		}
	}
	var page struct {
		Items []struct {
			Actor, Action, Target, Detail string
		}
	}
	w.do(w.bearer("ops@example.com"), "GET", "/api/v1/audit?per_page=50", "").json(t, &page)
	failed := 0
	for _, e := range page.Items {
		if e.Action != "login.failed" && e.Action != "token.failed" {
			continue
		}
		failed++
		for _, v := range []string{e.Actor, e.Target} {
			if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }); i >= 0 {
				t.Errorf("%s entry holds a control or format character %q: %.80q", e.Action, []rune(v[i:])[0], v)
			}
			if len(v) > 400 {
				t.Errorf("%s entry stores %d bytes of what was typed", e.Action, len(v))
			}
		}
	}
	if failed != 6 {
		t.Errorf("%d failed sign-ins audited, want 6", failed)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// hostileText breaks out of text, both attribute quotes, a URL, htmx and
// template syntax and a spreadsheet cell at once, on one line.
const hostileText = `"'><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)" hx-get="/logout" hx-trigger="load" style="x">{{.CSRF}}=cmd|'/C calc'!A0`

var (
	tagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>`)
	attrRE = regexp.MustCompile(`\s([a-zA-Z_:@][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
)

// checkMarkup fails when a page has markup the CSP would refuse or that
// came from data: an inline script or style, an event handler attribute,
// a javascript: URL, an htmx attribute pointing at /logout, or the
// hostile text's tags themselves.
func checkMarkup(t *testing.T, what, body string) {
	t.Helper()
	for _, raw := range []string{"<script>alert", "<img src=x"} {
		if strings.Contains(body, raw) {
			t.Errorf("%s: the page holds %q unescaped", what, raw)
		}
	}
	for _, m := range tagRE.FindAllStringSubmatch(body, -1) {
		tag, attrs := strings.ToLower(m[1]), attrRE.FindAllStringSubmatch(m[2], -1)
		hasSrc := false
		for _, a := range attrs {
			name, val := strings.ToLower(a[1]), strings.Trim(a[2], `"'`)
			switch {
			case strings.HasPrefix(name, "on"):
				t.Errorf("%s: <%s %s=…> is an inline event handler", what, tag, name)
			case name == "style":
				t.Errorf("%s: <%s style=…> is an inline style", what, tag)
			case strings.HasPrefix(strings.ToLower(strings.TrimSpace(val)), "javascript:"):
				t.Errorf("%s: <%s %s=%q> is a javascript: URL", what, tag, name, val)
			case strings.HasPrefix(name, "hx-") && strings.Contains(val, "/logout"):
				t.Errorf("%s: <%s %s=%q> came from data", what, tag, name, val)
			case name == "src":
				hasSrc = true
			}
		}
		if (tag == "script" && !hasSrc) || tag == "style" {
			t.Errorf("%s: an inline <%s> block", what, tag)
		}
	}
}

// Every page a partner or the operator opens, with hostile text in every
// field they can set, shows it as text: no tag, attribute, URL or htmx
// request comes from data, and no page has inline script or style that
// the CSP would block. Every answer carries the CSP.
func TestHostileTextOnEveryPage(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	ops := w.bearer("ops@example.com")
	h := jsonString(hostileText)
	short := jsonString(hostileText[:120])
	for _, x := range []struct{ method, path, body string }{
		{"PATCH", fmt.Sprintf("/api/v1/licenses/%d", wd.aLicense), `{"name":` + h + `,"notes":` + h + `}`},
		{"POST", fmt.Sprintf("/api/v1/licenses/%d/assign", wd.aLicense), `{"customer":` + h + `}`},
		{"PATCH", fmt.Sprintf("/api/v1/products/%d", wd.product.ID), `{"name":` + h + `}`},
		{"PATCH", fmt.Sprintf("/api/v1/partners/%d", wd.a.ID), `{"name":` + h + `,"notes":` + h + `}`},
		{"PATCH", fmt.Sprintf("/api/v1/customers/%d", wd.aCustomer), `{"name":` + h + `,"company":` + h + `}`},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", wd.aUser.ID), `{"name":` + h + `}`},
		{"PUT", fmt.Sprintf("/api/v1/partners/%d/billing", wd.a.ID), `{"name":` + h + `,"address":` + h + `,"vat_id":` + short[:30] + `","tax_bp":0}`},
		{"POST", "/api/v1/special-prices", `{"discount_bp":1000,"reason":"education","note":` + h + `}`},
		{"POST", fmt.Sprintf("/api/v1/orders/%d/refund", wd.aOrder), `{"reason":` + h + `}`},
	} {
		if got := w.do(ops, x.method, x.path, x.body); got.status >= 300 {
			t.Fatalf("%s %s: %d %s", x.method, x.path, got.status, got.body)
		}
	}
	// The text is there, as text.
	for _, p := range []string{fmt.Sprintf("/licenses/%d", wd.aLicense), fmt.Sprintf("/customers/%d", wd.aCustomer), fmt.Sprintf("/partners/%d", wd.a.ID), "/licenses?view=all", "/special-prices"} {
		if got := w.do(w.session("ops@example.com"), "GET", p, ""); !strings.Contains(string(got.body), "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s: %d does not show the hostile text escaped", p, got.status)
		}
	}
	for _, who := range []string{"ops@example.com", "alice@alpha.example"} {
		sess := w.session(who)
		pages := 0
		for _, r := range tableRoutes() {
			if r.Method != "GET" || strings.HasPrefix(r.Path, "/api/") || r.Path == "/healthz" {
				continue
			}
			path, ok := fill(t, r.Path, wd.own)
			if !ok {
				continue
			}
			for _, p := range []string{path, path + "?view=all&from=2000-01-01", path + "?view=all&group=customer"} {
				got := w.do(sess, "GET", p, "")
				if csp := got.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Errorf("%s GET %s: CSP %q", who, p, csp)
				}
				if !strings.HasPrefix(got.header.Get("Content-Type"), "text/html") {
					continue
				}
				pages++
				checkMarkup(t, who+" GET "+p, string(got.body))
			}
		}
		if pages < 40 {
			t.Errorf("%s: only %d pages checked", who, pages)
		}
	}
}

package web

import (
	"strings"
	"testing"
)

// /static serves the embedded static files and nothing else: no way up
// into the templates or the Go sources, no directory listing, no file of
// the machine.
func TestStaticServesOnlyTheStaticFiles(t *testing.T) {
	w := newWebEnv(t)
	for _, p := range []string{"/static/../ui.go", "/static/%2e%2e/ui.go", "/static/..%2fui.go", "/static/%2e%2e%2fui.go",
		"/static/templates/login.html", "/static/%2e%2e/templates/login.html", "/static/..%5ctemplates%5clogin.html",
		"/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/app.js%00.css", "/static/", "/static"} {
		got := w.do(anonymous, "GET", p, "")
		if got.status != 404 && got.status != 403 && got.status != 400 {
			t.Errorf("GET %s: %d, want it refused", p, got.status)
		}
		for _, leak := range []string{"package ui", "{{define", "root:", "paper-letter.css"} {
			if strings.Contains(string(got.body), leak) {
				t.Errorf("GET %s: the answer holds %q", p, leak)
			}
		}
	}
	got := w.do(anonymous, "GET", "/static/app.js", "")
	if got.status != 200 || got.header.Get("Content-Security-Policy") == "" || got.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /static/app.js: %d, headers %v", got.status, got.header)
	}
}

package web

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// documented reads the "### METHOD /path" section headings of the
// reference, with the file each is in.
func documented(t *testing.T) map[string]string {
	t.Helper()
	names, err := apiReference.ReadDir("apiref")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^### ([A-Z]+) (/\S*)\s*$`)
	out := map[string]string{}
	for _, n := range names {
		raw, err := apiReference.ReadFile("apiref/" + n.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range heading.FindAllStringSubmatch(string(raw), -1) {
			route := m[1] + " " + m[2]
			if prev, ok := out[route]; ok {
				t.Errorf("%s is documented twice, in apiref/%s and apiref/%s", route, prev, n.Name())
			}
			out[route] = n.Name()
		}
	}
	return out
}

// Every API route has a section in the reference, and every section is a
// route: a route cannot ship undocumented, nor a section outlive its route.
func TestAPIReferenceCoversTheRouteTable(t *testing.T) {
	docs := documented(t)
	var missing []string
	routes := map[string]bool{}
	for _, r := range tableRoutes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		name := routeName(r)
		routes[name] = true
		if _, ok := docs[name]; !ok {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	for _, name := range missing {
		t.Errorf("%s has no documentation: add a section headed %q (what it does, its body and answer) to the file of its area in app/web/apiref/, or a new file there", name, "### "+name)
	}
	for name, file := range docs {
		if !routes[name] {
			t.Errorf("apiref/%s documents %s, which is not a route: remove or correct the section", file, name)
		}
	}
}

// The desk serves the reference to any signed-in caller.
func TestAPIReferenceIsServed(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	r := w.do(w.bearer("ops@example.com"), "GET", "/api/v1/reference", "")
	wantStatus(t, "reference", r, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
		t.Errorf("content type %q", ct)
	}
	body := string(r.body)
	for _, want := range []string{"# licensedesk API reference", "### POST /api/v1/licenses", "2027-12-31", "per_page", fmt.Sprint(500)} {
		if !strings.Contains(body, want) {
			t.Errorf("the served reference lacks %q", want)
		}
	}
	if !strings.HasPrefix(body, "# licensedesk API reference") {
		t.Errorf("the overview does not come first")
	}
}

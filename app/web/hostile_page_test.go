package web

import (
	"strconv"
	"strings"
	"testing"

	"licensedesk/app"
)

// Issue 7, item 2: page=9223372036854775807 overflowed the page offset and
// panicked (500) or answered page 1. A page number past the bound is
// refused naming page; the largest allowed page is simply empty.
func TestHugePageNumbers(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	w.partner("Acme")
	sess := w.session("ops@example.com")
	huge := "9223372036854775807"
	last := strconv.Itoa(app.MaxPage)
	for _, list := range []string{"/api/v1/licenses", "/api/v1/products", "/api/v1/partners", "/api/v1/users", "/api/v1/audit"} {
		for _, extra := range []string{"", "&sort=id", "&sort=name", "&q=acme"} {
			if list == "/api/v1/audit" && extra != "" || list == "/api/v1/users" && extra == "&q=acme" {
				continue
			}
			if extra == "&sort=name" && list == "/api/v1/licenses" {
				extra = "&sort=key"
			}
			if extra == "&sort=name" && list == "/api/v1/users" {
				extra = "&sort=email"
			}
			r := w.do(op, "GET", list+"?page="+huge+extra, "")
			wantStatus(t, list+extra, r, 422)
			if e := r.apiError(t); e.Error.Field != "page" {
				t.Errorf("%s%s: error names %q, want page", list, extra, e.Error.Field)
			}
			r = w.do(op, "GET", list+"?per_page=500&page="+last+extra, "")
			wantStatus(t, list+extra+" last page", r, 200)
			var pg struct {
				Items []any `json:"items"`
				Page  int   `json:"page"`
			}
			r.json(t, &pg)
			if len(pg.Items) != 0 || pg.Page != app.MaxPage {
				t.Errorf("%s%s page %s: %d items, page %d; want an empty page %s", list, extra, last, len(pg.Items), pg.Page, last)
			}
		}
	}
	for _, page := range []string{"/licenses", "/products", "/partners", "/users", "/audit", "/licenses?sort=id&q=acme"} {
		sep := "?"
		if strings.Contains(page, "?") {
			sep = "&"
		}
		r := w.do(sess, "GET", page+sep+"page="+huge, "")
		if r.status != 200 {
			t.Errorf("%s page %s: status %d", page, huge, r.status)
		}
	}
}

// The service itself bounds the page, whoever calls it.
func TestServiceBoundsThePage(t *testing.T) {
	w := newWebEnv(t)
	w.partner("Acme")
	for _, sort := range []string{"id", "name"} {
		pg, err := w.svc.ListPartners(app.System, app.ListParams{Page: 1<<63 - 1, Sort: sort})
		if err != nil || len(pg.Items) != 0 {
			t.Errorf("sort %s: %v, %d items", sort, err, len(pg.Items))
		}
	}
	lp, err := w.svc.ListLicenses(app.System, app.ListParams{Page: 1<<63 - 1, Sort: "id"})
	if err != nil || len(lp.Items) != 0 {
		t.Errorf("licenses: %v, %d items", err, len(lp.Items))
	}
}

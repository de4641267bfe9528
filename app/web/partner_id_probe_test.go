package web

import (
	"fmt"
	"strings"
	"testing"
)

// A partner that names another partner in partner_id (the license list,
// its CSV export, the checkout's filter, the order and invoice lists) is
// answered as when it asks for another partner's license: 404 not found,
// not its own records as if they were the other's. Its own id still lists.
func TestPartnerIDOfAnotherPartnerIsNotFound(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	other, own := uintString(wd.b.ID), uintString(wd.a.ID)

	// What the desk answers when A asks for B's license.
	want := w.do(wd.aToken, "GET", "/api/v1/licenses/"+uintString(wd.bLicense), "")
	wantStatus(t, "another partner's license", want, 404)

	var terms struct{ Version string }
	r := w.do(wd.aToken, "GET", "/api/v1/terms", "")
	wantStatus(t, "terms", r, 200)
	r.json(t, &terms)

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/licenses?partner_id=" + other, ""},
		{"GET", "/api/v1/licenses.csv?partner_id=" + other, ""},
		{"GET", "/api/v1/orders?partner_id=" + other, ""},
		{"GET", "/api/v1/invoices?partner_id=" + other, ""},
		{"POST", "/api/v1/checkout", fmt.Sprintf(`{"filter":{"partner_id":%q},"terms_version":%q}`, other, terms.Version)},
	} {
		r := w.do(wd.aToken, c.method, c.path, c.body)
		if r.status != want.status || string(r.body) != string(want.body) {
			t.Errorf("A's %s %s: %d %s; want %d %s", c.method, c.path, r.status, r.body, want.status, want.body)
		}
	}
	for _, path := range []string{"/api/v1/licenses?partner_id=" + own, "/api/v1/orders?partner_id=" + own, "/api/v1/invoices?partner_id=" + own} {
		r := w.do(wd.aToken, "GET", path, "")
		if r.status != 200 || !strings.Contains(string(r.body), `"items"`) {
			t.Errorf("A's GET %s: %d %s", path, r.status, r.body)
		}
	}
}

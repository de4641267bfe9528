package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Answers that carry license keys, activation links, transfer receipts,
// the whole data file or customers' details must not stay in a browser's
// or a proxy's cache after the user leaves: every answer but the static
// files says Cache-Control: no-store, not only the rendered pages.
func TestAnswersWithKeysAndSecretsAreNotCached(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	alice := w.session("alice@alpha.example")
	ops := w.bearer("ops@example.com")
	lic, ord := fmt.Sprint(wd.aLicense), fmt.Sprint(wd.aOrder)
	for _, tc := range []struct {
		c    caller
		path string
	}{
		{alice, "/orders/" + ord + "/codes.csv"},
		{alice, "/licenses/export.csv?view=all"},
		{alice, "/orders/export.csv"},
		{alice, "/customers/export.csv"},
		{alice, "/invoices/export.csv"},
		{alice, "/transfers/" + fmt.Sprint(wd.aTransfer) + "/receipt"},
		{wd.aToken, "/api/v1/licenses/" + lic},
		{wd.aToken, "/api/v1/licenses/" + lic + "/activation-link"},
		{wd.aToken, "/api/v1/orders/" + ord},
		{wd.aToken, "/api/v1/licenses.csv"},
		{wd.aToken, "/api/v1/orders/" + ord + "/codes.csv"},
		{wd.aToken, "/api/v1/outbox/" + fmt.Sprint(wd.aMail)},
		{ops, "/api/v1/backup"},
	} {
		got := w.do(tc.c, "GET", tc.path, "")
		if got.status != 200 {
			t.Errorf("GET %s: %d %.200s", tc.path, got.status, got.body)
			continue
		}
		if cc := got.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("GET %s: Cache-Control %q, want no-store", tc.path, cc)
		}
	}
	// The page that shows a transfer's secret, once.
	got := w.do(alice, "POST", "/transfers", url.Values{"ids": {lic}, "target": {wd.b.PublicID}}.Encode())
	if got.status != 201 || !strings.Contains(got.header.Get("Cache-Control"), "no-store") {
		t.Errorf("POST /transfers: %d, Cache-Control %q", got.status, got.header.Get("Cache-Control"))
	}
	// The static files keep their cache lifetime.
	if got := w.do(anonymous, "GET", "/static/app.css", ""); got.status != 200 || !strings.Contains(got.header.Get("Cache-Control"), "max-age=3600") {
		t.Errorf("GET /static/app.css: %d, Cache-Control %q", got.status, got.header.Get("Cache-Control"))
	}
}

package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// A partner cannot widen a list, export or form to another partner's
// records by naming them in the query or the form: partner_id=B,
// partner=B's public ID, ids=B's license, customer_id=B's customer. What
// it gets shows nothing of partner B (its name, keys, order and invoice
// numbers, customers, users).
func TestPartnerCannotWidenScopeThroughQueryOrForm(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	alice := w.session("alice@alpha.example")
	bLic, err := w.svc.GetLicense(app.System, wd.bLicense)
	if err != nil {
		t.Fatal(err)
	}
	bOrder, err := w.svc.GetOrder(app.System, wd.bOrder)
	if err != nil {
		t.Fatal(err)
	}
	bInv, err := w.svc.GetInvoice(app.System, wd.bInvoice)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Beta Reseller", bLic.Key, bOrder.Number, bInv.Number, wd.b.PublicID, fmt.Sprintf("customer%d@example.com", wd.b.ID), "bob@beta.example"}
	bid, bpub, blic := fmt.Sprint(wd.b.ID), wd.b.PublicID, fmt.Sprint(wd.bLicense)
	var gets []string
	for _, page := range []string{"/licenses", "/licenses/export.csv", "/orders", "/orders/export.csv", "/invoices", "/invoices/export.csv",
		"/customers", "/customers/export.csv", "/history", "/outbox", "/transfers", "/reminders", "/",
		"/api/v1/licenses", "/api/v1/licenses.csv", "/api/v1/licenses/groups", "/api/v1/orders", "/api/v1/orders.csv", "/api/v1/invoices",
		"/api/v1/invoices.csv", "/api/v1/customers", "/api/v1/customers.csv", "/api/v1/outbox", "/api/v1/transfers", "/api/v1/users",
		"/api/v1/partners", "/api/v1/reminders/preview", "/api/v1/special-prices"} {
		q := url.Values{"partner_id": {bid}, "partner": {bpub}, "distributor_id": {bid}, "view": {"all"}, "from": {"2000-01-01"}, "to": {"2100-01-01"}, "ids": {blic}}
		gets = append(gets, page+"?"+q.Encode(), page+"?partner="+bid+"&view=all&from=2000-01-01", page+"?group=partner&view=all", page+"?q="+url.QueryEscape(bLic.Key)+"&view=all")
	}
	// What the request itself names may be echoed back (a search box, a
	// message naming the value); anything else of B's is a leak.
	leak := func(what string, r reply) {
		t.Helper()
		sent, _ := url.QueryUnescape(what)
		for _, s := range secrets {
			if !strings.Contains(sent, s) && strings.Contains(string(r.body), s) {
				t.Errorf("%s: %d shows partner B's %q: %.400s", what, r.status, s, r.body)
				return
			}
		}
	}
	for _, p := range gets {
		c := alice
		if strings.HasPrefix(p, "/api/") {
			c = wd.aToken
		}
		got := w.do(c, "GET", p, "")
		if got.status >= 500 {
			t.Errorf("GET %s: %d %.200s", p, got.status, got.body)
		}
		leak("GET "+p, got)
	}
	// The same query does show B's records to the operator, and A's own
	// to A: the checks above look where B's records would be.
	if got := w.do(w.session("ops@example.com"), "GET", "/licenses?view=all&partner_id="+bid, ""); !strings.Contains(string(got.body), bLic.Key) {
		t.Errorf("the operator's /licenses?partner_id=B does not show B's license: %d", got.status)
	}
	if aLic, _ := w.svc.GetLicense(app.System, wd.aLicense); !strings.Contains(string(w.do(alice, "GET", "/licenses?view=all&partner_id="+bid, "").body), aLic.Key) {
		t.Error("partner A's /licenses?partner_id=B does not show A's own license")
	}
	// Forms that name licenses or customers.
	form := url.Values{"ids": {blic}, "partner_id": {bid}, "customer_id": {fmt.Sprint(wd.bCustomer)}, "action": {"suspend"}, "confirm": {"1"},
		"target": {wd.a.PublicID}, "periods": {"1"}, "accept": {"1"}, "terms_version": {app.DefaultTerms.Version}, "on": {"false"}}
	for _, p := range []string{"/licenses/export", "/licenses/bulk", "/transfers/new", "/transfers", "/renewals", "/checkout", "/reminders/send", "/reminders/customer-mails",
		"/licenses/" + fmt.Sprint(wd.aLicense) + "/activate", "/licenses", "/buy", "/customers"} {
		got := w.do(alice, "POST", p, form.Encode())
		if got.status >= 500 {
			t.Errorf("POST %s: %d %.200s", p, got.status, got.body)
		}
		leak("POST "+p+" "+form.Encode(), got)
	}
	// Partner B's license and settings are as they were.
	if l, _ := w.svc.GetLicense(app.System, wd.bLicense); l.Status != bLic.Status || l.PartnerID != wd.b.ID {
		t.Errorf("B's license changed: %s, partner %d", l.Status, l.PartnerID)
	}
	if on, _ := w.svc.CustomerMails(app.System, wd.b.ID); !on {
		t.Error("partner A switched off partner B's customer mails")
	}
}

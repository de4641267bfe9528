package web

import (
	"strings"
	"testing"

	"licensedesk/app"
)

// A license of an order deleted since is, for the order's partner, what
// GET /api/v1/licenses/{id} says of it: gone. The order's API, page and
// codes CSV give the partner its id, order line and "deleted", never its
// key or activation link; the operator still sees the key, marked deleted.
func TestOrderOfADeletedLicenseWithholdsItsKeyFromThePartner(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	if _, err := w.svc.RecordBalance(app.System, wd.a.ID, app.BalanceInput{Amount: 1_000_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	alice := app.Actor{UserID: wd.aUser.ID, Email: wd.aUser.Email, Role: app.RolePartner, PartnerID: wd.a.ID}
	o, _, err := w.svc.PlaceOrder(alice, app.OrderInput{Lines: []app.BasketLine{{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 2}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := w.svc.OrderLicenses(app.System, o.ID)
	if err != nil || len(ls) != 2 {
		t.Fatalf("order licenses: %+v %v", ls, err)
	}
	gone, kept := ls[0], ls[1]
	op := w.bearer("ops@example.com")
	wantStatus(t, "delete", w.do(op, "DELETE", "/api/v1/licenses/"+uintString(gone.ID), ""), 204)
	wantStatus(t, "the partner's GET of the deleted license", w.do(wd.aToken, "GET", "/api/v1/licenses/"+uintString(gone.ID), ""), 404)

	oid := uintString(o.ID)
	sess := w.session("alice@alpha.example")
	for _, r := range []struct {
		c    caller
		path string
	}{
		{wd.aToken, "/api/v1/orders/" + oid},
		{wd.aToken, "/api/v1/orders/" + oid + "/codes.csv"},
		{sess, "/orders/" + oid},
		{sess, "/orders/" + oid + "/codes.csv"},
	} {
		got := w.do(r.c, "GET", r.path, "")
		wantStatus(t, "A's GET "+r.path, got, 200)
		body := string(got.body)
		if strings.Contains(body, gone.Key) {
			t.Errorf("A's GET %s still gives the deleted license's key %s", r.path, gone.Key)
		}
		if !strings.Contains(body, kept.Key) || !strings.Contains(body, "deleted") {
			t.Errorf("A's GET %s does not list the kept key and mark the other deleted: %.1500s", r.path, body)
		}
	}
	// The resent confirmation names it deleted, without its key.
	wantStatus(t, "resend", w.do(wd.aToken, "POST", "/api/v1/orders/"+oid+"/resend", ""), 202)
	mails, err := w.svc.ListOutbox(alice, app.ListParams{})
	if err != nil || len(mails.Items) == 0 || !strings.HasPrefix(mails.Items[0].Subject, "Again:") {
		t.Fatalf("A's outbox: %+v %v", mails.Items, err)
	}
	if txt := mails.Items[0].Text; strings.Contains(txt, gone.Key) || !strings.Contains(txt, "License "+uintString(gone.ID)+": deleted") || !strings.Contains(txt, kept.Key) {
		t.Errorf("the resent confirmation of an order with a deleted license reads:\n%s", txt)
	}
	var out struct {
		Licenses []map[string]any `json:"licenses"`
	}
	got := w.do(wd.aToken, "GET", "/api/v1/orders/"+oid, "")
	got.json(t, &out)
	if len(out.Licenses) != 2 || out.Licenses[0]["id"] != float64(gone.ID) || out.Licenses[0]["deleted"] == nil || out.Licenses[0]["activation_url"] != "" {
		t.Errorf("A's order answer: %s", got.body)
	}

	// The operator sees the key, marked deleted, in the API and the CSV.
	got = w.do(op, "GET", "/api/v1/orders/"+oid, "")
	got.json(t, &out)
	if len(out.Licenses) != 2 || out.Licenses[0]["key"] != gone.Key || out.Licenses[0]["deleted"] == nil {
		t.Errorf("the operator's order answer: %s", got.body)
	}
	got = w.do(w.session("ops@example.com"), "GET", "/orders/"+oid, "")
	wantStatus(t, "operator's order page", got, 200)
	if body := string(got.body); !strings.Contains(body, gone.Key+"</a> <span class=\"small muted\">deleted</span>") {
		t.Errorf("the operator's order page does not mark the deleted license's key deleted")
	}
	got = w.do(op, "GET", "/api/v1/orders/"+oid+"/codes.csv", "")
	wantStatus(t, "operator's codes.csv", got, 200)
	for _, line := range strings.Split(string(got.body), "\n") {
		if strings.Contains(line, gone.Key) && !strings.Contains(line, ",deleted,") {
			t.Errorf("the operator's CSV row of the deleted license is not marked deleted: %s", line)
		}
	}
	if !strings.Contains(string(got.body), gone.Key) {
		t.Errorf("the operator's CSV lacks the deleted license's key: %s", got.body)
	}
}

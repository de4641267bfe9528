package web

import (
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// handOverOrderLicense moves the license of partner A's order in the
// route world to partner B (B approves with the secret), and has B use
// it: a customer, an IP, a private note. It returns B's license.
func (wd *world) handOverOrderLicense(t *testing.T) app.LicenseView {
	t.Helper()
	svc := wd.w.svc
	o, err := svc.GetOrder(app.System, wd.aOrder)
	if err != nil {
		t.Fatal(err)
	}
	id := o.LicenseIDList[0]
	alice := app.Actor{UserID: wd.aUser.ID, Email: wd.aUser.Email, Role: app.RolePartner, PartnerID: wd.a.ID}
	bob := app.Actor{UserID: wd.bUser.ID, Email: wd.bUser.Email, Role: app.RolePartner, PartnerID: wd.b.ID}
	tr, err := svc.CreateTransfer(alice, app.TransferInput{LicenseIDs: []uint64{id}, Target: wd.b.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveTransfer(bob, tr.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	customer, ip, notes := "Bob's Bakery", "203.0.113.88", "beta's private margin"
	if _, err := svc.AssignLicense(bob, id, app.AssignInput{Customer: &customer}); err != nil {
		t.Fatal(err)
	}
	l, err := svc.EditLicense(bob, id, app.LicenseEdit{IP: &ip, Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestOrderRoutesHideALicenseHandedToAnotherPartner: every order route
// partner A calls after handing its order's license to B, through the API
// and the pages, shows it only as transferred, and its refund is refused
// with nothing changed.
func TestOrderRoutesHideALicenseHandedToAnotherPartner(t *testing.T) {
	wd := newWorld(t)
	bl := wd.handOverOrderLicense(t)
	sess := wd.w.session("alice@alpha.example")
	secrets := []string{bl.Key, "Bob's Bakery", "Bob&#39;s Bakery", "203.0.113.88", "beta's private", "beta&#39;s private", wd.b.PublicID}
	leak := func(what string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s shows B's %q", what, s)
			}
		}
	}
	id := fmt.Sprint(wd.aOrder)
	for _, r := range []struct {
		c    caller
		path string
		says string
	}{
		{wd.aToken, "/api/v1/orders/" + id, `"transferred":true`},
		{wd.aToken, "/api/v1/orders/" + id + "/codes.csv", app.TransferredNote},
		{sess, "/orders/" + id, app.TransferredNote},
		{sess, "/orders/" + id + "/codes.csv", app.TransferredNote},
	} {
		got := wd.w.do(r.c, "GET", r.path, "")
		if got.status != 200 {
			t.Fatalf("A GET %s: %d %s", r.path, got.status, got.body)
		}
		leak("A's GET "+r.path, got.body)
		if !strings.Contains(string(got.body), r.says) {
			t.Errorf("A's GET %s does not say %q: %.2000s", r.path, r.says, got.body)
		}
		if strings.Contains(string(got.body), "/activate/") {
			t.Errorf("A's GET %s carries an activation link: %.2000s", r.path, got.body)
		}
	}
	// B's active license is not counted as A's.
	var out struct {
		Active    int              `json:"licenses_active"`
		Available int              `json:"licenses_available"`
		Licenses  []map[string]any `json:"licenses"`
	}
	got := wd.w.do(wd.aToken, "GET", "/api/v1/orders/"+id, "")
	got.json(t, &out)
	if len(out.Licenses) != 1 || out.Licenses[0]["id"] != float64(bl.ID) || out.Licenses[0]["activation_url"] != "" || out.Active != 0 || out.Available != 0 {
		t.Errorf("A's order answer: %s", got.body)
	}

	// Resend mails A the order without B's key.
	if got := wd.w.do(wd.aToken, "POST", "/api/v1/orders/"+id+"/resend", ""); got.status >= 300 {
		t.Fatalf("resend: %d %s", got.status, got.body)
	}
	alice := app.Actor{UserID: wd.aUser.ID, Email: wd.aUser.Email, Role: app.RolePartner, PartnerID: wd.a.ID}
	mails, err := wd.w.svc.ListOutbox(alice, app.ListParams{})
	if err != nil || len(mails.Items) == 0 || !strings.HasPrefix(mails.Items[0].Subject, "Again:") {
		t.Fatalf("A's outbox: %+v %v", mails.Items, err)
	}
	leak("the resent mail", []byte(mails.Items[0].Text))
	if !strings.Contains(mails.Items[0].Text, app.TransferredNote) {
		t.Errorf("the resent mail does not say the license was transferred:\n%s", mails.Items[0].Text)
	}

	// Refund through the API and the page: refused, naming the license.
	before, err := wd.w.svc.GetOrder(app.System, wd.aOrder)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("license %d was handed over to another partner", bl.ID)
	got = wd.w.do(wd.aToken, "POST", "/api/v1/orders/"+id+"/refund", fmt.Sprintf(`{"license_ids":[%d],"reason":"x"}`, bl.ID))
	if e := got.apiError(t); got.status != 422 || e.Error.Field != "license_ids" || !strings.Contains(e.Error.Message, want) {
		t.Errorf("API refund: %d %s", got.status, got.body)
	}
	got = wd.w.do(wd.aToken, "POST", "/api/v1/orders/"+id+"/refund", `{"reason":"all of it"}`)
	if e := got.apiError(t); got.status != 422 || !strings.Contains(e.Error.Message, want) {
		t.Errorf("API whole-order refund: %d %s", got.status, got.body)
	}
	got = wd.w.do(sess, "POST", "/orders/"+id+"/refund", fmt.Sprintf("license_id=%d&reason=x", bl.ID))
	if got.status != 422 || !strings.Contains(string(got.body), `id="f-license-ids-error">L`+want[1:]) { // the page starts it with a capital
		t.Errorf("page refund: %d %.3000s", got.status, got.body)
	}
	leak("the refused refund page", got.body)
	now, err := wd.w.svc.GetLicense(app.System, bl.ID)
	if err != nil || now.Status != bl.Status || now.Payment != bl.Payment || now.PartnerID != wd.b.ID {
		t.Errorf("B's license after A's refunds: %+v %v", now, err)
	}
	if o, _ := wd.w.svc.GetOrder(app.System, wd.aOrder); o.Refunded.Amount != 0 || len(o.Events) != len(before.Events) || o.State != before.State {
		t.Errorf("A's order after refused refunds: %s, refunded %v, %d events", o.State, o.Refunded, len(o.Events))
	}

	// The operator's page still shows the key, marked as transferred.
	got = wd.w.do(wd.w.bearer("ops@example.com"), "GET", "/api/v1/orders/"+id, "")
	if !strings.Contains(string(got.body), bl.Key) || !strings.Contains(string(got.body), `"transferred":true`) {
		t.Errorf("the operator's order answer: %s", got.body)
	}
}

package web

import (
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// One of a thing reads in the singular: the order confirmation mail of a
// one-seat line, the license history after the first machine, the
// refusal to delete a partner with one user login.
func TestOneReadsInTheSingular(t *testing.T) {
	wd := newWorld(t)
	w := wd.w

	// The partner orders one seat by the API; its confirmation mail says "1 seat".
	r := w.do(wd.aToken, "POST", "/api/v1/orders", fmt.Sprintf(`{"payment":"invoice","lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}]}`, wd.product.ID))
	wantStatus(t, "order", r, 201)
	alice := app.Actor{UserID: wd.aUser.ID, Email: wd.aUser.Email, Role: app.RolePartner, PartnerID: wd.a.ID}
	mails, err := w.svc.ListOutbox(alice, app.ListParams{})
	if err != nil || len(mails.Items) == 0 {
		t.Fatalf("outbox: %+v %v", mails.Items, err)
	}
	if txt := mails.Items[0].Text; !strings.Contains(txt, ", 1 seat, ") || strings.Contains(txt, "1 seats") {
		t.Errorf("the confirmation of a one-seat line reads:\n%s", txt)
	}

	// A machine activates a license; its history says "1 machine".
	lid, key := wd.unused()
	r = w.do(anonymous, "POST", "/api/v1/client/activate", clientBody(key, "host-1", "hostname", "pc-01"))
	wantStatus(t, "activate", r, 200)
	r = w.do(w.session("ops@example.com"), "GET", "/licenses/"+uintString(lid), "")
	wantStatus(t, "license page", r, 200)
	if body := string(r.body); !strings.Contains(body, "1 machine") || strings.Contains(body, "1 machines") {
		t.Errorf("the license history after one activation does not read \"1 machine\" (\"1 machines\" shown: %v)", strings.Contains(body, "1 machines"))
	}

	// Deleting a partner with one user login says "1 user login".
	r = w.do(w.bearer("ops@example.com"), "DELETE", "/api/v1/partners/"+uintString(wd.b.ID), "")
	if r.status != 409 || !strings.Contains(string(r.body), "has 1 user login;") {
		t.Errorf("delete a partner with one user: %d %s", r.status, r.body)
	}
}

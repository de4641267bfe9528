package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"licensedesk/app"
)

// licRow is the list row of a license (its <tr>), "" when not listed.
func licRow(body string, id uint64) string {
	start := strings.Index(body, fmt.Sprintf(`<tr id="lic-%d">`, id))
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</tr>")
	if end < 0 {
		return body[start:]
	}
	return body[start : start+end]
}

// TestLicenseCustomersLinkToTheirRecord: a license activated for a
// customer, and one whose customer was typed when it was created, show
// their customer as a link to the record in every view of the list and on
// the license page, for its partner and the operator; following the link
// shows the customer with its licenses. A license the operator moves to
// another partner links to that partner's record of the customer, never
// to the old partner's.
func TestLicenseCustomersLinkToTheirRecord(t *testing.T) {
	w := newLicWorld(t)
	h := w.h
	pa := app.Actor{Role: app.RolePartner, PartnerID: w.pa.ID, Email: w.userA}
	ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: w.prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		Name: "Alpha lab", PartnerID: w.pa.ID})
	if err != nil {
		t.Fatal(err)
	}
	unused := ls[0]
	name, email := "Fabrikam Buyer", "buyer@fabrikam.example"
	done, err := h.svc.ActivateForCustomer(pa, unused.ID, app.CustomerChoice{New: &app.CustomerInput{Name: &name, Email: &email}})
	if err != nil {
		t.Fatal(err)
	}
	cust := done.Customer
	link := fmt.Sprintf(`<a href="/customers/%d" data-customer>%s</a>`, cust.ID, name)
	// soonA was created with "Contoso Ltd" typed: it links to A's record of it.
	typed, err := h.svc.LicenseCustomer(pa, w.soonA.ID)
	if err != nil || typed == nil || typed.Name != "Contoso Ltd" || typed.PartnerID != w.pa.ID || typed.ID == cust.ID {
		t.Fatalf("the license created with a typed customer links to %+v, %v", typed, err)
	}
	typedLink := fmt.Sprintf(`<a href="/customers/%d" data-customer>Contoso Ltd</a>`, typed.ID)

	for _, who := range []string{w.userA, w.operator} {
		c := h.login(who)
		for _, view := range []string{"/licenses?view=all", "/licenses?view=all&sort=customer", "/licenses?view=all&sort=-customer",
			"/licenses?view=all&q=" + compact(unused.Key)[:10] + "*"} {
			resp, body := c.get(view)
			wantStatus(t, resp, body, http.StatusOK)
			if row := licRow(body, unused.ID); !strings.Contains(row, link) {
				t.Fatalf("%s, %s: the activated license's row lacks %s:\n%s", who, view, link, row)
			}
			if strings.Contains(view, "q=") {
				continue // the search finds the one license
			}
			if row := licRow(body, w.soonA.ID); !strings.Contains(row, typedLink) {
				t.Fatalf("%s, %s: the license created with a typed customer lacks %s:\n%s", who, view, typedLink, row)
			}
			if row := licRow(body, w.newA.ID); row == "" || strings.Contains(row, "/customers/") {
				t.Fatalf("%s, %s: a license without a customer links somewhere:\n%s", who, view, row)
			}
		}
		// Grouped by customer: the group's rows, loaded in place, link too.
		resp, body := c.get("/licenses?view=all&group=customer")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, name)
		req, _ := http.NewRequest("GET", "/licenses?part=group&view=all&customer="+strings.ReplaceAll(name, " ", "+"), nil)
		req.Header.Set("HX-Request", "true")
		resp, body = c.do(req)
		wantStatus(t, resp, body, http.StatusOK)
		if row := licRow(body, unused.ID); !strings.Contains(row, link) {
			t.Fatalf("%s: the customer group's row lacks the link:\n%.800s", who, body)
		}
		// The license page links the record, and the record lists the license.
		resp, body = c.get(fmt.Sprintf("/licenses/%d", unused.ID))
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, fmt.Sprintf(`<a href="/customers/%d">%s</a>`, cust.ID, name))
		resp, body = c.get(fmt.Sprintf("/customers/%d", cust.ID))
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, name, email, fmt.Sprintf(`href="/licenses/%d"`, unused.ID), unused.Key)
		resp, body = c.get(fmt.Sprintf("/licenses/%d", w.soonA.ID))
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, fmt.Sprintf(`<a href="/customers/%d">Contoso Ltd</a>`, typed.ID))
		resp, body = c.get(fmt.Sprintf("/customers/%d", typed.ID))
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "Contoso Ltd", fmt.Sprintf(`href="/licenses/%d"`, w.soonA.ID))
	}

	// Partner B sees no link to A's customer anywhere, and the record is
	// not found for it.
	cb := h.login(w.userB)
	resp, body := cb.get("/licenses?view=all")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, fmt.Sprintf("/customers/%d", cust.ID)) {
		t.Fatal("partner B's list links A's customer")
	}
	for _, id := range []uint64{cust.ID, typed.ID} {
		resp, body = cb.get(fmt.Sprintf("/customers/%d", id))
		wantStatus(t, resp, body, http.StatusNotFound)
	}

	// The operator moves the license to B: it keeps its customer text and
	// links to B's own record of that customer, made for B; neither B nor
	// the operator gets a link to A's customer record.
	to := w.pb.ID
	if _, err := h.svc.AssignLicense(app.System, unused.ID, app.AssignInput{PartnerID: &to}); err != nil {
		t.Fatal(err)
	}
	pb := app.Actor{Role: app.RolePartner, PartnerID: w.pb.ID, Email: w.userB}
	moved, err := h.svc.LicenseCustomer(pb, unused.ID)
	if err != nil || moved == nil || moved.PartnerID != w.pb.ID || moved.ID == cust.ID || moved.Email != email {
		t.Fatalf("the moved license links to %+v, %v", moved, err)
	}
	movedLink := fmt.Sprintf(`<a href="/customers/%d" data-customer>%s</a>`, moved.ID, name)
	for _, who := range []string{w.userB, w.operator} {
		c := h.login(who)
		resp, body := c.get("/licenses?view=all")
		wantStatus(t, resp, body, http.StatusOK)
		row := licRow(body, unused.ID)
		if !strings.Contains(row, movedLink) || strings.Contains(row, fmt.Sprintf("/customers/%d\"", cust.ID)) {
			t.Fatalf("%s: the moved license's row lacks %s:\n%s", who, movedLink, row)
		}
		resp, body = c.get(fmt.Sprintf("/licenses/%d", unused.ID))
		wantStatus(t, resp, body, http.StatusOK)
		if strings.Contains(body, fmt.Sprintf("/customers/%d\"", cust.ID)) {
			t.Fatalf("%s: the moved license's page links the old partner's customer", who)
		}
		wantContains(t, body, fmt.Sprintf(`<a href="/customers/%d">%s</a>`, moved.ID, name))
		resp, body = c.get(fmt.Sprintf("/customers/%d", moved.ID))
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, name, fmt.Sprintf(`href="/licenses/%d"`, unused.ID))
	}
	// A no longer lists the license under its customer, and cannot open B's record.
	ca := h.login(w.userA)
	resp, body = ca.get(fmt.Sprintf("/customers/%d", cust.ID))
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, fmt.Sprintf(`href="/licenses/%d"`, unused.ID)) {
		t.Fatal("A's customer page still lists the license B has now")
	}
	resp, body = ca.get(fmt.Sprintf("/customers/%d", moved.ID))
	wantStatus(t, resp, body, http.StatusNotFound)
}

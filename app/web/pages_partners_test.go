package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

func TestPartnerSeesOwnAccountAndIsDeniedOperatorPages(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	name, other := "Northwind IT", "Contoso"
	disc, prog := 2500, app.ProgramManual
	dist, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &other})
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name, DiscountBP: &disc, Program: &prog, DistributorID: &dist.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 50000, Kind: app.LedgerTopUp, Reason: "Wire 118"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: -1250, Kind: app.LedgerCorrection, Reason: "Fee"}); err != nil {
		t.Fatal(err)
	}
	h.user("anna@northwind.example", p.ID)
	h.user("bob@contoso.example", dist.ID)

	c := h.login("anna@northwind.example")
	resp, body := c.get("/account")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Northwind IT", "Coupon details", "25%", p.PublicID, "Manual month-end checkout", "Contoso",
		"487.50 EUR", "500.00 EUR", "-12.50 EUR", "Wire 118", "Fee")
	resp, body = c.get("/")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "487.50 EUR", "25%", p.PublicID)

	for _, path := range []string{"/partners", "/partners/new", "/partners/" + id(p.ID), "/partners/" + id(dist.ID), "/users", "/audit", "/products/new"} {
		resp, body := c.get(path)
		wantStatus(t, resp, body, http.StatusForbidden)
		wantContains(t, body, "You do not have permission")
	}
	for _, path := range []string{"/partners", "/partners/" + id(p.ID) + "/balance", "/partners/" + id(p.ID) + "/users", "/users", "/products"} {
		resp, body := c.post(path, url.Values{"b.amount": {"1000"}, "b.kind": {"topup"}, "b.reason": {"self-service"}})
		wantStatus(t, resp, body, http.StatusForbidden)
	}
	if acc, _ := h.svc.GetAccount(app.System, p.ID); acc.Balance.Amount != 48750 {
		t.Errorf("a partner's posts changed its balance to %d", acc.Balance.Amount)
	}
	// The other partner's account is not reachable either.
	_, body = h.login("bob@contoso.example").get("/account")
	if strings.Contains(body, "Northwind") {
		t.Error("another partner's account page shows Northwind")
	}
}

func partnerForm(name string) url.Values {
	return url.Values{"name": {name}, "email": {"orders@example.com"}, "discount": {"27.5"}, "program": {"standard"},
		"distributor_id": {""}, "currency": {"EUR"}, "notes": {"Key account"}}
}

func TestOperatorManagesPartner(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	c.get("/partners/new")

	// A bad discount is shown beside the discount, with the values kept.
	form := partnerForm("Northwind IT")
	form.Set("discount", "120")
	resp, body := c.post("/partners", form)
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "discount"); !strings.Contains(msg, "between 0 and 100") {
		t.Errorf("discount message: %q", msg)
	}
	wantContains(t, body, `value="Northwind IT"`, `value="120"`)
	form = partnerForm("Northwind IT")
	form.Set("email", "not an email")
	_, body = c.post("/partners", form)
	if msg := fieldError(body, "email"); msg == "" {
		t.Error("a bad email shows no message beside the field")
	}

	resp, body = c.post("/partners", partnerForm("Northwind IT"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	_, body = c.follow(resp)
	wantContains(t, body, "Partner saved.", "Northwind IT", "27.5%", "Key account")
	page, _ := h.svc.ListPartners(app.System, app.ListParams{})
	if page.Total != 1 || page.Items[0].DiscountBP != 2750 {
		t.Fatalf("partners stored: %+v", page.Items)
	}
	p := page.Items[0]

	// A distributor is chosen from the other partners.
	resp, body = c.post("/partners", partnerForm("Big Distribution"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	page, _ = h.svc.ListPartners(app.System, app.ListParams{Filters: map[string]string{"name": "Big"}})
	distID := page.Items[0].ID
	_, body = c.get(loc + "/edit")
	wantContains(t, body, `<option value="`+id(distID)+`">Big Distribution`)
	edit := partnerForm("Northwind IT")
	edit.Set("distributor_id", id(distID))
	edit.Set("program", "manual")
	resp, body = c.post(loc, edit)
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got, _ := h.svc.GetPartner(app.System, p.ID); got.DistributorID != distID || got.Program != "manual" {
		t.Errorf("after edit: %+v", got)
	}

	// A top-up typed as money; a blank reason is refused beside the reason.
	c.get(loc)
	resp, body = c.post(loc+"/balance", url.Values{"b.kind": {"topup"}, "b.amount": {"250.00"}, "b.reason": {""}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "b.reason"); msg == "" {
		t.Error("a blank reason shows no message beside the field")
	}
	wantContains(t, body, `value="250.00"`)
	resp, body = c.post(loc+"/balance", url.Values{"b.kind": {"topup"}, "b.amount": {"2.5.0"}, "b.reason": {"x"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "b.amount") == "" {
		t.Error("a bad amount shows no message beside the field")
	}
	resp, body = c.post(loc+"/balance", url.Values{"b.kind": {"topup"}, "b.amount": {"250.00"}, "b.reason": {"Wire 7"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "Balance changed by +250.00 EUR.", "Wire 7")
	resp, body = c.post(loc+"/balance", url.Values{"b.kind": {"correction"}, "b.amount": {"-300"}, "b.reason": {"oops"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "b.amount"); !strings.Contains(msg, "below zero") {
		t.Errorf("overdraw message: %q", msg)
	}

	// A user for the partner, from its page.
	resp, body = c.post(loc+"/users", url.Values{"u.email": {"anna@northwind.example"}, "u.name": {"Anna"}, "u.password": {"short"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "u.password") == "" {
		t.Error("a short password shows no message beside the field")
	}
	resp, body = c.post(loc+"/users", url.Values{"u.email": {"anna@northwind.example"}, "u.name": {"Anna"}, "u.password": {uiPassword}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	u, err := h.svc.UserByEmail(app.System, "anna@northwind.example")
	if err != nil || u.PartnerID != p.ID || u.Role != app.RolePartner {
		t.Fatalf("user made from the partner page: %+v, %v", u, err)
	}

	// Deleting a partner with users is refused with the service's reason.
	resp, body = c.post(loc+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusConflict)
	if msg := formAlert(body); !strings.Contains(msg, "has 1 user login;") {
		t.Errorf("delete refusal: %q", msg)
	}
	// A partner with nothing attached goes.
	resp, _ = c.post("/partners", partnerForm("Short Lived"))
	short := resp.Header.Get("Location")
	resp, body = c.post(short+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "Partner Short Lived deleted.")

	// The list filters and sorts in the URL.
	_, body = c.get("/partners?program=manual")
	wantContains(t, body, "Northwind IT")
	if strings.Contains(body, "Big Distribution</a></strong>") {
		t.Error("program=manual lists a standard partner")
	}
	_, body = c.get("/partners?sort=-discount_bp")
	wantContains(t, body, `aria-sort="descending"`)
}

func TestOperatorManagesUsers(t *testing.T) {
	h := newUIHarness(t)
	me := h.user("op@example.com", 0)
	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	c := h.login("op@example.com")
	c.get("/users")

	resp, body := c.post("/users", url.Values{"email": {"sam@acme.example"}, "role": {"partner"}, "partner_id": {""}, "password": {uiPassword}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "partner_id"); msg == "" {
		t.Error("a partner user without a partner shows no message beside the partner select")
	}
	resp, body = c.post("/users", url.Values{"email": {"sam@acme.example"}, "name": {"Sam"}, "role": {"partner"}, "partner_id": {id(p.ID)}, "password": {uiPassword}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "User sam@acme.example added.", "sam@acme.example", "Acme")
	sam, _ := h.svc.UserByEmail(app.System, "sam@acme.example")

	resp, body = c.post("/users", url.Values{"email": {"sam@acme.example"}, "role": {"operator"}, "password": {uiPassword}})
	wantStatus(t, resp, body, http.StatusConflict)
	if msg := fieldError(body, "email"); !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate email: %q", msg)
	}

	// Disable from the list through htmx: the answer is the row alone.
	req := httptest.NewRequest(http.MethodPost, "/users/"+id(sam.ID), strings.NewReader("disabled=true"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, body = c.do(req)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(body), `<tr id="user-`+id(sam.ID)+`">`) || !strings.Contains(body, "Enable") {
		t.Errorf("htmx disable answers:\n%s", body)
	}
	if u, _ := h.svc.GetUser(app.System, sam.ID); !u.Disabled {
		t.Error("the user is not disabled")
	}
	// Without JavaScript the same form redirects back to the list.
	resp, body = c.post("/users/"+id(sam.ID), url.Values{"disabled": {"false"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if u, _ := h.svc.GetUser(app.System, sam.ID); u.Disabled {
		t.Error("the user is still disabled")
	}

	// The last operator cannot disable or delete itself: the reason is shown.
	resp, body = c.post("/users/"+id(me.ID), url.Values{"disabled": {"true"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := formAlert(body); !strings.Contains(msg, "last active operator") {
		t.Errorf("last operator: %q", msg)
	}
	resp, body = c.post("/users/"+id(sam.ID)+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if _, err := h.svc.GetUser(app.System, sam.ID); err == nil {
		t.Error("the user is still there after delete")
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// Every page renders for the role that may see it, with the layout's
// navigation and no template error.
func TestPagesRenderForEachRole(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	name := "Acme Reseller"
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	h.user("sales@acme.example", p.ID)
	prod := sampleProduct(t, h)

	op := h.login("op@example.com")
	for _, path := range []string{"/", "/products", "/products?q=office&sort=-name&active=true", "/products/new",
		"/products/" + id(prod.ID), "/products/" + id(prod.ID) + "/edit", "/partners", "/partners?program=manual&sort=-discount_bp",
		"/partners/new", "/partners/" + id(p.ID), "/partners/" + id(p.ID) + "/edit", "/users", "/users?role=partner", "/settings", "/audit", "/audit?action=login"} {
		resp, body := op.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `href="/partners"`, "Sign out")
	}
	resp, body := op.get("/account")
	wantStatus(t, resp, body, http.StatusSeeOther)

	pc := h.login("sales@acme.example")
	for _, path := range []string{"/", "/account", "/products", "/products/" + id(prod.ID), "/settings"} {
		resp, body := pc.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		if strings.Contains(body, `href="/partners"`) {
			t.Errorf("%s: a partner's navigation links to /partners", path)
		}
	}
}

func TestErrorPages(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	for _, path := range []string{"/products/999", "/partners/abc", "/no/such/page"} {
		resp, body := c.get(path)
		wantStatus(t, resp, body, http.StatusNotFound)
		wantContains(t, body, "Not found", "There is nothing here", "Sign out")
	}
	// A form posted after the session ended.
	anon := h.client()
	anon.get("/login")
	resp, body := anon.post("/products", url.Values{})
	wantStatus(t, resp, body, http.StatusUnauthorized)
	wantContains(t, body, "Sign in again")
}

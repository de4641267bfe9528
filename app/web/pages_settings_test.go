package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

func TestSettingsPasswordAndTokens(t *testing.T) {
	h := newUIHarness(t)
	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	c := h.login("anna@acme.example")
	resp, body := c.get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "anna@acme.example", "Acme", "No API tokens.")

	// Password: the wrong current one, a mismatch, then a real change.
	resp, body = c.post("/settings/password", url.Values{"current_password": {"nope-nope-nope"}, "new_password": {"another-long-one"}, "new_password_again": {"another-long-one"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "current_password"); !strings.Contains(msg, "not your current password") {
		t.Errorf("wrong current password: %q", msg)
	}
	resp, body = c.post("/settings/password", url.Values{"current_password": {uiPassword}, "new_password": {"another-long-one"}, "new_password_again": {"another-long-two"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "new_password_again") == "" {
		t.Error("a mismatch shows no message beside the repeat field")
	}
	resp, body = c.post("/settings/password", url.Values{"current_password": {uiPassword}, "new_password": {"short"}, "new_password_again": {"short"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "new_password") == "" {
		t.Error("a short password shows no message beside the field")
	}
	resp, body = c.post("/settings/password", url.Values{"current_password": {uiPassword}, "new_password": {"another-long-one"}, "new_password_again": {"another-long-one"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "Password changed.")
	if _, _, err := h.svc.Login("anna@acme.example", "another-long-one", "127.0.0.1"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}

	// A token: shown once after creation, then only its hint.
	resp, body = c.post("/settings/tokens", url.Values{"t.name": {"export"}, "t.password": {"wrong-password"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "t.password") == "" {
		t.Error("a wrong password shows no message beside the token's password field")
	}
	resp, body = c.post("/settings/tokens", url.Values{"t.name": {"export"}, "t.password": {"another-long-one"}})
	wantStatus(t, resp, body, http.StatusCreated)
	m := regexp.MustCompile(`id="new-token" type="text" readonly value="(ldt_[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the new token is not shown:\n%s", body)
	}
	raw := m[1]
	wantContains(t, body, "shown only this once", "export")
	api := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	api.Header.Set("Authorization", "Bearer "+raw)
	if r, err := h.app.Test(api, -1); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("the shown token does not work on the API: %v %v", r.StatusCode, err)
	}
	_, body = c.get("/settings")
	if strings.Contains(body, raw) {
		t.Error("the token is shown again")
	}
	wantContains(t, body, raw[:10])

	tokens, _ := h.svc.ListTokens(app.System)
	resp, body = c.post("/settings/tokens/"+id(tokens[0].ID)+"/revoke", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if ts, _ := h.svc.ListTokens(app.System); len(ts) != 0 {
		t.Errorf("%d tokens left after revoke", len(ts))
	}
}

func TestAuditPageFilters(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	c.post("/partners", partnerForm("Northwind IT"))
	_, body := c.get("/audit?action=partner.")
	wantContains(t, body, "partner.create", "Northwind IT", "Clear all")
	if strings.Contains(body, ">login<") {
		t.Error("action=partner. lists logins")
	}
	_, body = c.get("/audit?actor=nobody")
	wantContains(t, body, "No entries match.")
}

package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"licensedesk/app"
)

// TestSettingsRotatesTheSigningKey: the operator rotates from Settings;
// the page then shows the new key with its public half and the old one
// as retired; a partner sees the key but no rotate button.
func TestSettingsRotatesTheSigningKey(t *testing.T) {
	h := newUIHarness(t)
	h.user("ops@example.com", 0)
	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	old, err := h.svc.CurrentSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	op := h.login("ops@example.com")
	resp, body := op.get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, base64.StdEncoding.EncodeToString(old.Public), `action="/settings/signing-key/rotate"`)
	resp, _ = op.post("/settings/signing-key/rotate", url.Values{})
	resp, body = op.follow(resp)
	wantStatus(t, resp, body, http.StatusOK)
	cur, err := h.svc.CurrentSigningKey()
	if err != nil || cur.ID == old.ID {
		t.Fatalf("after rotating: %+v %v", cur, err)
	}
	wantContains(t, body, "New signing key "+cur.ID, base64.StdEncoding.EncodeToString(cur.Public), "Retired keys", old.ID, base64.StdEncoding.EncodeToString(old.Public))

	pa := h.login("anna@acme.example")
	resp, body = pa.get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, cur.Fingerprint)
	if resp, body := pa.post("/settings/signing-key/rotate", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("partner rotating: %d %s", resp.StatusCode, body)
	}
	if k, _ := h.svc.CurrentSigningKey(); k.ID != cur.ID {
		t.Fatal("a partner rotated the key")
	}
}

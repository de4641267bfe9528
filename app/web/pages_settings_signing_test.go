package web_test

import (
	"net/http"
	"testing"

	"licensedesk/app"
)

// TestSettingsShowsTheSigningKeyFingerprint: the fingerprint two
// operators compare by phone is on the settings page.
func TestSettingsShowsTheSigningKeyFingerprint(t *testing.T) {
	h := newUIHarness(t)
	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	k, err := h.svc.CurrentSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	resp, body := h.login("anna@acme.example").get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "signing key", k.Fingerprint, k.ID)
}

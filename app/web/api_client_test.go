package web

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"licensedesk/app"
	"licensedesk/licensefile"
)

// unused makes an unused one-seat license of partner A and returns its key.
func (wd *world) unused() (uint64, string) {
	ls, err := wd.w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: wd.a.ID, Name: "Client"})
	if err != nil {
		wd.w.t.Fatal(err)
	}
	return ls[0].ID, ls[0].Key
}

func clientBody(key, fp string, extra ...string) string {
	b, _ := json.Marshal(map[string]string{"key": key, "fingerprint": fp})
	s := string(b)
	for i := 0; i+1 < len(extra); i += 2 {
		s = strings.TrimSuffix(s, "}") + `,"` + extra[i] + `":"` + extra[i+1] + `"}`
	}
	return s
}

type validateOut struct {
	Valid   bool    `json:"valid"`
	Code    string  `json:"code"`
	ValidTo *string `json:"valid_to"`
}

func TestClientRoutesOverHTTP(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	_, key := wd.unused()

	// validate answers 200 for every well-formed request, unknown keys too.
	var v validateOut
	r := w.do(anonymous, "POST", "/api/v1/client/validate", clientBody("QQQQQ-QQQQQ-QQQQQ-QQQQQ-QQQQQ", "host-1"))
	r.json(t, &v)
	if r.status != 200 || v.Valid || v.Code != "unknown_key" || !strings.Contains(string(r.body), `"valid_to":null`) {
		t.Fatalf("unknown key: %d %s", r.status, r.body)
	}
	r = w.do(anonymous, "POST", "/api/v1/client/validate", clientBody(key, "host-1"))
	r.json(t, &v)
	if r.status != 200 || v.Valid || v.Code != "not_activated" {
		t.Fatalf("unused key: %d %s", r.status, r.body)
	}

	// activate, then validate says valid with the expiry.
	r = w.do(anonymous, "POST", "/api/v1/client/activate", clientBody(key, "host-1", "hostname", "pc-01"))
	if r.status != 200 || !strings.Contains(string(r.body), `"valid":true`) {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	r = w.do(anonymous, "POST", "/api/v1/client/validate", clientBody(key, "host-1"))
	r.json(t, &v)
	if r.status != 200 || !v.Valid || v.Code != "ok" || v.ValidTo == nil || !strings.HasPrefix(*v.ValidTo, "2027-03-02") {
		t.Fatalf("validate: %d %s", r.status, r.body)
	}
	// The license has one seat.
	r = w.do(anonymous, "POST", "/api/v1/client/activate", clientBody(key, "host-2"))
	if r.status != 409 || r.apiError(t).Error.Code != "machine_limit" {
		t.Fatalf("second machine: %d %s", r.status, r.body)
	}

	// license-file by GET query and by JSON body; it verifies with the
	// public key the API answers.
	r = w.do(anonymous, "GET", "/api/v1/client/public-key", "")
	var pk struct {
		KeyID     string `json:"key_id"`
		PublicKey string `json:"public_key"`
	}
	r.json(t, &pk)
	pub, err := base64.StdEncoding.DecodeString(pk.PublicKey)
	if r.status != 200 || err != nil || len(pub) != 32 || pk.KeyID != licensefile.KeyID(pub) {
		t.Fatalf("public key: %d %s", r.status, r.body)
	}
	r = w.do(anonymous, "GET", "/api/v1/client/license-file?key="+key+"&fingerprint=host-1", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") || !strings.HasPrefix(string(r.body), licensefile.Begin+"\n") {
		t.Fatalf("license-file: %d %s", r.status, r.body)
	}
	if _, err := licensefile.Verify(r.body, ed25519.PublicKey(pub), "host-1", w.clk.now()); err != nil {
		t.Fatalf("the served file does not verify: %v", err)
	}
	r = w.do(anonymous, "POST", "/api/v1/client/license-file", clientBody(key, "host-2"))
	if r.status != 409 || r.apiError(t).Error.Code != "machine_limit" {
		t.Fatalf("file for an unregistered machine: %d %s", r.status, r.body)
	}

	// deactivate frees the seat.
	r = w.do(anonymous, "POST", "/api/v1/client/deactivate", clientBody(key, "host-1"))
	if r.status != 200 {
		t.Fatalf("deactivate: %d %s", r.status, r.body)
	}
	r = w.do(anonymous, "POST", "/api/v1/client/deactivate", clientBody(key, "host-1"))
	if r.status != 403 || r.apiError(t).Error.Code != "machine_not_activated" {
		t.Fatalf("deactivate again: %d %s", r.status, r.body)
	}
	r = w.do(anonymous, "POST", "/api/v1/client/activate", clientBody(key, "host-2"))
	if r.status != 200 {
		t.Fatalf("activate after the seat was freed: %d %s", r.status, r.body)
	}
	// An unknown key on activate is a 404 with the same code.
	r = w.do(anonymous, "POST", "/api/v1/client/activate", clientBody("QQQQQ-QQQQQ-QQQQQ-QQQQQ-QQQQQ", "host-1"))
	if r.status != 404 || r.apiError(t).Error.Code != "unknown_key" {
		t.Fatalf("activate unknown: %d %s", r.status, r.body)
	}
}

func TestClientRoutesRefuseBadInput(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	id, key := wd.unused()
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/api/v1/client/validate", "", 422, "invalid"},
		{"/api/v1/client/validate", "{", 400, "bad_json"},
		{"/api/v1/client/validate", `{"key":1}`, 400, "bad_json"},
		{"/api/v1/client/validate", `[]`, 400, "bad_json"},
		{"/api/v1/client/validate", clientBody("", "m"), 400, "bad_key"},
		{"/api/v1/client/validate", clientBody("not a key!", "m"), 400, "bad_key"},
		{"/api/v1/client/validate", clientBody(strings.Repeat("A", 100), "m"), 400, "bad_key"},
		{"/api/v1/client/validate", clientBody(key, ""), 400, "bad_fingerprint"},
		{"/api/v1/client/validate", clientBody(key, "\u00e9t\u00e9"), 400, "bad_fingerprint"},
		{"/api/v1/client/activate", clientBody(key, "m-1", "hostname", `a\u0007b`), 400, "bad_hostname"},
		{"/api/v1/client/activate", `{"key":"` + strings.Repeat("A", 5000) + `"}`, 413, "too_large"},
		{"/api/v1/client/deactivate", clientBody(key, strings.Repeat("x", 129)), 400, "bad_fingerprint"},
	} {
		r := w.do(anonymous, "POST", c.path, c.body)
		if r.status != c.status || r.apiError(t).Error.Code != c.code {
			t.Errorf("POST %s %.60s: %d %s, want %d %s", c.path, c.body, r.status, r.body, c.status, c.code)
		}
	}
	if l, _ := w.svc.GetLicense(app.System, id); len(l.Registrations) != 0 || l.Status != app.StatusOrdered {
		t.Fatalf("bad input changed the license: %+v", l.License)
	}
}

// With client_addr the client API has a server of its own that serves
// nothing else, and the main server no longer serves it.
func TestClientAddrServesOnlyTheClientAPI(t *testing.T) {
	cfg := app.Defaults()
	cfg.ClientAddr = "127.0.0.1:0"
	w := newWebEnvWith(t, cfg)
	if r := w.do(anonymous, "GET", "/api/v1/client/public-key", ""); r.status != 404 {
		t.Fatalf("main server with client_addr set: %d %s", r.status, r.body)
	}
	f := NewClient(w.svc, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(path string) int {
		resp, err := f.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("/api/v1/client/public-key"); s != 200 {
		t.Fatalf("client server public key: %d", s)
	}
	for _, p := range []string{"/", "/login", "/licenses", "/api/v1/licenses", "/api/v1/me", "/healthz", "/static/app.css"} {
		if s := get(p); s != 404 {
			t.Errorf("client server GET %s: %d, want 404", p, s)
		}
	}
}

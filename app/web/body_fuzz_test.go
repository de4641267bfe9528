package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

// FuzzJSONBodies: any body sent to the routes that take JSON answers a
// success or a JSON error of 4xx naming what is wrong; never a 500, never
// a Go type name.
func FuzzJSONBodies(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `"x"`, `null`, `{"name":"x"}`, `{"valid_to":"2027-12-31"}`, `{"valid_to":20271231}`, `{"valid_to":{"y":1}}`,
		`{"product_id":1,"edition":"business","seats":9223372036854775807,"period_months":12}`,
		`{"product_id":1,"edition":"business","seats":3,"period_months":12,"config":{"a":1}}`,
		`{"kind":"topup","amount":9223372036854775807,"reason":"x"}`, `{"kind":"correction","amount":-9223372036854775808,"reason":"x"}`,
		`{"email":"a@b.example","role":"partner","partner_id":-1}`, `{"name":"` + "\xff\xfe" + `"}`, `{"name":"x"} {"name":"y"}`,
		`{"action":"suspend","ids":[1,1,1]}`, `{"customer":"Acme","partner_id":18446744073709551615}`, `{"name":`, "\x00",
		productBody("fz"),
	} {
		f.Add(s)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: f.TempDir(), Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	fa, err := New(svc, app.Defaults(), log)
	if err != nil {
		f.Fatal(err)
	}
	email, pw, role := "ops@example.com", apiPassword, app.RoleOperator
	if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Password: &pw, Role: &role}); err != nil {
		f.Fatal(err)
	}
	name := "Acme"
	if _, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name}); err != nil {
		f.Fatal(err)
	}
	token, _, err := svc.CreateTokenForUser(app.System, email, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	goType := regexp.MustCompile(`app\.[A-Z]|map\[|\[\]|int64|uint64|time\.Time|struct \{`)
	routes := [][2]string{
		{"POST", "/api/v1/products"}, {"PATCH", "/api/v1/products/1"}, {"POST", "/api/v1/partners"}, {"PATCH", "/api/v1/partners/1"},
		{"POST", "/api/v1/partners/1/balance"}, {"POST", "/api/v1/users"}, {"PATCH", "/api/v1/users/1"},
		{"POST", "/api/v1/licenses"}, {"PATCH", "/api/v1/licenses/1"}, {"POST", "/api/v1/licenses/bulk"},
		{"POST", "/api/v1/licenses/1/assign"}, {"POST", "/api/v1/tokens"},
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, r := range routes {
			if r[0] == "PATCH" && r[1] == "/api/v1/users/1" {
				continue // could disable the only operator's password: covered by its own tests
			}
			req := httptest.NewRequest(r[0], r[1], strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := fa.Test(req, -1)
			if err != nil {
				t.Fatalf("%s %s: %v", r[0], r[1], err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s %s %q: status %d: %s", r[0], r[1], body, resp.StatusCode, out)
			}
			if resp.StatusCode >= 400 {
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				if err := json.Unmarshal(out, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Fatalf("%s %s %q: status %d is not a JSON error: %s", r[0], r[1], body, resp.StatusCode, out)
				}
				if goType.MatchString(e.Error.Message) {
					t.Fatalf("%s %s %q: the error shows a Go type: %s", r[0], r[1], body, e.Error.Message)
				}
			}
		}
	})
}

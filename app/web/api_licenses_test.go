package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/app/web"
)

// The license API over the real service, bbolt file and Bleve index,
// with two partners on the manual program and an operator.

type laClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *laClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *laClock) AddDate(y, m, d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.AddDate(y, m, d)
}

type laEnv struct {
	t        *testing.T
	clk      *laClock
	svc      *app.Service
	f        *fiber.App
	op, a, b string // bearer tokens
	pa, pb   app.Partner
	prod     app.Product
}

type laReply struct {
	status int
	header http.Header
	body   []byte
}

func (r laReply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d body %q is not JSON: %v", r.status, r.body, err)
	}
}

type laError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

type laLicense struct {
	ID               uint64     `json:"id"`
	Key              string     `json:"key"`
	Name             string     `json:"name"`
	Status           string     `json:"status"`
	Payment          string     `json:"payment_status"`
	PartnerID        uint64     `json:"partner_id"`
	PartnerPublicID  string     `json:"partner_public_id"`
	Customer         string     `json:"customer"`
	Notes            string     `json:"notes"`
	IP               string     `json:"ip"`
	ValidFrom        *time.Time `json:"valid_from"`
	ValidTo          *time.Time `json:"valid_to"`
	AdminPasswordSet bool       `json:"admin_password_set"`
}

type laPage[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

type laHistory struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Field  string    `json:"field"`
	Old    string    `json:"old"`
	New    string    `json:"new"`
}

func newLAEnv(t *testing.T) *laEnv {
	t.Helper()
	e := &laEnv{t: t, clk: &laClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: log, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	e.svc = svc
	e.f, err = web.New(svc, app.Defaults(), log)
	if err != nil {
		t.Fatal(err)
	}
	manual := app.ProgramManual
	for _, p := range []*app.Partner{&e.pa, &e.pb} {
		name := "Partner A"
		if p == &e.pb {
			name = "Partner B"
		}
		if *p, err = svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Program: &manual}); err != nil {
			t.Fatal(err)
		}
	}
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12, 24}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1200}, {Edition: "business", PeriodMonths: 24, PerSeat: 2200}}
	code, pname, cur := "av", "Sentinel Antivirus", "EUR"
	if e.prod, err = svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &pname, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices}); err != nil {
		t.Fatal(err)
	}
	e.op = e.token("op@desk.example", 0)
	e.a = e.token("anna@a.example", e.pa.ID)
	e.b = e.token("ben@b.example", e.pb.ID)
	return e
}

func (e *laEnv) token(email string, partner uint64) string {
	e.t.Helper()
	role := app.RoleOperator
	if partner != 0 {
		role = app.RolePartner
	}
	pw := "correct horse battery"
	in := app.UserInput{Email: &email, Role: &role, Password: &pw}
	if partner != 0 {
		in.PartnerID = &partner
	}
	if _, err := e.svc.CreateUser(app.System, in); err != nil {
		e.t.Fatal(err)
	}
	raw, _, err := e.svc.CreateTokenForUser(app.System, email, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

func (e *laEnv) do(token, method, path, body string) laReply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.f.Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return laReply{status: resp.StatusCode, header: resp.Header, body: b}
}

func laWant(t *testing.T, what string, r laReply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d; want %d\n%s", what, r.status, status, r.body)
	}
}

// create makes one license through the API.
func (e *laEnv) create(token, body string) laLicense {
	e.t.Helper()
	r := e.do(token, "POST", "/api/v1/licenses", body)
	laWant(e.t, "create", r, http.StatusCreated)
	var pg laPage[laLicense]
	r.decode(e.t, &pg)
	if len(pg.Items) != 1 || pg.Total != 1 {
		e.t.Fatalf("create answered %d items, total %d", len(pg.Items), pg.Total)
	}
	return pg.Items[0]
}

func (e *laEnv) licBody(extra string) string {
	b := fmt.Sprintf(`{"product_id":%d,"edition":"business","seats":3,"period_months":12`, e.prod.ID)
	if extra != "" {
		b += "," + extra
	}
	return b + "}"
}

func (e *laEnv) list(token, query string) laPage[laLicense] {
	e.t.Helper()
	r := e.do(token, "GET", "/api/v1/licenses?"+query, "")
	laWant(e.t, "list "+query, r, http.StatusOK)
	var pg laPage[laLicense]
	r.decode(e.t, &pg)
	return pg
}

func (e *laEnv) csvRows(token, query string) [][]string {
	e.t.Helper()
	r := e.do(token, "GET", "/api/v1/licenses.csv?"+query, "")
	laWant(e.t, "csv "+query, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(ct, "utf-8") {
		e.t.Errorf("csv content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		e.t.Errorf("csv disposition %q", cd)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		e.t.Fatalf("csv %s does not parse: %v\n%s", query, err, r.body)
	}
	if len(recs) == 0 || recs[0][0] != "id" || recs[0][1] != "key" {
		e.t.Fatalf("csv %s has no header: %q", query, r.body)
	}
	return recs[1:]
}

func laU(n uint64) string { return strconv.FormatUint(n, 10) }

func laIDs(pg laPage[laLicense]) []uint64 {
	var out []uint64
	for _, l := range pg.Items {
		out = append(out, l.ID)
	}
	slices.Sort(out)
	return out
}

// laFixture: A holds an active and an unused license, B the same.
type laFixture struct {
	*laEnv
	a1, a2, b1, b2 laLicense
}

func newLAFixture(t *testing.T) *laFixture {
	e := &laFixture{laEnv: newLAEnv(t)}
	e.a1 = e.create(e.a, e.licBody(`"name":"alpha one","customer":"Alpha Kunde","notes":"alpha note","ip":"192.0.2.10"`))
	e.a2 = e.create(e.a, e.licBody(`"name":"alpha two"`))
	e.b1 = e.create(e.b, e.licBody(`"name":"beta one","customer":"Beta Kunde","notes":"beta secret note","ip":"198.51.100.99"`))
	e.b2 = e.create(e.b, e.licBody(`"name":"beta two"`))
	return e
}

// licenseRoutes is every license route the API serves; the isolation
// test covers each (and fails when a new one appears untested).
var licenseRoutes = []string{
	"GET /api/v1/licenses",
	"GET /api/v1/licenses.csv",
	"GET /api/v1/licenses/groups",
	"POST /api/v1/licenses",
	"POST /api/v1/licenses/bulk",
	"POST /api/v1/licenses/import",
	"GET /api/v1/licenses/:id",
	"PATCH /api/v1/licenses/:id",
	"DELETE /api/v1/licenses/:id",
	"POST /api/v1/licenses/:id/assign",
	"POST /api/v1/licenses/:id/suspend",
	"POST /api/v1/licenses/:id/enable",
	"POST /api/v1/licenses/:id/cancel",
	"GET /api/v1/licenses/:id/history",
	"GET /api/v1/licenses/:id/renewal-quote",
	"POST /api/v1/licenses/:id/renew",
	"POST /api/v1/licenses/renew",
	"GET /api/v1/licenses/:id/activation-link",
	"POST /api/v1/licenses/:id/activation-link",
	"DELETE /api/v1/licenses/:id/activation-link",
	"POST /api/v1/licenses/:id/activation-link/mail",
	"POST /api/v1/licenses/:id/activate",
	"GET /api/v1/licenses/:id/machines",
	"POST /api/v1/licenses/:id/machines/remove",
	"GET /api/v1/licenses/:id/license-file",
}

func TestLicenseRoutesAllCovered(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	var got []string
	for _, r := range e.f.GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/api/v1/licenses") && r.Method != "HEAD" {
			got = append(got, r.Method+" "+r.Path)
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	want := slices.Sorted(slices.Values(licenseRoutes))
	if !slices.Equal(got, want) {
		t.Errorf("license routes served:\n%s\nthe isolation test covers:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLicenseAPIIsolation: partner A gets a 404 (the same as for a
// license that does not exist) or only its own rows on every license
// route when it reaches for partner B's licenses; B's licenses are left
// exactly as they were; the operator sees everything.
func TestLicenseAPIIsolation(t *testing.T) {
	t.Parallel()
	e := newLAFixture(t)
	b1, b2 := laU(e.b1.ID), laU(e.b2.ID)
	snapshot := func() string {
		var parts []string
		for _, id := range []uint64{e.b1.ID, e.b2.ID} {
			l, err := e.svc.GetLicense(app.System, id)
			if err != nil {
				t.Fatalf("B's license %d: %v", id, err)
			}
			h, _ := e.svc.LicenseHistory(app.System, id)
			raw, _ := json.Marshal(l)
			parts = append(parts, string(raw), strconv.Itoa(len(h)))
		}
		return strings.Join(parts, "|")
	}
	before := snapshot()

	notFound := []struct {
		method, path, body string
	}{
		{"GET", "/api/v1/licenses/" + b1, ""},
		{"PATCH", "/api/v1/licenses/" + b1, `{"name":"pwned"}`},
		{"PATCH", "/api/v1/licenses/" + b1, `{"notes":"mine"}`},
		{"PATCH", "/api/v1/licenses/" + b1, `{"admin_password":"x"}`},
		{"DELETE", "/api/v1/licenses/" + b1, ""},
		{"POST", "/api/v1/licenses/" + b1 + "/assign", `{"customer":"Thief Ltd"}`},
		{"POST", "/api/v1/licenses/" + b2 + "/assign", `{"customer":"Thief Ltd"}`},
		{"POST", "/api/v1/licenses/" + b1 + "/suspend", ""},
		{"POST", "/api/v1/licenses/" + b2 + "/enable", ""},
		{"GET", "/api/v1/licenses/" + b1 + "/history", ""},
		{"GET", "/api/v1/licenses/" + b1 + "/renewal-quote?periods=1", ""},
		{"POST", "/api/v1/licenses/" + b1 + "/renew", `{"periods":1,"payment":"invoice"}`},
		{"POST", "/api/v1/licenses/" + b1 + "/renew", `{"periods":1,"coupon":true}`},
		{"POST", "/api/v1/licenses/" + b1 + "/renew", `{}`},
		{"GET", "/api/v1/licenses/" + b1 + "/activation-link", ""},
		{"POST", "/api/v1/licenses/" + b2 + "/activation-link", ""},
		{"DELETE", "/api/v1/licenses/" + b2 + "/activation-link", ""},
		{"POST", "/api/v1/licenses/" + b2 + "/activation-link/mail", `{"email":"thief@example.com"}`},
		{"POST", "/api/v1/licenses/" + b2 + "/activate", `{"new_customer":{"name":"Thief","email":"thief@example.com"}}`},
		{"GET", "/api/v1/licenses/" + b1 + "/machines", ""},
		{"POST", "/api/v1/licenses/" + b1 + "/machines/remove", `{"machine":"m-1"}`},
		{"GET", "/api/v1/licenses/" + b1 + "/license-file", ""},
	}
	for _, c := range notFound {
		r := e.do(e.a, c.method, c.path, c.body)
		laWant(t, "A: "+c.method+" "+c.path, r, http.StatusNotFound)
		// Indistinguishable from a license that does not exist.
		other := strings.NewReplacer("/"+b1+"/", "/999999/", "/"+b2+"/", "/999999/").Replace(c.path + "/")
		missing := e.do(e.a, c.method, strings.TrimSuffix(other, "/"), c.body)
		if missing.status != r.status || !bytes.Equal(missing.body, r.body) {
			t.Errorf("%s %s: B's license answers %d %s, a missing one %d %s", c.method, c.path, r.status, r.body, missing.status, missing.body)
		}
		if bytes.Contains(r.body, []byte("beta")) || bytes.Contains(r.body, []byte(e.b1.Key)) {
			t.Errorf("%s %s: the 404 leaks B's data: %s", c.method, c.path, r.body)
		}
	}
	// Cancel is the operator's alone.
	laWant(t, "A cancels B's", e.do(e.a, "POST", "/api/v1/licenses/"+b1+"/cancel", ""), http.StatusForbidden)
	// Bulk: B's id is "no license", and blocks A's own as well.
	r := e.do(e.a, "POST", "/api/v1/licenses/bulk", `{"action":"suspend","ids":[`+laU(e.a1.ID)+`,`+b1+`]}`)
	laWant(t, "A bulk with B's", r, http.StatusUnprocessableEntity)
	var ae laError
	r.decode(t, &ae)
	if ae.Error.Field != "ids" || !strings.Contains(ae.Error.Message, "no license "+b1) || strings.Contains(string(r.body), "beta") {
		t.Errorf("bulk error %+v", ae.Error)
	}
	if l, _ := e.svc.GetLicense(app.System, e.a1.ID); l.Status != app.StatusActive {
		t.Errorf("A's own license moved in the refused bulk: %s", l.Status)
	}

	// Bulk renewal: B's id is "no license" too, and nothing is renewed.
	r = e.do(e.a, "POST", "/api/v1/licenses/renew", `{"periods":1,"payment":"invoice","license_ids":[`+laU(e.a1.ID)+`,`+b1+`]}`)
	laWant(t, "A bulk renewal with B's", r, http.StatusUnprocessableEntity)
	r.decode(t, &ae)
	if ae.Error.Field != "license_ids" || !strings.Contains(ae.Error.Message, "no license "+b1) || strings.Contains(string(r.body), "beta") {
		t.Errorf("bulk renewal error %+v", ae.Error)
	}

	// Lists, search, CSV and groups hold A's rows only.
	own := []uint64{e.a1.ID, e.a2.ID}
	for _, q := range []string{"", "partner_id=" + laU(e.pa.ID), "id=" + b1, "q=beta", "q=" + url.QueryEscape(e.b1.Key),
		"q=" + url.QueryEscape("*"+strings.ReplaceAll(e.b1.Key, "-", "")[6:11]+"*"), "q=198.51.100.99", "view=unused",
		"status=active", "customer=Beta", "sort=-name", "view=expiring&days=400"} {
		pg := e.list(e.a, q)
		for _, l := range pg.Items {
			if l.PartnerID != e.pa.ID {
				t.Errorf("A's list %q holds %s of partner %d", q, l.Name, l.PartnerID)
			}
		}
		rows := e.csvRows(e.a, q)
		if len(rows) != pg.Total {
			t.Errorf("A's csv %q has %d rows, the list %d", q, len(rows), pg.Total)
		}
		for _, row := range rows {
			id, _ := strconv.ParseUint(row[0], 10, 64)
			if !slices.Contains(own, id) {
				t.Errorf("A's csv %q holds license %d", q, id)
			}
		}
	}
	if pg := e.list(e.a, ""); !slices.Equal(laIDs(pg), own) || pg.Total != 2 {
		t.Errorf("A lists %v", laIDs(pg))
	}
	if rows := e.csvRows(e.a, "ids="+b1+","+b2); len(rows) != 0 {
		t.Errorf("A's csv of B's ticked ids has %d rows", len(rows))
	}
	if rows := e.csvRows(e.a, "ids="+b1+","+laU(e.a2.ID)); len(rows) != 1 || rows[0][0] != laU(e.a2.ID) {
		t.Errorf("A's csv of mixed ticks: %v", rows)
	}
	r = e.do(e.a, "GET", "/api/v1/licenses/groups?by=status", "")
	laWant(t, "A groups", r, http.StatusOK)
	var groups laPage[app.Group]
	r.decode(t, &groups)
	sum := 0
	for _, g := range groups.Items {
		sum += g.Count
	}
	if sum != 2 {
		t.Errorf("A's groups count %d licenses: %+v", sum, groups.Items)
	}
	laWant(t, "A groups by partner", e.do(e.a, "GET", "/api/v1/licenses/groups?by=partner", ""), http.StatusUnprocessableEntity)

	if after := snapshot(); after != before {
		t.Errorf("B's licenses changed under A's attempts:\nbefore %s\nafter  %s", before, after)
	}

	// The operator sees everything.
	if pg := e.list(e.op, ""); pg.Total != 4 {
		t.Errorf("operator lists %d", pg.Total)
	}
	if pg := e.list(e.op, "q=secret"); len(pg.Items) != 1 || pg.Items[0].ID != e.b1.ID {
		t.Errorf("operator search secret: %v", laIDs(pg))
	}
	if rows := e.csvRows(e.op, ""); len(rows) != 4 {
		t.Errorf("operator csv %d rows", len(rows))
	}
	laWant(t, "operator GET B's", e.do(e.op, "GET", "/api/v1/licenses/"+b1, ""), http.StatusOK)
	laWant(t, "operator history of B's", e.do(e.op, "GET", "/api/v1/licenses/"+b1+"/history", ""), http.StatusOK)
	r = e.do(e.op, "GET", "/api/v1/licenses/groups?by=partner", "")
	laWant(t, "operator groups by partner", r, http.StatusOK)
	r.decode(t, &groups)
	if len(groups.Items) != 2 || groups.Items[0].Count != 2 || groups.Items[1].Count != 2 {
		t.Errorf("operator groups by partner: %+v", groups.Items)
	}
	laWant(t, "operator suspends B's", e.do(e.op, "POST", "/api/v1/licenses/"+b1+"/suspend", ""), http.StatusOK)
	laWant(t, "operator cancels B's", e.do(e.op, "POST", "/api/v1/licenses/"+b1+"/cancel", ""), http.StatusOK)

	// Without a token nothing answers.
	for _, route := range licenseRoutes {
		method, path, _ := strings.Cut(route, " ")
		path = strings.Replace(path, ":id", laU(e.a1.ID), 1)
		r := e.do("", method, path, "")
		if r.status != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d", route, r.status)
		}
	}
}

// TestLicenseAPIOwnerWorkflow: what partner A can do with its own
// licenses through the API, and the shapes it gets back.
func TestLicenseAPIOwnerWorkflow(t *testing.T) {
	t.Parallel()
	e := newLAFixture(t)
	a1, a2 := laU(e.a1.ID), laU(e.a2.ID)
	if e.a1.Status != "active" || e.a1.Payment != "pending" || e.a1.PartnerPublicID != e.pa.PublicID || e.a1.ValidFrom == nil {
		t.Errorf("created for a customer: %+v", e.a1)
	}
	if e.a2.Status != "ordered" || e.a2.ValidFrom != nil {
		t.Errorf("created without a customer: %+v", e.a2)
	}
	// Create errors name their field.
	r := e.do(e.a, "POST", "/api/v1/licenses", e.licBody(`"ip":"999.1.1.1"`))
	laWant(t, "create bad ip", r, http.StatusUnprocessableEntity)
	var ae laError
	r.decode(t, &ae)
	if ae.Error.Code != "invalid" || ae.Error.Field != "ip" || !strings.Contains(ae.Error.Message, "999.1.1.1") {
		t.Errorf("bad ip error %+v", ae.Error)
	}
	r = e.do(e.a, "POST", "/api/v1/licenses", e.licBody(`"count":3`))
	laWant(t, "create 3", r, http.StatusCreated)
	var made laPage[laLicense]
	r.decode(t, &made)
	if len(made.Items) != 3 || made.Total != 3 {
		t.Errorf("created %d", len(made.Items))
	}

	// Get, edit, the sealed password.
	r = e.do(e.a, "PATCH", "/api/v1/licenses/"+a1, `{"name":"Front desk","ip":"203.0.113.5","admin_password":"pl41n-Secret-pw"}`)
	laWant(t, "patch", r, http.StatusOK)
	var got laLicense
	r.decode(t, &got)
	if got.Name != "Front desk" || got.IP != "203.0.113.5" || !got.AdminPasswordSet {
		t.Errorf("after patch %+v", got)
	}
	for _, path := range []string{"/api/v1/licenses/" + a1, "/api/v1/licenses?q=desk", "/api/v1/licenses/" + a1 + "/history", "/api/v1/licenses.csv"} {
		r := e.do(e.a, "GET", path, "")
		laWant(t, path, r, http.StatusOK)
		if bytes.Contains(r.body, []byte("pl41n-Secret-pw")) || bytes.Contains(r.body, []byte("admin_password_enc")) {
			t.Errorf("%s shows the administrator password: %s", path, r.body)
		}
	}
	r = e.do(e.a, "PATCH", "/api/v1/licenses/"+a1, `{"ip":"not an ip","name":"lost"}`)
	laWant(t, "patch bad ip", r, http.StatusUnprocessableEntity)
	r.decode(t, &ae)
	if ae.Error.Field != "ip" {
		t.Errorf("patch bad ip names %q", ae.Error.Field)
	}
	r = e.do(e.a, "PATCH", "/api/v1/licenses/"+a1, `{"valid_to":"2030-01-01T00:00:00Z"}`)
	laWant(t, "partner sets valid_to", r, http.StatusUnprocessableEntity)
	laWant(t, "operator sets valid_to", e.do(e.op, "PATCH", "/api/v1/licenses/"+a1, `{"valid_to":"2030-01-01T00:00:00Z"}`), http.StatusOK)

	// Suspend, enable, assign, bulk.
	r = e.do(e.a, "POST", "/api/v1/licenses/"+a1+"/suspend", "")
	laWant(t, "suspend", r, http.StatusOK)
	r.decode(t, &got)
	if got.Status != "suspended" {
		t.Errorf("suspended: %s", got.Status)
	}
	r = e.do(e.a, "POST", "/api/v1/licenses/"+a1+"/suspend", "")
	laWant(t, "suspend again", r, http.StatusUnprocessableEntity)
	r.decode(t, &ae)
	if ae.Error.Field != "status" || !strings.Contains(ae.Error.Message, "already suspended") {
		t.Errorf("suspend again: %+v", ae.Error)
	}
	laWant(t, "enable", e.do(e.a, "POST", "/api/v1/licenses/"+a1+"/enable", ""), http.StatusOK)
	e.clk.AddDate(0, 1, 0)
	r = e.do(e.a, "POST", "/api/v1/licenses/"+a2+"/assign", `{"customer":"Zweite Kunde GmbH"}`)
	laWant(t, "assign customer", r, http.StatusOK)
	r.decode(t, &got)
	if got.Status != "active" || got.ValidFrom == nil || !got.ValidFrom.Equal(e.clk.Now()) {
		t.Errorf("assigned: %s from %v", got.Status, got.ValidFrom)
	}
	laWant(t, "partner assigns to a partner", e.do(e.a, "POST", "/api/v1/licenses/"+a2+"/assign", fmt.Sprintf(`{"partner_id":%d}`, e.pb.ID)), http.StatusUnprocessableEntity)
	r = e.do(e.a, "POST", "/api/v1/licenses/bulk", `{"action":"suspend","ids":[`+a1+`,`+a2+`]}`)
	laWant(t, "bulk suspend", r, http.StatusOK)
	if !bytes.Contains(r.body, []byte(`"changed":2`)) {
		t.Errorf("bulk answer %s", r.body)
	}
	laWant(t, "bulk enable", e.do(e.a, "POST", "/api/v1/licenses/bulk", `{"action":"enable","ids":[`+a1+`,`+a2+`]}`), http.StatusOK)
	laWant(t, "partner cancels own", e.do(e.a, "POST", "/api/v1/licenses/"+a1+"/cancel", ""), http.StatusForbidden)

	// History: who, when, old → new.
	r = e.do(e.a, "GET", "/api/v1/licenses/"+a1+"/history", "")
	laWant(t, "history", r, http.StatusOK)
	var h laPage[laHistory]
	r.decode(t, &h)
	found := false
	for _, x := range h.Items {
		if x.Action == "edit" && x.Field == "name" && x.Old == "alpha one" && x.New == "Front desk" && x.Actor == "anna@a.example" && !x.At.IsZero() {
			found = true
		}
	}
	if !found || h.Total != len(h.Items) {
		t.Errorf("history lacks the rename: %+v", h.Items)
	}

	// List, filters, errors, CSV with the same filters.
	if pg := e.list(e.a, "status=active&sort=-name"); pg.Total != 2 || pg.Items[0].Name != "Front desk" {
		t.Errorf("active sorted by -name: %+v", pg.Items)
	}
	for q, field := range map[string]string{"colour=red": "colour", "sort=colour": "sort", "valid_to_after=tomorrow": "valid_to_after", "page=0": "page"} {
		r := e.do(e.a, "GET", "/api/v1/licenses?"+q, "")
		laWant(t, "list "+q, r, http.StatusUnprocessableEntity)
		r.decode(t, &ae)
		if ae.Error.Field != field {
			t.Errorf("list %s names %q", q, ae.Error.Field)
		}
		// The export is in purchase order whatever the sort; a bad
		// filter is refused before any row is sent.
		r = e.do(e.a, "GET", "/api/v1/licenses.csv?"+q, "")
		if q != "page=0" && q != "sort=colour" {
			laWant(t, "csv "+q, r, http.StatusUnprocessableEntity)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("refused csv %s answers %q", q, ct)
			}
		}
	}
	pg := e.list(e.a, "per_page=2&page=3&sort=id")
	if pg.Total != 5 || pg.Page != 3 || pg.PerPage != 2 || len(pg.Items) != 1 {
		t.Errorf("paging: total %d page %d per_page %d rows %d", pg.Total, pg.Page, pg.PerPage, len(pg.Items))
	}
	if rows := e.csvRows(e.a, "status=active"); len(rows) != 2 {
		t.Errorf("csv status=active: %d rows", len(rows))
	}
	if rows := e.csvRows(e.a, "q="+url.QueryEscape("Zweite")); len(rows) != 1 || rows[0][0] != a2 {
		t.Errorf("csv q=Zweite: %v", rows)
	}

	// The owner may not delete a license still payment pending (it would
	// never be billed): 409 naming why, and the license stays.
	r = e.do(e.a, "DELETE", "/api/v1/licenses/"+a1, "")
	laWant(t, "owner deletes a pending license", r, http.StatusConflict)
	var refusal laError
	r.decode(t, &refusal)
	if refusal.Error.Field != "payment_status" || !strings.Contains(refusal.Error.Message, "payment pending") {
		t.Errorf("refused delete says %q on %q", refusal.Error.Message, refusal.Error.Field)
	}
	laWant(t, "get after refused delete", e.do(e.a, "GET", "/api/v1/licenses/"+a1, ""), http.StatusOK)
	// The operator deletes it. Delete keeps the history for the operator;
	// for the owner it is gone with the license, as GET answers.
	laWant(t, "delete", e.do(e.op, "DELETE", "/api/v1/licenses/"+a1, ""), http.StatusNoContent)
	laWant(t, "get deleted", e.do(e.a, "GET", "/api/v1/licenses/"+a1, ""), http.StatusNotFound)
	laWant(t, "delete twice", e.do(e.a, "DELETE", "/api/v1/licenses/"+a1, ""), http.StatusNotFound)
	laWant(t, "owner's history of deleted", e.do(e.a, "GET", "/api/v1/licenses/"+a1+"/history", ""), http.StatusNotFound)
	r = e.do(e.op, "GET", "/api/v1/licenses/"+a1+"/history", "")
	laWant(t, "history of deleted", r, http.StatusOK)
	r.decode(t, &h)
	if h.Items[0].Action != "delete" {
		t.Errorf("latest entry %+v", h.Items[0])
	}
	if pg := e.list(e.a, "q=desk"); pg.Total != 0 {
		t.Errorf("deleted license still found")
	}
	laWant(t, "B reads A's deleted history", e.do(e.b, "GET", "/api/v1/licenses/"+a1+"/history", ""), http.StatusNotFound)
	laWant(t, "malformed id", e.do(e.a, "GET", "/api/v1/licenses/abc", ""), http.StatusNotFound)
}

package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/storage"
)

// The tests in this package drive the real Fiber app over the real
// service, bbolt file and Bleve index in a temporary directory.

const apiPassword = "correct horse battery"

type apiClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *apiClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *apiClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type webEnv struct {
	t   *testing.T
	svc *app.Service
	f   *fiber.App
	clk *apiClock
}

func newWebEnvWith(t *testing.T, cfg app.Config) *webEnv {
	t.Helper()
	clk := &apiClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: log, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f, err := New(svc, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return &webEnv{t: t, svc: svc, f: f, clk: clk}
}

func newWebEnv(t *testing.T) *webEnv { return newWebEnvWith(t, app.Defaults()) }

// caller is who makes a request: nobody, a bearer token, or a browser
// session (cookie plus the CSRF token its pages carry).
type caller struct {
	token string
	sid   string
	csrf  string
}

var anonymous = caller{}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("reply %d is not JSON (%v): %s", r.status, err, r.body)
	}
}

// apiErr is the error body every API error answers.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (r reply) apiError(t *testing.T) apiErr {
	t.Helper()
	var e apiErr
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error reply %d without code or message: %s", r.status, r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("error reply has content type %q", r.header.Get("Content-Type"))
	}
	return e
}

// do sends one request. JSON bodies for the API; for other paths a body
// is sent as a form.
func (w *webEnv) do(c caller, method, path, body string) reply {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.sid != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.sid})
		if c.csrf != "" {
			req.Header.Set(csrfHeader, c.csrf)
		}
	}
	return w.test(req)
}

// test sends req through the server's own handler and reads the answer.
func (w *webEnv) test(req *http.Request) reply {
	w.t.Helper()
	resp, err := w.f.Test(req, -1)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// listen serves the desk on a 127.0.0.1 listener until the test ends and
// returns its address, for tests that need a real connection.
func (w *webEnv) listen() string {
	w.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	go w.f.Listener(ln)
	w.t.Cleanup(func() { w.f.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String()
}

// user creates a login; partnerID 0 makes an operator.
func (w *webEnv) user(email string, partnerID uint64) app.User {
	w.t.Helper()
	role := app.RoleOperator
	if partnerID != 0 {
		role = app.RolePartner
	}
	pw := apiPassword
	u, err := w.svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &partnerID, Password: &pw})
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

// bearer issues an API token for email (without the password check, so
// tests do not pay argon2 for every caller).
func (w *webEnv) bearer(email string) caller {
	w.t.Helper()
	raw, _, err := w.svc.CreateTokenForUser(app.System, email, "test")
	if err != nil {
		w.t.Fatal(err)
	}
	return caller{token: raw}
}

// session signs in like a browser and returns the cookie and CSRF token.
func (w *webEnv) session(email string) caller {
	w.t.Helper()
	sid, _, err := w.svc.Login(email, apiPassword, "198.51.100.20")
	if err != nil {
		w.t.Fatal(err)
	}
	_, csrf, err := w.svc.SessionActor(sid, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return caller{sid: sid, csrf: csrf}
}

func (w *webEnv) partner(name string) app.Partner {
	w.t.Helper()
	p, err := w.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

const productJSON = `{"code":%q,"name":"Antivirus Pro","currency":"EUR",
	"editions":[{"code":"business","name":"Business","upgrades_to":["enterprise"]},{"code":"enterprise","name":"Enterprise"}],
	"periods":[12],
	"prices":[{"edition":"business","period_months":12,"per_seat":1999},{"edition":"enterprise","period_months":12,"per_seat":2999}]}`

func productBody(code string) string { return strings.Replace(productJSON, "%q", `"`+code+`"`, 1) }

func (w *webEnv) productCount() int {
	w.t.Helper()
	page, err := w.svc.ListProducts(app.System, app.ListParams{})
	if err != nil {
		w.t.Fatal(err)
	}
	return page.Total
}

func wantStatus(t *testing.T, what string, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.status, want, r.body)
	}
}

func TestAPIErrorsSayWhatToChange(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
		message                  []string // the message mentions each
	}{
		{"unknown JSON field", "POST", "/api/v1/products", `{"name":"x","colour":"red"}`, 422, "invalid", "colour", []string{"colour", "not a field"}},
		{"unknown field on PATCH", "PATCH", "/api/v1/partners/1", `{"discount":5}`, 422, "invalid", "discount", []string{"discount"}},
		{"bad sort field", "GET", "/api/v1/products?sort=price", "", 422, "invalid", "sort", []string{"price", "name", "code"}},
		{"bad descending sort", "GET", "/api/v1/users?sort=-password", "", 422, "invalid", "sort", []string{"password", "email"}},
		{"page zero", "GET", "/api/v1/products?page=0", "", 422, "invalid", "page", []string{"1 or more", "0"}},
		{"page not a number", "GET", "/api/v1/partners?page=two", "", 422, "invalid", "page", []string{"two"}},
		{"per_page not a number", "GET", "/api/v1/users?per_page=-5", "", 422, "invalid", "per_page", []string{"-5"}},
		{"no body", "POST", "/api/v1/partners", "", 422, "invalid", "", []string{"JSON"}},
		{"broken JSON", "POST", "/api/v1/partners", `{"name":`, 400, "bad_json", "", []string{"JSON"}},
		{"wrong type", "POST", "/api/v1/partners", `{"name":"x","discount_bp":"30%"}`, 400, "bad_json", "discount_bp", []string{"discount_bp"}},
		{"two objects", "POST", "/api/v1/partners", `{"name":"x"} {"name":"y"}`, 422, "invalid", "", []string{"one JSON object"}},
		{"domain rule names the field", "POST", "/api/v1/partners", `{"name":"x","discount_bp":20000}`, 422, "invalid", "discount_bp", []string{"between 0 and 10000"}},
		{"missing price", "POST", "/api/v1/products", `{"code":"x","name":"X","currency":"EUR","editions":[{"code":"b","name":"B"}],"periods":[1,12],"prices":[{"edition":"b","period_months":1,"per_seat":5}]}`, 422, "invalid", "prices", []string{"B", "1 year"}},
		{"missing record", "GET", "/api/v1/products/999", "", 404, "not_found", "", nil},
		{"malformed id", "GET", "/api/v1/users/abc", "", 404, "not_found", "", nil},
		{"unknown route", "GET", "/api/v1/nothing-here", "", 404, "not_found", "", nil},
		{"wrong method", "PUT", "/api/v1/products/1", `{}`, 405, "method_not_allowed", "", nil},
		{"missing token fields", "POST", "/api/v1/tokens", `{"email":"ops@example.com"}`, 422, "invalid", "password", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			who := op
			if c.path == "/api/v1/tokens" {
				who = anonymous
			}
			r := w.do(who, c.method, c.path, c.body)
			if c.status == 405 && r.status == 404 {
				// Fiber answers an unrouted method as not found; either
				// is a clear 4xx, but it must still be the JSON shape.
				c.status, c.code = 404, "not_found"
			}
			wantStatus(t, c.name, r, c.status)
			e := r.apiError(t)
			if e.Error.Code != c.code || e.Error.Field != c.field {
				t.Errorf("code %q field %q, want %q %q (%s)", e.Error.Code, e.Error.Field, c.code, c.field, r.body)
			}
			for _, m := range c.message {
				if !strings.Contains(e.Error.Message, m) {
					t.Errorf("message %q does not mention %q", e.Error.Message, m)
				}
			}
		})
	}
	if n := w.productCount(); n != 0 {
		t.Fatalf("refused requests stored %d products", n)
	}
}

func TestAPIConflictNamesTheField(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	wantStatus(t, "first product", w.do(op, "POST", "/api/v1/products", productBody("antivirus-pro")), 201)
	r := w.do(op, "POST", "/api/v1/products", productBody("antivirus-pro"))
	wantStatus(t, "same code again", r, 409)
	if e := r.apiError(t); e.Error.Code != "conflict" || e.Error.Field != "code" || !strings.Contains(e.Error.Message, "antivirus-pro") {
		t.Fatalf("conflict body %s", r.body)
	}
	r = w.do(op, "POST", "/api/v1/users", `{"email":"OPS@example.com","role":"operator","password":"long enough password"}`)
	wantStatus(t, "same email in other case", r, 409)
	if e := r.apiError(t); e.Error.Field != "email" {
		t.Fatalf("user conflict body %s", r.body)
	}
}

func TestAPITokenThenBearerCalls(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	p := w.partner("Northwind")
	w.user("sales@northwind.example", p.ID)

	r := w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"wrong password"}`)
	wantStatus(t, "token with a wrong password", r, 401)
	if e := r.apiError(t); e.Error.Code != "bad_login" {
		t.Fatalf("wrong password body %s", r.body)
	}

	r = w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`","name":"ci"}`)
	wantStatus(t, "token", r, 201)
	var tok struct {
		Token string `json:"token"`
	}
	r.json(t, &tok)
	if !strings.HasPrefix(tok.Token, "ldt_") {
		t.Fatalf("token reply %s", r.body)
	}
	op := caller{token: tok.Token}

	r = w.do(op, "GET", "/api/v1/me", "")
	wantStatus(t, "me", r, 200)
	var me struct {
		User    map[string]any `json:"user"`
		Partner map[string]any `json:"partner"`
	}
	r.json(t, &me)
	if me.User["email"] != "ops@example.com" || me.User["role"] != "operator" || me.Partner != nil {
		t.Fatalf("me = %s", r.body)
	}
	if strings.Contains(string(r.body), "password") || strings.Contains(string(r.body), "argon") {
		t.Fatalf("me shows the password hash: %s", r.body)
	}

	// Bearer requests change data with no CSRF token: there is no
	// ambient credential a hostile page could ride on.
	r = w.do(op, "POST", "/api/v1/products", productBody("antivirus-pro"))
	wantStatus(t, "create product by bearer", r, 201)
	var prod app.Product
	r.json(t, &prod)
	if prod.ID == 0 || prod.Code != "antivirus-pro" || len(prod.Prices) != 2 {
		t.Fatalf("created %s", r.body)
	}
	path := "/api/v1/products/" + uintString(prod.ID)
	wantStatus(t, "patch", w.do(op, "PATCH", path, `{"name":"Antivirus Ultra"}`), 200)
	r = w.do(op, "GET", path, "")
	r.json(t, &prod)
	if prod.Name != "Antivirus Ultra" {
		t.Fatalf("after patch: %s", r.body)
	}
	wantStatus(t, "delete", w.do(op, "DELETE", path, ""), 204)
	wantStatus(t, "get deleted", w.do(op, "GET", path, ""), 404)

	// A partner's token: me includes its partner.
	r = w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"SALES@northwind.example","password":"`+apiPassword+`"}`)
	wantStatus(t, "partner token", r, 201)
	r.json(t, &tok)
	r = w.do(caller{token: tok.Token}, "GET", "/api/v1/me", "")
	r.json(t, &me)
	if me.User["role"] != "partner" || me.Partner["public_id"] != p.PublicID {
		t.Fatalf("partner me = %s", r.body)
	}

	// Revoked, the token stops working.
	wantStatus(t, "revoke", w.do(caller{token: tok.Token}, "DELETE", "/api/v1/tokens/"+tok.Token, ""), 204)
	r = w.do(caller{token: tok.Token}, "GET", "/api/v1/me", "")
	wantStatus(t, "revoked token", r, 401)
	r.apiError(t)

	for _, h := range []string{"Bearer nonsense", "Bearer ldt_" + strings.Repeat("x", 43), "Basic b3BzOnB3"} {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", h)
		resp, err := w.f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, resp.StatusCode)
		}
	}
}

func TestAPITokenRateLimit(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	for i := 0; i < 5; i++ {
		wantStatus(t, "bad guess", w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"guess"}`), 401)
	}
	r := w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`"}`)
	wantStatus(t, "right password while locked", r, 429)
	if e := r.apiError(t); e.Error.Code != "rate_limited" || !strings.Contains(e.Error.Message, "wait") {
		t.Fatalf("rate limit body %s", r.body)
	}
	if ra := r.header.Get("Retry-After"); ra != "900" {
		t.Fatalf("Retry-After %q on a 429, want 900 (the 15-minute window)", ra)
	}
	w.clk.advance(16 * time.Minute)
	wantStatus(t, "after the window", w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`"}`), 201)
}

type listReply[T any] struct {
	Items   []T  `json:"items"`
	Total   *int `json:"total"`
	Page    int  `json:"page"`
	PerPage int  `json:"per_page"`
}

func TestAPIListShape(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	for _, code := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		wantStatus(t, "create "+code, w.do(op, "POST", "/api/v1/products", productBody(code)), 201)
	}
	codes := func(r reply) (out []string, total int) {
		t.Helper()
		var l listReply[app.Product]
		r.json(t, &l)
		if l.Items == nil || l.Total == nil {
			t.Fatalf("list reply without items or total: %s", r.body)
		}
		for _, p := range l.Items {
			out = append(out, p.Code)
		}
		return out, *l.Total
	}

	r := w.do(op, "GET", "/api/v1/products?page=2&per_page=2&sort=-code", "")
	wantStatus(t, "list", r, 200)
	got, total := codes(r)
	if total != 5 || !slices.Equal(got, []string{"charlie", "bravo"}) {
		t.Fatalf("page 2, 2 per page, by -code: %v of %d", got, total)
	}
	r = w.do(op, "GET", "/api/v1/products?sort=code&per_page=3", "")
	if got, total = codes(r); total != 5 || !slices.Equal(got, []string{"alpha", "bravo", "charlie"}) {
		t.Fatalf("by code, 3 per page: %v of %d", got, total)
	}
	r = w.do(op, "GET", "/api/v1/products?code=rav", "")
	if got, total = codes(r); total != 1 || !slices.Equal(got, []string{"bravo"}) {
		t.Fatalf("filter code=rav: %v of %d", got, total)
	}
	r = w.do(op, "GET", "/api/v1/products?q="+url.QueryEscape("*lph*"), "")
	if got, total = codes(r); total != 1 || !slices.Equal(got, []string{"alpha"}) {
		t.Fatalf("search q=*lph*: %v of %d", got, total)
	}
	r = w.do(op, "GET", "/api/v1/products?code=nothing-like-it", "")
	if got, total = codes(r); total != 0 || len(got) != 0 {
		t.Fatalf("empty filter: %v of %d", got, total)
	}
	if !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("an empty list must answer items: [] (not null): %s", r.body)
	}
	r = w.do(op, "GET", "/api/v1/products?page=99", "")
	if got, total = codes(r); total != 5 || len(got) != 0 {
		t.Fatalf("page past the end: %v of %d", got, total)
	}

	// Partners and users lists have the same shape and filters.
	w.partner("Northwind")
	mspName := "Contoso MSP"
	prog := app.ProgramManual
	if _, err := w.svc.CreatePartner(app.System, app.PartnerInput{Name: &mspName, Program: &prog}); err != nil {
		t.Fatal(err)
	}
	r = w.do(op, "GET", "/api/v1/partners?program=manual", "")
	var pl listReply[app.Partner]
	r.json(t, &pl)
	if pl.Total == nil || *pl.Total != 1 || pl.Items[0].Name != mspName {
		t.Fatalf("partners?program=manual: %s", r.body)
	}
	r = w.do(op, "GET", "/api/v1/users?role=operator&sort=-email", "")
	var ul listReply[map[string]any]
	r.json(t, &ul)
	if ul.Total == nil || *ul.Total != 1 || ul.Items[0]["email"] != "ops@example.com" {
		t.Fatalf("users?role=operator: %s", r.body)
	}
	if _, ok := ul.Items[0]["password_hash"]; ok {
		t.Fatalf("user list shows password hashes: %s", r.body)
	}
}

func TestAPIPartnersAndUsers(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	r := w.do(op, "POST", "/api/v1/partners", `{"name":"Northwind","discount_bp":3000,"program":"manual"}`)
	wantStatus(t, "create partner", r, 201)
	var p app.Partner
	r.json(t, &p)
	if p.PublicID == "" || p.DiscountBP != 3000 {
		t.Fatalf("partner %s", r.body)
	}
	pid := uintString(p.ID)
	r = w.do(op, "POST", "/api/v1/users", `{"email":"sales@northwind.example","role":"partner","partner_id":`+pid+`,"password":"long enough password"}`)
	wantStatus(t, "create partner user", r, 201)
	var u map[string]any
	r.json(t, &u)
	if u["email"] != "sales@northwind.example" || u["partner_id"] != float64(p.ID) {
		t.Fatalf("user %s", r.body)
	}
	if _, ok := u["password"]; ok {
		t.Fatalf("created user echoes its password: %s", r.body)
	}
	r = w.do(op, "POST", "/api/v1/users", `{"email":"x@northwind.example","role":"partner","password":"long enough password"}`)
	wantStatus(t, "partner user without partner", r, 422)
	if e := r.apiError(t); e.Error.Field != "partner_id" {
		t.Fatalf("body %s", r.body)
	}
	r = w.do(op, "POST", "/api/v1/users", `{"email":"y@northwind.example","role":"operator","password":"short"}`)
	wantStatus(t, "short password", r, 422)
	if e := r.apiError(t); e.Error.Field != "password" || !strings.Contains(e.Error.Message, "10") {
		t.Fatalf("body %s", r.body)
	}

	// Balance through the API; the account shows the sum.
	wantStatus(t, "top-up", w.do(op, "POST", "/api/v1/partners/"+pid+"/balance", `{"amount":5000,"kind":"topup","reason":"wire 7"}`), 201)
	r = w.do(op, "POST", "/api/v1/partners/"+pid+"/balance", `{"amount":-6000,"kind":"correction","reason":"oops"}`)
	wantStatus(t, "overdraft", r, 422)
	if e := r.apiError(t); e.Error.Field != "amount" {
		t.Fatalf("body %s", r.body)
	}
	r = w.do(op, "GET", "/api/v1/partners/"+pid+"/account", "")
	var acc app.Account
	r.json(t, &acc)
	if acc.Balance.Amount != 5000 || len(acc.Entries) != 1 {
		t.Fatalf("account %s", r.body)
	}

	// Delete refused while it has users: 409 saying what to do.
	r = w.do(op, "DELETE", "/api/v1/partners/"+pid, "")
	wantStatus(t, "delete partner with users", r, 409)
	if e := r.apiError(t); !strings.Contains(e.Error.Message, "user") {
		t.Fatalf("body %s", r.body)
	}
}

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }

func TestAPIBackupWhileServing(t *testing.T) {
	// GET /api/v1/backup streams a consistent copy while writes go on; the
	// copy opens as a data directory with the same records.
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	for _, code := range []string{"alpha", "bravo", "charlie"} {
		wantStatus(t, "create "+code, w.do(op, "POST", "/api/v1/products", productBody(code)), 201)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			name := "Partner " + uintString(uint64(i))
			if _, err := w.svc.CreatePartner(app.System, app.PartnerInput{Name: &name}); err != nil {
				done <- err
				return
			}
		}
	}()
	r := w.do(op, "GET", "/api/v1/backup", "")
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer during backup: %v", err)
	}
	wantStatus(t, "backup", r, 200)
	if cl := r.header.Get("Content-Length"); cl != uintString(uint64(len(r.body))) {
		t.Errorf("Content-Length %q for %d bytes", cl, len(r.body))
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, storage.FileName), r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := app.Open(app.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer restored.Close()
	page, err := restored.ListProducts(app.System, app.ListParams{Sort: "code"})
	if err != nil || page.Total != 3 || page.Items[0].Code != "alpha" {
		t.Fatalf("products in the backup: %+v %v", page, err)
	}
	if _, _, err := restored.Login("ops@example.com", apiPassword, ""); err != nil {
		t.Fatalf("the operator cannot log in to the backup: %v", err)
	}
	// Its search index is rebuilt from the copy.
	page, _ = restored.ListProducts(app.System, app.ListParams{Filters: map[string]string{"q": "brav*"}})
	if page.Total != 1 {
		t.Fatalf("search in the restored copy finds %d", page.Total)
	}
	if !w.auditedAction("backup") {
		t.Error("the backup is not in the audit log")
	}
}

func (w *webEnv) auditedAction(action string) bool {
	page, err := w.svc.ListAudit(app.System, app.ListParams{Filters: map[string]string{"action": action}})
	return err == nil && page.Total > 0
}

func TestAPIReindex(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	wantStatus(t, "create", w.do(op, "POST", "/api/v1/products", productBody("alpha")), 201)
	r := w.do(op, "POST", "/api/v1/reindex", "")
	wantStatus(t, "reindex", r, 200)
	var out struct {
		Indexed int `json:"indexed"`
	}
	r.json(t, &out)
	if out.Indexed != 1 {
		t.Fatalf("reindex reports %s", r.body)
	}
	var l listReply[app.Product]
	w.do(op, "GET", "/api/v1/products?q=alph*", "").json(t, &l)
	if l.Total == nil || *l.Total != 1 {
		t.Fatal("search after reindex finds nothing")
	}
}

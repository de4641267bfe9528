package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"licensedesk/app"
)

// publicRoutes are the only routes anyone may call without signing in.
// A route missing from here and from the operator/user permissions fails
// TestEveryRouteHasAPermission: add it here only if strangers must reach it.
var publicRoutes = []string{
	"GET /healthz",
	"GET /login",
	"POST /login",
	"POST /api/v1/tokens",
	// The client API: licensed software holds a key, not a login.
	"POST /api/v1/client/validate",
	"POST /api/v1/client/activate",
	"POST /api/v1/client/deactivate",
	"GET /api/v1/client/license-file",
	"POST /api/v1/client/license-file",
	"GET /api/v1/client/public-key",
	// The activation page: a customer holds a link, not a login.
	"GET /activate/:token",
	"POST /activate/:token",
	"POST /activate/:token/code",
	"POST /activate/:token/confirm",
}

// tableRoutes is the route table of a server: routes() only binds
// handlers, so a zero Server lists the same table New mounts.
func tableRoutes() []Route { return (&Server{}).routes() }

func routeName(r Route) string { return r.Method + " " + r.Path }

func TestEveryRouteHasAPermission(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range tableRoutes() {
		name := routeName(r)
		if seen[name] {
			t.Errorf("%s is listed twice", name)
		}
		seen[name] = true
		switch r.Perm {
		case user, op:
		case pub:
			if !slices.Contains(publicRoutes, name) {
				t.Errorf("%s is public (no permission on its line): give it user or op, or add it to publicRoutes if strangers must reach it", name)
			}
		default:
			t.Errorf("%s has unknown permission %d", name, r.Perm)
		}
		if r.Handler == nil {
			t.Errorf("%s has no handler", name)
		}
	}
	for _, name := range publicRoutes {
		if !seen[name] {
			t.Errorf("publicRoutes lists %s, which is not a route any more", name)
		}
	}
}

func TestMountedRoutesAreTheTable(t *testing.T) {
	// Nothing is mounted around the table, where no permission is checked.
	w := newWebEnv(t)
	want := map[string]bool{}
	for _, r := range tableRoutes() {
		want[routeName(r)] = true
	}
	for _, r := range w.f.GetRoutes(true) {
		name := r.Method + " " + r.Path
		if r.Method == "HEAD" && want["GET "+r.Path] {
			continue
		}
		if !want[name] {
			t.Errorf("%s is mounted but not in the route table", name)
		}
	}
}

// fill puts ids into a route path; every parameter must be :id.
func fill(t *testing.T, path string, id func(resource string) (uint64, bool)) (string, bool) {
	t.Helper()
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") {
			continue
		}
		if p == ":token" { // the activation page's link: a dead one is enough to reach the handler
			parts[i] = "no-such-token"
			continue
		}
		suffix := ""
		if strings.HasPrefix(p, ":id.") { // a file of the record: /invoices/:id.pdf
			p, suffix = ":id", strings.TrimPrefix(p, ":id")
		}
		if p != ":id" {
			t.Errorf("%s: parameter %s is unknown to the route tests; teach them what record it names", path, p)
			return "", false
		}
		n, ok := id(parts[i-1])
		if !ok {
			return "", false
		}
		parts[i] = fmt.Sprint(n) + suffix
	}
	return strings.Join(parts, "/"), true
}

func hasID(path string) bool { return strings.Contains(path, "/:") }

func bodyFor(r Route) string {
	switch {
	case r.Method == "GET" || r.Method == "DELETE":
		return ""
	case strings.HasPrefix(r.Path, "/api/"):
		return "{}"
	}
	return "x=1"
}

// world is two partners with a user, a token and a license each, plus an
// inactive product no partner may see.
type world struct {
	w                    *webEnv
	a, b                 app.Partner
	aUser, bUser         app.User
	aToken, bToken       caller
	aTokenID, bTokenID   uint64
	aLicense, bLicense   uint64
	aOrder, bOrder       uint64
	aInvoice, bInvoice   uint64
	aMail, bMail         uint64
	aTransfer, bTransfer uint64
	product, hidden      app.Product
	aCustomer, bCustomer uint64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := newWebEnv(t)
	wd := &world{w: w}
	w.user("ops@example.com", 0)
	wd.a, wd.b = w.partner("Alpha Reseller"), w.partner("Beta Reseller")
	wd.aUser = w.user("alice@alpha.example", wd.a.ID)
	wd.bUser = w.user("bob@beta.example", wd.b.ID)
	var err error
	for _, x := range []struct {
		email string
		c     *caller
		id    *uint64
	}{{"alice@alpha.example", &wd.aToken, &wd.aTokenID}, {"bob@beta.example", &wd.bToken, &wd.bTokenID}} {
		raw, tok, err := w.svc.CreateTokenForUser(app.System, x.email, "test")
		if err != nil {
			t.Fatal(err)
		}
		*x.c, *x.id = caller{token: raw}, tok.ID
	}
	mk := func(code string, active bool) app.Product {
		eds := []app.Edition{{Code: "business", Name: "Business"}}
		periods := []int{12}
		prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
		name, cur := "Product "+code, "EUR"
		p, err := w.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	wd.product, wd.hidden = mk("antivirus-pro", true), mk("retired-suite", false)
	for _, x := range []struct {
		partner uint64
		id      *uint64
	}{{wd.a.ID, &wd.aLicense}, {wd.b.ID, &wd.bLicense}} {
		ls, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: x.partner, Name: "Office",
			Customer: "Office customer"}) // active: it can be renewed (its renewal quote answers 200)
		if err != nil {
			t.Fatal(err)
		}
		*x.id = ls[0].ID
	}
	for _, x := range []struct {
		partner uint64
		id      *uint64
	}{{wd.a.ID, &wd.aOrder}, {wd.b.ID, &wd.bOrder}} {
		o, _, err := w.svc.PlaceOrder(app.System, app.OrderInput{PartnerID: x.partner, Payment: "invoice",
			Lines: []app.BasketLine{{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		*x.id = o.ID
	}
	for _, x := range []struct {
		partner uint64
		id      *uint64
	}{{wd.a.ID, &wd.aInvoice}, {wd.b.ID, &wd.bInvoice}} {
		ls, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12,
			PartnerID: x.partner, Payment: app.PaymentPending})
		if err != nil {
			t.Fatal(err)
		}
		r, err := w.svc.Checkout(app.System, app.CheckoutInput{LicenseIDs: []uint64{ls[0].ID}, TermsVersion: app.DefaultTerms.Version})
		if err != nil {
			t.Fatal(err)
		}
		*x.id = r.ID
	}
	for _, x := range []struct {
		partner uint64
		id      *uint64
	}{{wd.a.ID, &wd.aMail}, {wd.b.ID, &wd.bMail}} {
		m, err := w.svc.QueueMail(app.System, app.MailInput{Kind: "notice", PartnerID: x.partner, To: []string{"someone@partner.example"},
			Subject: "A notice", Text: "Hello.", Attachments: []app.Attachment{{Name: "notice.txt", ContentType: "text/plain", Data: []byte("hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		*x.id = m.ID
	}
	for _, x := range []struct {
		partner uint64
		id      *uint64
	}{{wd.a.ID, &wd.aCustomer}, {wd.b.ID, &wd.bCustomer}} {
		name, email := "Customer", fmt.Sprintf("customer%d@example.com", x.partner)
		cu, err := w.svc.CreateCustomer(app.System, app.CustomerInput{PartnerID: &x.partner, Name: &name, Email: &email})
		if err != nil {
			t.Fatal(err)
		}
		*x.id = cu.ID
	}
	_ = err
	wd.addTransfers(t)
	return wd
}

// own and foreign name, per resource in a route path, partner A's record
// and partner B's (or, for the catalogue, one no partner may see).
func (wd *world) own(resource string) (uint64, bool) {
	switch resource {
	case "partners":
		return wd.a.ID, true
	case "users":
		return wd.aUser.ID, true
	case "tokens":
		return wd.aTokenID, true
	case "licenses":
		return wd.aLicense, true
	case "transfers":
		return wd.aTransfer, true
	case "products":
		return wd.product.ID, true
	case "orders":
		return wd.aOrder, true
	case "invoices":
		return wd.aInvoice, true
	case "outbox":
		return wd.aMail, true
	case "customers":
		return wd.aCustomer, true
	}
	return 0, false
}

func (wd *world) foreign(resource string) (uint64, bool) {
	switch resource {
	case "partners":
		return wd.b.ID, true
	case "users":
		return wd.bUser.ID, true
	case "tokens":
		return wd.bTokenID, true
	case "licenses":
		return wd.bLicense, true
	case "transfers":
		return wd.bTransfer, true
	case "products":
		return wd.hidden.ID, true
	case "orders":
		return wd.bOrder, true
	case "invoices":
		return wd.bInvoice, true
	case "outbox":
		return wd.bMail, true
	case "customers":
		return wd.bCustomer, true
	}
	return 0, false
}

func TestAnonymousIsTurnedAway(t *testing.T) {
	wd := newWorld(t)
	for _, r := range tableRoutes() {
		if r.Perm == pub {
			continue
		}
		path, ok := fill(t, r.Path, wd.own)
		if !ok {
			t.Errorf("%s: no record to address it with", routeName(r))
			continue
		}
		got := wd.w.do(anonymous, r.Method, path, bodyFor(r))
		switch {
		case strings.HasPrefix(r.Path, "/api/"):
			if got.status != 401 {
				t.Errorf("anonymous %s %s: %d, want 401", r.Method, path, got.status)
				continue
			}
			if e := got.apiError(t); e.Error.Code != "unauthorized" {
				t.Errorf("anonymous %s %s: body %s", r.Method, path, got.body)
			}
		case r.Method == "GET":
			loc := got.header.Get("Location")
			if got.status < 300 || got.status > 303 || loc != "/login?next="+url.QueryEscape(path) {
				t.Errorf("anonymous GET %s: %d to %q, want a redirect to the login page coming back here", path, got.status, loc)
			}
		default:
			// A form post without a session fails the CSRF check or the
			// sign-in check; either way nothing runs.
			if got.status != 401 && got.status != 403 {
				t.Errorf("anonymous %s %s: %d, want 401 or 403", r.Method, path, got.status)
			}
		}
	}
	// Nothing was changed by all those requests.
	if acc, _ := wd.w.svc.GetAccount(app.System, wd.a.ID); len(acc.Entries) != 0 {
		t.Error("an anonymous request recorded a balance")
	}
	if n := wd.w.productCount(); n != 2 {
		t.Errorf("%d products after anonymous requests, want 2", n)
	}
}

func TestPartnerIsForbiddenEveryOperatorRoute(t *testing.T) {
	wd := newWorld(t)
	sess := wd.w.session("alice@alpha.example")
	for _, how := range []struct {
		name string
		c    caller
	}{{"token", wd.aToken}, {"session", sess}} {
		for _, r := range tableRoutes() {
			if r.Perm != op {
				continue
			}
			// Its own records and another's: 403 either way, never a
			// 404 that would only hide the missing permission.
			for _, ids := range []func(string) (uint64, bool){wd.own, wd.foreign} {
				path, ok := fill(t, r.Path, ids)
				if !ok {
					t.Errorf("%s: no record to address it with", routeName(r))
					continue
				}
				got := wd.w.do(how.c, r.Method, path, bodyFor(r))
				if got.status != 403 {
					t.Errorf("partner (%s) %s %s: %d, want 403", how.name, r.Method, path, got.status)
					continue
				}
				if strings.HasPrefix(path, "/api/") {
					if e := got.apiError(t); e.Error.Code != "forbidden" {
						t.Errorf("partner %s %s: body %s", r.Method, path, got.body)
					}
				}
				if !hasID(r.Path) {
					break
				}
			}
		}
	}
	// None of it took effect.
	if p, _ := wd.w.svc.GetPartner(app.System, wd.a.ID); p.DiscountBP != 0 || p.Disabled {
		t.Errorf("partner record changed: %+v", p)
	}
	if _, err := wd.w.svc.GetPartner(app.System, wd.b.ID); err != nil {
		t.Errorf("partner B after the partner's requests: %v", err)
	}
	if n := wd.w.productCount(); n != 2 {
		t.Errorf("%d products, want 2", n)
	}
	if _, err := wd.w.svc.GetUser(app.System, wd.bUser.ID); err != nil {
		t.Errorf("bob after alice's requests: %v", err)
	}
}

func TestPartnerCannotReachAnotherPartnersRecords(t *testing.T) {
	wd := newWorld(t)
	sess := wd.w.session("alice@alpha.example")
	var checked []string
	defer func() { t.Logf("isolation checked on %d routes: %v", len(checked), checked) }()
	for _, r := range tableRoutes() {
		if r.Perm != user || !hasID(r.Path) {
			continue
		}
		resource := ""
		path, ok := fill(t, r.Path, func(res string) (uint64, bool) { resource = res; return wd.foreign(res) })
		if !ok {
			t.Errorf("%s takes :id of %q records, which the isolation test does not know: add partner B's record for it to world.foreign (and A's to world.own)", routeName(r), resource)
			continue
		}
		c := wd.aToken
		if !strings.HasPrefix(path, "/api/") {
			c = sess
		}
		got := wd.w.do(c, r.Method, path, bodyFor(r))
		checked = append(checked, r.Method+" "+path)
		if got.status != 404 {
			t.Errorf("partner A %s %s (partner B's %s): %d, want 404; body %.200s", r.Method, path, resource, got.status, got.body)
			continue
		}
		if strings.HasPrefix(path, "/api/") {
			if e := got.apiError(t); e.Error.Code != "not_found" || strings.Contains(string(got.body), "Beta") {
				t.Errorf("%s %s: body %s", r.Method, path, got.body)
			}
		}
		// The same read on its own record works, so the 404 above is
		// isolation and not a broken route.
		if r.Method == "GET" && strings.HasPrefix(path, "/api/") {
			own, _ := fill(t, r.Path, wd.own)
			if got := wd.w.do(c, "GET", own, ""); got.status != 200 {
				t.Errorf("partner A GET %s (its own): %d; body %.200s", own, got.status, got.body)
			}
		}
	}
	// Partner B's records are untouched: its token works, its user and
	// license are there.
	if got := wd.w.do(wd.bToken, "GET", "/api/v1/me", ""); got.status != 200 {
		t.Fatalf("B's token after A's attempts: %d", got.status)
	}
	bob := caller{token: wd.bToken.token}
	for _, p := range []string{"/api/v1/licenses/" + fmt.Sprint(wd.bLicense), "/api/v1/users/" + fmt.Sprint(wd.bUser.ID), "/api/v1/partners/" + fmt.Sprint(wd.b.ID)} {
		if got := wd.w.do(bob, "GET", p, ""); got.status != 200 {
			t.Errorf("B's own %s after A's attempts: %d %s", p, got.status, got.body)
		}
	}
	if u, _ := wd.w.svc.GetUser(app.System, wd.bUser.ID); u.Email != "bob@beta.example" || u.Disabled {
		t.Errorf("bob changed: %+v", u)
	}
	if inv, err := wd.w.svc.GetInvoice(app.System, wd.bInvoice); err != nil || inv.State != app.InvoiceOpen || len(inv.Payments) != 0 {
		t.Errorf("B's invoice after A's attempts: %v %+v", err, inv.Invoice)
	}
}

func TestOperatorIsAllowedEveryRoute(t *testing.T) {
	// The 401s and 403s above come from the permissions, not from routes
	// that refuse everyone: the operator is let through each one.
	wd := newWorld(t)
	for _, r := range tableRoutes() {
		if r.Method == "POST" && r.Path == "/logout" {
			continue
		}
		path, ok := fill(t, r.Path, wd.foreign)
		if !ok {
			continue
		}
		c := wd.w.bearer("ops@example.com") // a fresh token: some routes revoke or delete
		got := wd.w.do(c, r.Method, path, bodyFor(r))
		if got.status == 401 || got.status == 403 || got.status >= 500 {
			t.Errorf("operator %s %s: %d; body %.300s", r.Method, path, got.status, got.body)
		}
	}
}

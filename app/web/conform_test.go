package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/app/web"
)

// Conformance of the API with the statements of the issues that a
// reseller's script or a reviewer tries first.

// TestCSVReimportOfOwnExportIsSame: issue 10, "re-importing the same file
// changes nothing", with every row of the preview "same as existing". The
// desk's own export, imported back for the same partner, must find every
// row the same, also when the licenses' times carry fractions of a second
// (as every real clock gives them) that the CSV's ISO 8601 seconds do not.
func TestCSVReimportOfOwnExportIsSame(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	e.clk.mu.Lock()
	e.clk.t = e.clk.t.Add(123456789 * time.Nanosecond)
	e.clk.mu.Unlock()
	e.create(e.a, e.licBody(`"name":"fractional","customer":"Kunde"`))
	e.create(e.a, e.licBody(`"name":"second"`))
	exp := e.do(e.op, "GET", "/api/v1/licenses.csv?partner_id="+laU(e.pa.ID), "")
	laWant(t, "export", exp, http.StatusOK)
	r := e.do(e.op, "POST", "/api/v1/licenses/import?dry_run=true&partner="+e.pa.PublicID, string(exp.body))
	laWant(t, "dry run", r, http.StatusOK)
	var rep struct {
		Rows, New, Same, Conflict, Invalid int
		Outcomes                           []struct {
			Outcome, Field, Reason string
		}
	}
	r.decode(t, &rep)
	if rep.Rows != 2 || rep.Same != 2 || rep.Conflict != 0 || rep.New != 0 || rep.Invalid != 0 {
		t.Fatalf("the desk's own export, imported back, is not the same: %s", r.body)
	}
}

// TestTransfersListRefusesWhatItCannotFilter: issue 2's list convention
// (filters named like the fields; a mistyped one is refused, never
// quietly ignored) on GET /api/v1/transfers, whose reference names one
// filter, state. An unknown state answered an empty list, as if there
// were no transfers; an unknown filter or a sort answered everything.
func TestTransfersListRefusesWhatItCannotFilter(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	l := e.create(e.a, e.licBody(`"customer":"Kunde"`))
	r := e.do(e.a, "POST", "/api/v1/transfers", `{"license_ids":[`+laU(l.ID)+`],"target":"`+e.pb.PublicID+`"}`)
	laWant(t, "transfer", r, http.StatusCreated)
	type list struct {
		Incoming []struct{ ID uint64 } `json:"incoming"`
		Outgoing []struct{ ID uint64 } `json:"outgoing"`
	}
	for _, q := range []string{"", "?state=pending"} {
		r := e.do(e.b, "GET", "/api/v1/transfers"+q, "")
		laWant(t, q, r, http.StatusOK)
		var got list
		r.decode(t, &got)
		if len(got.Incoming) != 1 || len(got.Outgoing) != 0 {
			t.Errorf("%s: %s", q, r.body)
		}
	}
	for _, c := range []struct{ q, field string }{
		{"state=pendng", "state"},
		{"stat=pending", "stat"},
		{"target=" + e.pb.PublicID, "target"},
		{"sort=-created", "sort"},
	} {
		r := e.do(e.b, "GET", "/api/v1/transfers?"+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field || ae.Error.Message == "" {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
}

// TestSpecialPricesListIsPaged: issue 2, "Lists answer
// {"items":[...],"total":N} and take page, per_page". GET
// /api/v1/special-prices ignored page and per_page (every link on one
// page, per_page echoing the count) and stopped counting at 1000.
func TestSpecialPricesListIsPaged(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	var codes []string
	for i := 0; i < 3; i++ {
		r := e.do(e.op, "POST", "/api/v1/special-prices", `{"partner_id":`+laU(e.pa.ID)+`,"discount_bp":1000,"reason":"education"}`)
		laWant(t, "issue a link", r, http.StatusCreated)
		var sp struct{ Code string }
		r.decode(t, &sp)
		codes = append(codes, sp.Code)
	}
	type page struct {
		Items []struct{ Code string }
		Total int
		Page  int
		Per   int `json:"per_page"`
	}
	get := func(token, q string) page {
		t.Helper()
		r := e.do(token, "GET", "/api/v1/special-prices"+q, "")
		laWant(t, q, r, http.StatusOK)
		var p page
		r.decode(t, &p)
		return p
	}
	p1, p2 := get(e.op, "?per_page=2"), get(e.op, "?per_page=2&page=2")
	if p1.Total != 3 || p1.Page != 1 || p1.Per != 2 || len(p1.Items) != 2 || p1.Items[0].Code != codes[2] || p1.Items[1].Code != codes[1] {
		t.Errorf("page 1 of 2 a page: %+v", p1)
	}
	if p2.Total != 3 || p2.Page != 2 || len(p2.Items) != 1 || p2.Items[0].Code != codes[0] {
		t.Errorf("page 2 of 2 a page: %+v", p2)
	}
	if p := get(e.op, "?page=3&per_page=2"); p.Total != 3 || len(p.Items) != 0 {
		t.Errorf("past the last page: %+v", p)
	}
	// Partner B sees none of A's links, A all three.
	if p := get(e.b, ""); p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("partner B sees %+v", p)
	}
	if p := get(e.a, ""); p.Total != 3 || len(p.Items) != 3 {
		t.Errorf("partner A sees %+v", p)
	}
	for _, c := range []struct{ q, field string }{{"partner_id=1", "partner_id"}, {"sort=reason", "sort"}} {
		r := e.do(e.op, "GET", "/api/v1/special-prices?"+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
}

// TestOutboxListRefusesASortItCannotDo: issue 2's lists take sort (a
// field name, - for descending) and issue 7 refused an unknown sort on
// the audit list instead of ignoring it. GET /api/v1/outbox, listed
// newest first only, answered sort=bogus (and sort=created, oldest first)
// with the newest first as if it had sorted.
func TestOutboxListRefusesASortItCannotDo(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	for _, q := range []string{"", "?sort=-created", "?state=queued"} {
		laWant(t, q, e.do(e.op, "GET", "/api/v1/outbox"+q, ""), http.StatusOK)
	}
	for _, q := range []string{"sort=bogus", "sort=created", "sort=to"} {
		r := e.do(e.op, "GET", "/api/v1/outbox?"+q, "")
		laWant(t, q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != "sort" {
			t.Errorf("%s: error %s; want one naming sort", q, r.body)
		}
	}
}

// TestCustomersCSVRefusesAMistypedFilter: issue 13, customers "filterable
// like licenses, with CSV export" under issue 2's list conventions. The
// list refused ?countr=DE, while GET /api/v1/customers.csv dropped it and
// exported every customer, so a script got all rows for a filtered ask.
func TestCustomersCSVRefusesAMistypedFilter(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	for _, body := range []string{
		`{"name":"Jana Novak","email":"jana@example.com","country":"DE"}`,
		`{"name":"Ola Nordmann","email":"ola@example.com","country":"NO"}`,
	} {
		laWant(t, body, e.do(e.a, "POST", "/api/v1/customers", body), http.StatusCreated)
	}
	r := e.do(e.a, "GET", "/api/v1/customers.csv?country=DE", "")
	laWant(t, "export DE", r, http.StatusOK)
	if rows := strings.Count(strings.TrimSpace(string(r.body)), "\n"); rows != 1 || !strings.Contains(string(r.body), "Jana Novak") {
		t.Fatalf("country=DE exports %d rows:\n%s", rows, r.body)
	}
	for _, c := range []struct{ q, field string }{{"countr=DE", "countr"}, {"sort=bogus", "sort"}} {
		for _, path := range []string{"/api/v1/customers?", "/api/v1/customers.csv?"} {
			r := e.do(e.a, "GET", path+c.q, "")
			laWant(t, path+c.q, r, http.StatusUnprocessableEntity)
			var ae laError
			r.decode(t, &ae)
			if ae.Error.Field != c.field {
				t.Errorf("%s%s: error %s; want one naming %q", path, c.q, r.body, c.field)
			}
		}
	}
}

// TestLicenseHistoryIsPaged: issue 3's GET /api/v1/licenses/{id}/history
// in issue 2's list shape, which takes page and per_page. The history
// answered every entry whatever page was asked, with per_page echoing
// the count, so page=2 repeated page 1.
func TestLicenseHistoryIsPaged(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	l := e.create(e.a, e.licBody(`"name":"n0","customer":"Kunde"`))
	id := laU(l.ID)
	for i := 1; i <= 3; i++ {
		laWant(t, "edit", e.do(e.a, "PATCH", "/api/v1/licenses/"+id, `{"name":"n`+laU(uint64(i))+`"}`), http.StatusOK)
	}
	type page struct {
		Items []laHistory
		Total int
		Page  int
		Per   int `json:"per_page"`
	}
	get := func(q string) page {
		t.Helper()
		r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/history"+q, "")
		laWant(t, "history"+q, r, http.StatusOK)
		var p page
		r.decode(t, &p)
		return p
	}
	all := get("")
	if all.Total < 4 || len(all.Items) != all.Total || all.Items[0].New != "n3" {
		t.Fatalf("whole history: %+v", all)
	}
	p1, p2 := get("?per_page=2"), get("?per_page=2&page=2")
	if p1.Total != all.Total || p1.Page != 1 || p1.Per != 2 || len(p1.Items) != 2 || p1.Items[0] != all.Items[0] || p1.Items[1] != all.Items[1] {
		t.Errorf("page 1 of 2 a page: %+v", p1)
	}
	if p2.Total != all.Total || p2.Page != 2 || len(p2.Items) != 2 || p2.Items[0] != all.Items[2] || p2.Items[1] != all.Items[3] {
		t.Errorf("page 2 of 2 a page: %+v", p2)
	}
	for _, c := range []struct{ q, field string }{{"action=edit", "action"}, {"sort=at", "sort"}} {
		r := e.do(e.a, "GET", "/api/v1/licenses/"+id+"/history?"+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
	// Another partner's license stays a 404, whatever is asked.
	laWant(t, "B reads A's history", e.do(e.b, "GET", "/api/v1/licenses/"+id+"/history?per_page=2&sort=at", ""), http.StatusNotFound)
}

// TestCustomerLicenseCountMatchesItsLicenses: issue 13, "a customer
// record ... with its licenses". The customer list and its CSV counted
// every license ever linked to the customer, a deleted one included,
// while the customer's licenses (and its page) showed only the live ones:
// "2 licenses" over a list of one.
func TestCustomerLicenseCountMatchesItsLicenses(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	r := e.do(e.a, "POST", "/api/v1/customers", `{"name":"Jana Novak","email":"jana@example.com","country":"DE"}`)
	laWant(t, "customer", r, http.StatusCreated)
	var cu struct{ ID uint64 }
	r.decode(t, &cu)
	cid := laU(cu.ID)
	var ids []string
	for i := 0; i < 2; i++ {
		l := e.create(e.a, e.licBody(""))
		ids = append(ids, laU(l.ID))
		laWant(t, "activate", e.do(e.a, "POST", "/api/v1/licenses/"+ids[i]+"/activate", `{"customer_id":`+cid+`}`), http.StatusOK)
	}
	laWant(t, "cancel", e.do(e.op, "POST", "/api/v1/licenses/"+ids[1]+"/cancel", `{}`), http.StatusOK)
	laWant(t, "delete", e.do(e.op, "DELETE", "/api/v1/licenses/"+ids[1], ""), http.StatusNoContent)

	r = e.do(e.a, "GET", "/api/v1/customers/"+cid+"/licenses", "")
	laWant(t, "its licenses", r, http.StatusOK)
	var mine struct{ Total int }
	r.decode(t, &mine)
	if mine.Total != 1 {
		t.Fatalf("the customer's licenses: %s", r.body)
	}
	r = e.do(e.a, "GET", "/api/v1/customers", "")
	laWant(t, "list", r, http.StatusOK)
	var pg struct {
		Items []struct {
			ID       uint64
			Licenses int
		}
	}
	r.decode(t, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Licenses != mine.Total {
		t.Errorf("the list counts %s; its licenses are %d", r.body, mine.Total)
	}
	r = e.do(e.a, "GET", "/api/v1/customers.csv", "")
	laWant(t, "csv", r, http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(string(r.body)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "id,name,company,email,country,partner,licenses,") ||
		strings.Split(lines[1], ",")[6] != "1" {
		t.Errorf("the CSV counts:\n%s", r.body)
	}
}

// TestQuoteGetRefusesAMistypedParameter: issue 8, GET /api/v1/quote
// prices a line "with the same lines" as POST, which refuses a field it
// does not know. The GET dropped any parameter it did not read, so
// ?quantiy=3 answered the price of one license as if that were asked.
func TestQuoteGetRefusesAMistypedParameter(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	base := fmt.Sprintf("/api/v1/quote?product_id=%d&edition=business&seats=3&period_months=12", e.prod.ID)
	r := e.do(e.a, "GET", base+"&quantity=3", "")
	laWant(t, "quote", r, http.StatusOK)
	var q struct{ Total struct{ Amount int64 } }
	r.decode(t, &q)
	if q.Total.Amount != 3*3*1200 {
		t.Fatalf("quote of 3: %s", r.body)
	}
	for _, c := range []struct{ q, field string }{{"&quantiy=3", "quantiy"}, {"&seat=5", "seat"}, {"&coupon=X", "coupon"}} {
		r := e.do(e.a, "GET", base+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
	// The same mistake in POST's body is refused too.
	r = e.do(e.a, "POST", "/api/v1/quote", fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":3,"period_months":12,"quantiy":3}]}`, e.prod.ID))
	if r.status/100 != 4 {
		t.Errorf("POST with quantiy: %d %s", r.status, r.body)
	}
}

// TestRenewalQuoteRefusesAMistypedParameter: issue 12,
// GET /api/v1/licenses/{id}/renewal-quote?periods=N answers what renewing
// for N periods costs. A mistyped ?period=3 was dropped and one period
// quoted as if that were asked, while the renewal's body refuses an
// unknown field.
func TestRenewalQuoteRefusesAMistypedParameter(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	l := e.create(e.a, e.licBody(`"customer":"Kunde"`))
	path := "/api/v1/licenses/" + laU(l.ID) + "/renewal-quote?"
	r := e.do(e.a, "GET", path+"periods=3", "")
	laWant(t, "quote of 3", r, http.StatusOK)
	var q struct{ Total struct{ Amount int64 } }
	r.decode(t, &q)
	if q.Total.Amount != 3*3*1200 {
		t.Fatalf("quote of 3 periods: %s", r.body)
	}
	for _, c := range []struct{ q, field string }{{"period=3", "period"}, {"periods=1&payment=balance", "payment"}} {
		r := e.do(e.a, "GET", path+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
	r = e.do(e.a, "POST", "/api/v1/licenses/"+laU(l.ID)+"/renew", `{"period":3}`)
	if r.status/100 != 4 {
		t.Errorf("POST renew with period: %d %s", r.status, r.body)
	}
}

// TestLicenseImportRefusesAMistypedDryRun: issue 10, POST
// /api/v1/licenses/import with dry_run=true previews and writes nothing.
// A mistyped flag (dryrun=true, dry-run=true) was dropped and the file
// imported for real; every parameter is now checked before the file is
// read, and nothing is written.
func TestLicenseImportRefusesAMistypedDryRun(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	csv := "key,product,status,valid_to,customer\nAAAA-BBBB-CCCC-EEEE,av,active,2027-01-31,Imported Co\n"
	path := "/api/v1/licenses/import?partner=" + e.pb.PublicID
	for _, q := range []string{"&dryrun=true", "&dry-run=true", "&dry_run=true&validonly=true"} {
		r := e.do(e.op, "POST", path+q, csv)
		laWant(t, q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field == "" || !strings.Contains(q, ae.Error.Field) {
			t.Errorf("%s: error %s does not name the parameter", q, r.body)
		}
		if pg := e.list(e.op, "q=AAAA-BBBB-CCCC-EEEE"); pg.Total != 0 {
			t.Fatalf("%s imported the file", q)
		}
	}
	r := e.do(e.op, "POST", path+"&dry_run=true", csv)
	laWant(t, "dry run", r, http.StatusOK)
	if pg := e.list(e.op, "q=AAAA-BBBB-CCCC-EEEE"); pg.Total != 0 {
		t.Fatal("the dry run imported the file")
	}
}

// TestPartnersAndUsersRefuseAValueNoneCanHave: issue 2's lists of
// partners and users take filters named like the fields. A program,
// role, disabled flag or id no record can have (program=manuel,
// role=admin) answered an empty list, as if there were none, where the
// license, order and invoice lists name the filter and what it takes.
func TestPartnersAndUsersRefuseAValueNoneCanHave(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	for _, q := range []string{"partners?program=manual", "partners?disabled=false", "partners?distributor_id=0", "users?role=partner", "users?partner_id=" + laU(e.pa.ID)} {
		r := e.do(e.op, "GET", "/api/v1/"+q, "")
		laWant(t, q, r, http.StatusOK)
		var pg struct{ Total int }
		r.decode(t, &pg)
		if pg.Total == 0 {
			t.Errorf("%s: %s", q, r.body)
		}
	}
	for _, c := range []struct{ q, field string }{
		{"partners?program=manuel", "program"},
		{"partners?disabled=no", "disabled"},
		{"partners?distributor_id=P-1234-5678", "distributor_id"},
		{"users?role=admin", "role"},
		{"users?partner_id=" + e.pa.PublicID, "partner_id"},
	} {
		r := e.do(e.op, "GET", "/api/v1/"+c.q, "")
		laWant(t, c.q, r, http.StatusUnprocessableEntity)
		var ae laError
		r.decode(t, &ae)
		if ae.Error.Field != c.field {
			t.Errorf("%s: error %s; want one naming %q", c.q, r.body, c.field)
		}
	}
}

// TestClientAPIIgnoresCredentialHeaders: issue 13, the client API "needs
// no sign-in" (the key is the credential), served "on its own listener
// when client_addr is set, else under /api/v1/client", and validate
// "answers 200 ... for every well-formed request". Under /api/v1/client a
// request carrying any Authorization header (the license key as a bearer,
// as many SDKs send it, or a proxy's Basic) was refused 401, and one with
// a browser's session cookie but no CSRF header 403, where the client
// listener answered it.
func TestClientAPIIgnoresCredentialHeaders(t *testing.T) {
	t.Parallel()
	e := newLAEnv(t)
	l := e.create(e.a, e.licBody(`"customer":"Kunde"`))
	body := `{"key":"` + l.Key + `","fingerprint":"machine-1","hostname":"h1"}`
	send := func(f *fiber.App, path string, header ...string) (int, string) {
		t.Helper()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := send(e.f, "/api/v1/client/activate"); st != http.StatusOK {
		t.Fatalf("activate: %d %s", st, b)
	}
	client := web.NewClient(e.svc, app.Defaults(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	sid, _, err := e.svc.Login("anna@a.example", "correct horse battery", "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range [][]string{
		nil,
		{"Authorization", "Bearer " + l.Key},
		{"Authorization", "Basic dXNlcjpwYXNz"},
		{"Cookie", "ld_session=" + sid},
	} {
		for _, f := range []*fiber.App{e.f, client} {
			st, b := send(f, "/api/v1/client/validate", h...)
			if st != http.StatusOK || !strings.Contains(b, `"valid":true`) {
				t.Errorf("validate with %q: %d %s", h, st, b)
			}
		}
	}
}

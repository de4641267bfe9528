package web

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"licensedesk/app"
)

func TestCustomersAPIListSearchCSV(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	for _, body := range []string{
		`{"name":"Erika Muster","company":"Contoso","email":"erika@contoso.example","country":"de"}`,
		`{"name":"Max Power","company":"Fabrikam","email":"max@fabrikam.example","country":"AT"}`,
	} {
		if r := w.do(wd.aToken, "POST", "/api/v1/customers", body); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
	}
	if r := w.do(wd.aToken, "POST", "/api/v1/customers", `{"name":"Dup","email":"ERIKA@contoso.example"}`); r.status != 409 || r.apiError(t).Error.Field != "email" {
		t.Fatalf("duplicate email: %d %s", r.status, r.body)
	}
	if r := w.do(wd.aToken, "POST", "/api/v1/customers", `{"name":"X","email":"x@example.com","country":"Germany"}`); r.status != 422 || r.apiError(t).Error.Field != "country" {
		t.Fatalf("bad country: %d %s", r.status, r.body)
	}
	var page app.Page[app.CustomerRow]
	r := w.do(wd.aToken, "GET", "/api/v1/customers?q=contoso&sort=name", "")
	r.json(t, &page)
	if r.status != 200 || page.Total != 1 || page.Items[0].Email != "erika@contoso.example" || page.Items[0].Country != "DE" {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/customers?country=at", "")
	r.json(t, &page)
	if page.Total != 1 || page.Items[0].Name != "Max Power" {
		t.Fatalf("country filter: %s", r.body)
	}
	// A partner sees its own customers only: the world gave each one, and
	// the customer typed on its license made another.
	r = w.do(wd.bToken, "GET", "/api/v1/customers", "")
	r.json(t, &page)
	if page.Total != 2 || strings.Contains(string(r.body), "contoso") {
		t.Fatalf("partner B's list: %s", r.body)
	}
	for _, c := range page.Items {
		if c.PartnerID != wd.b.ID || c.Name == "Office customer" && c.Licenses != 1 {
			t.Fatalf("partner B's list holds %+v", c)
		}
	}
	if r := w.do(wd.aToken, "GET", "/api/v1/customers?partner=2", ""); r.status != 422 {
		t.Fatalf("partner A filtering by B: %d %s", r.status, r.body)
	}
	if r := w.do(wd.aToken, "GET", "/api/v1/customers?colour=red", ""); r.status != 422 || r.apiError(t).Error.Field != "colour" {
		t.Fatalf("unknown filter: %d %s", r.status, r.body)
	}
	// CSV with the filter, formula cells neutralised.
	if r := w.do(wd.aToken, "POST", "/api/v1/customers", `{"name":"=cmd()","email":"evil@example.com"}`); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/customers.csv", "")
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || r.status != 200 {
		t.Fatalf("csv: %d %v %s", r.status, err, r.body)
	}
	if len(rows) != 6 || strings.Join(rows[0], ",") != "id,name,company,email,country,partner,licenses,created" {
		t.Fatalf("csv rows %v", rows)
	}
	found := false
	for _, row := range rows {
		found = found || row[1] == "'=cmd()"
	}
	if !found {
		t.Fatalf("formula cell not neutralised: %v", rows)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/customers.csv?q=fabrikam", "")
	if rows, _ := csv.NewReader(strings.NewReader(string(r.body))).ReadAll(); len(rows) != 2 || rows[1][3] != "max@fabrikam.example" {
		t.Fatalf("filtered csv %v", rows)
	}
}

// TestActivateForCustomerAPI: the partner activates through the API for a
// new customer and then another license for the same record.
func TestActivateForCustomerAPI(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	id1, _ := wd.unused()
	id2, _ := wd.unused()
	r := w.do(wd.aToken, "POST", "/api/v1/licenses/"+uidStr(id1)+"/activate", `{"new_customer":{"name":"Jane Roe","email":"jane@example.com"}}`)
	var done app.ActivationDone
	r.json(t, &done)
	if r.status != 200 || done.License.Status != app.StatusActive || done.Customer.ID == 0 || done.MailID == 0 {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	r = w.do(wd.aToken, "POST", "/api/v1/licenses/"+uidStr(id2)+"/activate", `{"customer_id":`+uidStr(done.Customer.ID)+`}`)
	if r.status != 200 {
		t.Fatalf("second activation: %d %s", r.status, r.body)
	}
	r = w.do(wd.aToken, "GET", "/api/v1/customers/"+uidStr(done.Customer.ID)+"/licenses", "")
	var ls app.Page[app.LicenseView]
	r.json(t, &ls)
	if ls.Total != 2 {
		t.Fatalf("customer's licenses: %s", r.body)
	}
	if r := w.do(wd.aToken, "POST", "/api/v1/licenses/"+uidStr(id2)+"/activate", `{"customer_id":`+uidStr(done.Customer.ID)+`}`); r.status != 409 {
		t.Fatalf("activating twice: %d %s", r.status, r.body)
	}
	// Partner B cannot use A's customer for an unused license of its own.
	bl, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: wd.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: wd.b.ID, Name: "B's unused"})
	if err != nil {
		t.Fatal(err)
	}
	r = w.do(wd.bToken, "POST", "/api/v1/licenses/"+uidStr(bl[0].ID)+"/activate", `{"customer_id":`+uidStr(done.Customer.ID)+`}`)
	if r.status != 422 || r.apiError(t).Error.Field != "customer_id" {
		t.Fatalf("B with A's customer: %d %s", r.status, r.body)
	}
	// The activation link of an unused license, revoked and regenerated.
	id3, _ := wd.unused()
	var link struct {
		URL     *string `json:"url"`
		Revoked bool    `json:"revoked"`
	}
	w.do(wd.aToken, "GET", "/api/v1/licenses/"+uidStr(id3)+"/activation-link", "").json(t, &link)
	if link.URL == nil || !strings.Contains(*link.URL, "/activate/") {
		t.Fatalf("link %+v", link)
	}
	first := *link.URL
	w.do(wd.aToken, "DELETE", "/api/v1/licenses/"+uidStr(id3)+"/activation-link", "").json(t, &link)
	if link.URL != nil || !link.Revoked {
		t.Fatalf("revoked link %+v", link)
	}
	w.do(wd.aToken, "POST", "/api/v1/licenses/"+uidStr(id3)+"/activation-link", "").json(t, &link)
	if link.URL == nil || *link.URL == first {
		t.Fatalf("regenerated link %+v", link)
	}
}

func uidStr(id uint64) string { return strconv.FormatUint(id, 10) }

package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
)

// productForm is a filled-in new-product form: two editions with an
// upgrade path, two periods, four prices, a config field, two bulk tiers,
// and blank spare rows as the page sends them.
func productForm() url.Values {
	return url.Values{
		"name": {"Office Shield"}, "code": {""}, "currency": {"EUR"}, "description": {"Endpoint protection"}, "active": {"true"},
		"min_seats": {"1"}, "max_seats": {"500"},
		"editions[0].code": {"business"}, "editions[0].name": {"Business"}, "editions[0].upgrades_to": {"enterprise"},
		"editions[1].code": {"enterprise"}, "editions[1].name": {"Enterprise"}, "editions[1].upgrades_to": {""},
		"editions[2].code": {""}, "editions[2].name": {""}, "editions[2].upgrades_to": {""},
		"periods[0]": {"12"}, "periods[1]": {"24"}, "periods[2]": {""},
		"prices[0][0]": {"12.50"}, "prices[0][1]": {"23"}, "prices[0][2]": {""},
		"prices[1][0]": {"1,020.05"}, "prices[1][1]": {"37.00"}, "prices[1][2]": {""},
		"prices[2][0]": {""}, "prices[2][1]": {""}, "prices[2][2]": {""},
		"config_fields[0].name": {"Max devices"}, "config_fields[0].type": {"number"}, "config_fields[0].default": {"5"}, "config_fields[0].options": {""},
		"config_fields[1].name": {"Mode"}, "config_fields[1].type": {"choice"}, "config_fields[1].default": {"Small office"}, "config_fields[1].options": {"Small office, Enterprise site"},
		"config_fields[2].name": {""}, "config_fields[2].type": {"text"}, "config_fields[2].default": {""}, "config_fields[2].options": {""},
		"bulk_tiers[0].min_quantity": {"10"}, "bulk_tiers[0].discount": {"5"},
		"bulk_tiers[1].min_quantity": {"50"}, "bulk_tiers[1].discount": {"12.5"},
		"bulk_tiers[2].min_quantity": {""}, "bulk_tiers[2].discount": {""},
	}
}

func TestOperatorCreatesProductThroughForm(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	resp, body := c.get("/products/new")
	wantStatus(t, resp, body, http.StatusOK)

	resp, body = c.post("/products", productForm())
	wantStatus(t, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/products/") {
		t.Fatalf("saving redirects to %q", loc)
	}
	resp, body = c.follow(resp)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Product saved.", "Office Shield", "12.50 EUR", "1,020.05 EUR", "37.00 EUR", "Max devices", "12.5%")
	// The flash is shown once.
	_, body = c.get(loc)
	if strings.Contains(body, "Product saved.") {
		t.Error("the flash message is shown a second time")
	}

	_, body = c.get("/products")
	wantContains(t, body, "Office Shield", "office-shield", "12.50 EUR")

	page, err := h.svc.ListProducts(app.System, app.ListParams{})
	if err != nil || page.Total != 1 {
		t.Fatalf("products in the service: %d, %v", page.Total, err)
	}
	p, err := h.svc.GetProduct(app.System, page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"business/12": 1250, "business/24": 2300, "enterprise/12": 102005, "enterprise/24": 3700}
	if len(p.Prices) != len(want) {
		t.Errorf("prices %+v", p.Prices)
	}
	for k, amt := range want {
		ed, months, _ := strings.Cut(k, "/")
		m := map[string]int{"12": 12, "24": 24}[months]
		if got, ok := p.PriceFor(ed, m); !ok || got != amt {
			t.Errorf("price of %s: %d (%v), want %d minor units", k, got, ok, amt)
		}
	}
	if p.Code != "office-shield" || p.Currency != "EUR" || p.MinSeats != 1 || p.MaxSeats != 500 || !p.Active {
		t.Errorf("product fields: %+v", p)
	}
	if len(p.Editions) != 2 || len(p.Editions[0].UpgradesTo) != 1 || p.Editions[0].UpgradesTo[0] != "enterprise" {
		t.Errorf("editions: %+v", p.Editions)
	}
	if len(p.ConfigFields) != 2 || p.ConfigFields[1].Type != "choice" || len(p.ConfigFields[1].Options) != 2 || p.ConfigFields[1].Options[1] != "Enterprise site" {
		t.Errorf("config fields: %+v", p.ConfigFields)
	}
	if len(p.BulkTiers) != 2 || p.BulkTiers[1] != (app.BulkTier{MinQuantity: 50, DiscountBP: 1250}) {
		t.Errorf("bulk tiers: %+v", p.BulkTiers)
	}

	// The edit form shows what is stored, and saving it unchanged keeps it.
	_, body = c.get(loc + "/edit")
	wantContains(t, body, `value="12.50"`, `value="1020.05"`, `value="enterprise"`, `value="Small office, Enterprise site"`)
	edit := productForm()
	edit.Set("name", "Office Shield 2")
	edit.Set("code", "office-shield")
	edit.Set("prices[0][0]", "13")
	resp, body = c.post(loc, edit)
	wantStatus(t, resp, body, http.StatusSeeOther)
	p, _ = h.svc.GetProduct(app.System, p.ID)
	if got, _ := p.PriceFor("business", 12); got != 1300 || p.Name != "Office Shield 2" {
		t.Errorf("after editing: name %q, business/12 = %d", p.Name, got)
	}
}

func TestBadPriceShownBesideThePriceField(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	c.get("/products/new")
	form := productForm()
	form.Set("prices[1][1]", "37,5O") // a letter O
	resp, body := c.post("/products", form)
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "prices[1][1]"); !strings.Contains(msg, "is not an amount like 12.50") {
		t.Errorf("message beside the price: %q", msg)
	}
	wantContains(t, body, `name="prices[1][1]" value="37,5O"`, `aria-describedby="f-prices-1-1-error"`, `value="Office Shield"`, `value="1,020.05"`)
	if page, _ := h.svc.ListProducts(app.System, app.ListParams{}); page.Total != 0 {
		t.Errorf("a refused form wrote %d products", page.Total)
	}

	// Too many decimals for the currency, and a price left out.
	form = productForm()
	form.Set("prices[0][1]", "23.005")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "prices[0][1]"); !strings.Contains(msg, "2 decimal places") {
		t.Errorf("three decimals: %q", msg)
	}
	form = productForm()
	form.Set("prices[1][0]", "")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "prices[1][0]"); msg == "" {
		t.Error("a missing price shows no message beside it")
	}
}

// The service's own validation errors name fields by their place in the
// input; the form puts them beside the row the user typed them in.
func TestServiceErrorsLandBesideTheirRow(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	c.get("/products/new")

	// Edition typed in row 3 (row 2 blank) repeats row 0's code.
	form := productForm()
	form.Set("editions[3].code", "business")
	form.Set("editions[3].name", "Business again")
	form.Set("prices[3][0]", "1")
	form.Set("prices[3][1]", "2")
	resp, body := c.post("/products", form)
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "editions[3].code"); !strings.Contains(msg, "listed twice") {
		t.Errorf("duplicate edition message beside row 3: %q\n%s", msg, formAlert(body))
	}

	// A bulk tier out of order; its discount maps from discount_bp.
	form = productForm()
	form.Set("bulk_tiers[1].min_quantity", "5")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "bulk_tiers[1].min_quantity"); !strings.Contains(msg, "upward") {
		t.Errorf("tier order: %q", msg)
	}
	form = productForm()
	form.Set("bulk_tiers[0].discount", "100")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "bulk_tiers[0].discount"); msg == "" {
		t.Error("a 100% tier shows no message beside its discount")
	}

	// An upgrade to an edition that does not exist; a bad code; a choice default.
	form = productForm()
	form.Set("editions[1].upgrades_to", "ultimate")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "editions[1].upgrades_to"); !strings.Contains(msg, "ultimate") {
		t.Errorf("upgrade path: %q", msg)
	}
	form = productForm()
	form.Set("config_fields[1].default", "Home")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "config_fields[1].default"); !strings.Contains(msg, "not one of the options") {
		t.Errorf("choice default: %q", msg)
	}
	form = productForm()
	form.Set("currency", "euro")
	_, body = c.post("/products", form)
	if msg := fieldError(body, "currency"); !strings.Contains(msg, "ISO currency") {
		t.Errorf("currency: %q", msg)
	}

	// The code is taken: a conflict, 409, beside the code.
	h.svc.CreateProduct(app.System, sampleInput("office-shield"))
	resp, body = c.post("/products", productForm())
	wantStatus(t, resp, body, http.StatusConflict)
	if msg := fieldError(body, "code"); !strings.Contains(msg, "already has the code") {
		t.Errorf("taken code: %q", msg)
	}
}

func sampleInput(code string) app.ProductInput {
	name, cur := "Other", "EUR"
	eds := []app.Edition{{Code: "std", Name: "Standard"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "std", PeriodMonths: 12, PerSeat: 100}}
	return app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices}
}

func TestProductListSearchSortAndPaging(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	for _, code := range []string{"alpha-suite", "beta-guard", "gamma-backup"} {
		if _, err := h.svc.CreateProduct(app.System, sampleInput(code)); err != nil {
			t.Fatal(err)
		}
	}
	c := h.login("op@example.com")
	_, body := c.get("/products?sort=-code")
	if a, g := strings.Index(body, "alpha-suite"), strings.Index(body, "gamma-backup"); a < 0 || g < 0 || g > a {
		t.Error("sort=-code does not list gamma before alpha")
	}
	wantContains(t, body, `aria-sort="descending"`, `href="/products?sort=code"`)
	_, body = c.get("/products?q=beta*")
	wantContains(t, body, "beta-guard", "Clear all")
	if strings.Contains(body, "alpha-suite") {
		t.Error("the search for beta* lists alpha-suite")
	}
	// The search box's htmx request gets the results alone.
	req := httptest.NewRequest(http.MethodGet, "/products?q=gamma*", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "results")
	resp, body := c.do(req)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(body), `<div id="results">`) || !strings.Contains(body, "gamma-backup") || strings.Contains(body, "beta-guard") {
		t.Errorf("htmx results fragment:\n%s", body)
	}
	resp, body = c.get("/products?page=2")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "No products")
}

func TestProductDeleteAndPartnerView(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	name := "Acme"
	pt, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("p@acme.example", pt.ID)
	p := sampleProduct(t, h)

	pc := h.login("p@acme.example")
	resp, body := pc.get("/products/" + id(p.ID))
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "/edit") || strings.Contains(body, "/delete") {
		t.Error("a partner sees edit or delete on a product")
	}
	resp, body = pc.post("/products/"+id(p.ID)+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusForbidden)

	c := h.login("op@example.com")
	c.get("/products/" + id(p.ID))
	resp, body = c.post("/products/"+id(p.ID)+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "Product Office Shield deleted.")
	if _, err := h.svc.GetProduct(app.System, p.ID); err == nil {
		t.Error("the product is still there")
	}
}

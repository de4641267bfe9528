package app_test

import (
	"slices"
	"testing"

	"licensedesk/app"
)

func TestProductValidationNamesTheField(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		edit  func(in *app.ProductInput)
		field string
	}{
		{"no name", func(in *app.ProductInput) { in.Name = ptr(" ") }, "name"},
		{"bad code", func(in *app.ProductInput) { in.Code = ptr("anti virus!") }, "code"},
		{"bad currency", func(in *app.ProductInput) { in.Currency = ptr("EURO") }, "currency"},
		{"currency with digits", func(in *app.ProductInput) { in.Currency = ptr("E1R") }, "currency"},
		{"no editions", func(in *app.ProductInput) { in.Editions = &[]app.Edition{} }, "editions"},
		{"duplicate edition codes", func(in *app.ProductInput) {
			eds := append(slices.Clone(*in.Editions), app.Edition{Code: "Business", Name: "Again"})
			in.Editions = &eds
		}, "editions[2].code"},
		{"edition without a name", func(in *app.ProductInput) {
			eds := slices.Clone(*in.Editions)
			eds[1].Name = ""
			in.Editions = &eds
		}, "editions[1].name"},
		{"upgrade to a missing edition", func(in *app.ProductInput) {
			eds := slices.Clone(*in.Editions)
			eds[1].UpgradesTo = []string{"ultimate"}
			in.Editions = &eds
		}, "editions[1].upgrades_to"},
		{"upgrade to itself", func(in *app.ProductInput) {
			eds := slices.Clone(*in.Editions)
			eds[1].UpgradesTo = []string{"enterprise"}
			in.Editions = &eds
		}, "editions[1].upgrades_to"},
		{"upgrade listed twice", func(in *app.ProductInput) {
			eds := slices.Clone(*in.Editions)
			eds[0].UpgradesTo = []string{"enterprise", "Enterprise"}
			in.Editions = &eds
		}, "editions[0].upgrades_to"},
		{"upgrade cycle", func(in *app.ProductInput) {
			eds := slices.Clone(*in.Editions)
			eds[1].UpgradesTo = []string{"business"}
			in.Editions = &eds
		}, "editions"},
		{"no periods", func(in *app.ProductInput) { in.Periods = &[]int{} }, "periods"},
		{"zero-month period", func(in *app.ProductInput) { in.Periods = &[]int{0, 12, 24} }, "periods"},
		{"period listed twice", func(in *app.ProductInput) { in.Periods = &[]int{12, 24, 12} }, "periods"},
		{"missing price for an edition and period", func(in *app.ProductInput) {
			pr := slices.Clone(*in.Prices)[:3]
			in.Prices = &pr
		}, "prices"},
		{"period offered but not priced", func(in *app.ProductInput) { in.Periods = &[]int{1, 12, 24} }, "prices"},
		{"zero price", func(in *app.ProductInput) {
			pr := slices.Clone(*in.Prices)
			pr[0].PerSeat = 0
			in.Prices = &pr
		}, "prices[0].per_seat"},
		{"price for a missing edition", func(in *app.ProductInput) {
			pr := append(slices.Clone(*in.Prices), app.Price{Edition: "ultimate", PeriodMonths: 12, PerSeat: 1})
			in.Prices = &pr
		}, "prices[4].edition"},
		{"price for a period not offered", func(in *app.ProductInput) {
			pr := append(slices.Clone(*in.Prices), app.Price{Edition: "business", PeriodMonths: 36, PerSeat: 1})
			in.Prices = &pr
		}, "prices[4].period_months"},
		{"priced twice", func(in *app.ProductInput) {
			pr := append(slices.Clone(*in.Prices), (*in.Prices)[0])
			in.Prices = &pr
		}, "prices[4]"},
		{"min seats zero", func(in *app.ProductInput) { in.MinSeats = ptr(0) }, "min_seats"},
		{"max below min", func(in *app.ProductInput) { in.MinSeats, in.MaxSeats = ptr(5), ptr(3) }, "max_seats"},
		{"bulk tiers not ascending", func(in *app.ProductInput) {
			in.BulkTiers = &[]app.BulkTier{{25, 500}, {10, 750}}
		}, "bulk_tiers[1].min_quantity"},
		{"bulk tier repeated", func(in *app.ProductInput) {
			in.BulkTiers = &[]app.BulkTier{{10, 500}, {10, 750}}
		}, "bulk_tiers[1].min_quantity"},
		{"bulk tier of one license", func(in *app.ProductInput) { in.BulkTiers = &[]app.BulkTier{{1, 500}} }, "bulk_tiers[0].min_quantity"},
		{"bulk tier without discount", func(in *app.ProductInput) { in.BulkTiers = &[]app.BulkTier{{10, 0}} }, "bulk_tiers[0].discount_bp"},
		{"bulk tier of 100%", func(in *app.ProductInput) { in.BulkTiers = &[]app.BulkTier{{10, 10000}} }, "bulk_tiers[0].discount_bp"},
		{"config field without name", func(in *app.ProductInput) { in.ConfigFields = &[]app.ConfigField{{Type: "text"}} }, "config_fields[0].name"},
		{"config field of unknown type", func(in *app.ProductInput) {
			in.ConfigFields = &[]app.ConfigField{{Name: "seats", Type: "float"}}
		}, "config_fields[0].type"},
		{"config field default not a number", func(in *app.ProductInput) {
			in.ConfigFields = &[]app.ConfigField{{Name: "max users", Type: "number", Default: "many"}}
		}, "config_fields[0].default"},
		{"choice without options", func(in *app.ProductInput) {
			in.ConfigFields = &[]app.ConfigField{{Name: "mode", Type: "choice"}}
		}, "config_fields[0].options"},
		{"config field twice", func(in *app.ProductInput) {
			in.ConfigFields = &[]app.ConfigField{{Name: "Mode", Type: "text"}, {Name: "mode", Type: "text"}}
		}, "config_fields[1].name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := productInput("antivirus-pro")
			c.edit(&in)
			_, err := e.svc.CreateProduct(app.System, in)
			wantField(t, err, c.field)
		})
	}
	if page, _ := e.svc.ListProducts(app.System, app.ListParams{}); page.Total != 0 {
		t.Fatalf("invalid products were stored: %d", page.Total)
	}
}

func TestProductCreateDefaultsAndMoney(t *testing.T) {
	e := newEnv(t)
	in := productInput("")
	in.Code = nil
	in.Name = ptr("Antivirus Pro 2026!")
	in.Currency = ptr("usd")
	in.ConfigFields = &[]app.ConfigField{{Name: "mode", Type: "choice", Options: []string{"strict", "relaxed"}, Default: "strict"}}
	// Edition codes are matched in any case, in upgrade paths as anywhere.
	eds := []app.Edition{{Code: "Business", Name: "Business", UpgradesTo: []string{" Enterprise"}}, {Code: "ENTERPRISE", Name: "Enterprise"}}
	in.Editions = &eds
	p, err := e.svc.CreateProduct(app.System, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != "antivirus-pro-2026" {
		t.Errorf("code derived from the name = %q", p.Code)
	}
	if p.Currency != "USD" {
		t.Errorf("currency = %q, want it upper-cased", p.Currency)
	}
	if !slices.Equal(p.BulkTiers, app.DefaultBulkTiers) {
		t.Errorf("bulk tiers = %v, want the defaults", p.BulkTiers)
	}
	if p.MinSeats != 1 || !p.Active {
		t.Errorf("min seats %d, active %v", p.MinSeats, p.Active)
	}
	if price, ok := p.PriceFor("enterprise", 24); !ok || price != 4099 {
		t.Errorf("enterprise 24 months = %d (%v), want 4099 minor units", price, ok)
	}
	got, err := e.svc.GetProduct(app.System, p.ID)
	if err != nil || got.Code != p.Code || len(got.Prices) != 4 || got.Editions[0].UpgradesTo[0] != "enterprise" {
		t.Fatalf("stored product %+v, %v", got, err)
	}
	if !e.audited("product.create", "system", "") {
		t.Error("no audit entry for the new product")
	}
}

func TestProductCodesAreUnique(t *testing.T) {
	e := newEnv(t)
	e.product("antivirus-pro")
	other := e.product("backup-cloud")
	_, err := e.svc.CreateProduct(app.System, productInput("Antivirus-Pro"))
	wantField(t, err, "code")
	_, err = e.svc.UpdateProduct(app.System, other.ID, app.ProductInput{Code: ptr("antivirus-pro")})
	wantField(t, err, "code")
	if got, _ := e.svc.GetProduct(app.System, other.ID); got.Code != "backup-cloud" {
		t.Fatalf("a refused update changed the code to %q", got.Code)
	}
	// Saving a product under its own code is not a clash.
	if _, err := e.svc.UpdateProduct(app.System, other.ID, app.ProductInput{Code: ptr("backup-cloud"), Name: ptr("Backup Cloud")}); err != nil {
		t.Fatalf("re-saving a product with its own code: %v", err)
	}
}

func TestProductUpdate(t *testing.T) {
	e := newEnv(t)
	p := e.product("antivirus-pro")
	e.clk.Advance(3600e9)
	// An invalid change is refused and leaves the product as it was.
	_, err := e.svc.UpdateProduct(app.System, p.ID, app.ProductInput{Periods: &[]int{1, 12, 24}})
	wantField(t, err, "prices")
	got, _ := e.svc.GetProduct(app.System, p.ID)
	if !slices.Equal(got.Periods, []int{12, 24}) {
		t.Fatalf("refused update changed periods to %v", got.Periods)
	}
	up, err := e.svc.UpdateProduct(app.System, p.ID, app.ProductInput{Name: ptr("Antivirus Ultra"), BulkTiers: &[]app.BulkTier{{5, 250}, {50, 900}}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Antivirus Ultra" || len(up.BulkTiers) != 2 || !up.Updated.After(p.Updated) || !up.Created.Equal(p.Created) {
		t.Fatalf("update gave %+v", up)
	}
	if got := e.searchProducts("ultra"); !slices.Equal(got, []string{"antivirus-pro"}) {
		t.Errorf("search does not follow the rename: %v", got)
	}
	if _, err := e.svc.UpdateProduct(app.System, 999, app.ProductInput{Name: ptr("x")}); err == nil {
		t.Error("updating a missing product succeeded")
	} else {
		wantErr(t, err, app.ErrNotFound)
	}
}

func TestProductDeleteAndVisibility(t *testing.T) {
	e := newEnv(t)
	p := e.product("antivirus-pro")
	old := e.product("legacy-suite")
	if _, err := e.svc.UpdateProduct(app.System, old.ID, app.ProductInput{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	partner := e.partnerUser(e.partner("Northwind"), "a@northwind.example")

	// Partners see active products only; an inactive one is not found.
	page, err := e.svc.ListProducts(partner, app.ListParams{})
	if err != nil || page.Total != 1 || page.Items[0].ID != p.ID {
		t.Fatalf("partner's catalogue: %+v %v", page, err)
	}
	_, err = e.svc.GetProduct(partner, old.ID)
	wantErr(t, err, app.ErrNotFound)
	if _, err := e.svc.GetProduct(partner, p.ID); err != nil {
		t.Fatalf("partner cannot see an active product: %v", err)
	}
	// Catalogue changes are the operator's.
	_, err = e.svc.CreateProduct(partner, productInput("mine"))
	wantErr(t, err, app.ErrForbidden)
	_, err = e.svc.UpdateProduct(partner, p.ID, app.ProductInput{Name: ptr("Hacked")})
	wantErr(t, err, app.ErrForbidden)
	wantErr(t, e.svc.DeleteProduct(partner, p.ID), app.ErrForbidden)

	if err := e.svc.DeleteProduct(app.System, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetProduct(app.System, p.ID)
	wantErr(t, err, app.ErrNotFound)
	if got := e.searchProducts("antivirus*"); len(got) != 0 {
		t.Errorf("a deleted product is still found: %v", got)
	}
	// Its code is free again.
	e.product("antivirus-pro")
}

func TestProductListing(t *testing.T) {
	e := newEnv(t)
	for _, c := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		e.product(c)
	}
	page, err := e.svc.ListProducts(app.System, app.ListParams{Page: 2, PerPage: 2, Sort: "-code"})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range page.Items {
		codes = append(codes, p.Code)
	}
	if page.Total != 5 || !slices.Equal(codes, []string{"charlie", "bravo"}) || page.Pages() != 3 {
		t.Fatalf("page 2 of 2 by -code: total %d, %v, %d pages", page.Total, codes, page.Pages())
	}
	page, err = e.svc.ListProducts(app.System, app.ListParams{Filters: map[string]string{"code": "HARL"}})
	if err != nil || page.Total != 1 || page.Items[0].Code != "charlie" {
		t.Fatalf("filter code=HARL: %+v %v", page, err)
	}
	_, err = e.svc.ListProducts(app.System, app.ListParams{Sort: "price"})
	wantField(t, err, "sort")
	_, err = e.svc.ListProducts(app.System, app.ListParams{Filters: map[string]string{"active": "maybe"}})
	wantField(t, err, "active")
	page, _ = e.svc.ListProducts(app.System, app.ListParams{Page: 9})
	if page.Items == nil || len(page.Items) != 0 || page.Total != 5 {
		t.Fatalf("a page past the end: %+v", page)
	}
}

func TestProductSearchBox(t *testing.T) {
	e := newEnv(t)
	e.product("antivirus-pro")
	e.product("efgxx-fgh") // holds EFG and FGH but not EFGH
	e.product("abc-efgh")
	for q, want := range map[string][]string{
		"antivirus-pro": {"antivirus-pro"},
		"ANTIVIRUS-P*":  {"antivirus-pro"},
		"antivirus*":    {"antivirus-pro"},
		"*efgh*":        {"abc-efgh"},
		"*XX-FG*":       {"efgxx-fgh"},
		"endpoints":     {"abc-efgh", "antivirus-pro", "efgxx-fgh"},
		"*ndpoint*":     {"abc-efgh", "antivirus-pro", "efgxx-fgh"},
		"*zzz*":         nil,
	} {
		if got := e.searchProducts(q); !slices.Equal(got, want) {
			t.Errorf("search %q finds %v, want %v", q, got, want)
		}
	}
}

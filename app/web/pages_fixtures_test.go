package web_test

import (
	"strconv"
	"testing"

	"licensedesk/app"
)

func id(n uint64) string { return strconv.FormatUint(n, 10) }

// sampleProduct is a two-edition, two-period product made through the service.
func sampleProduct(t *testing.T, h *uiHarness) app.Product {
	t.Helper()
	name, cur := "Office Shield", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise"}}, {Code: "enterprise", Name: "Enterprise"}}
	periods := []int{12, 24}
	prices := []app.Price{{"business", 12, 1250}, {"business", 24, 2300}, {"enterprise", 12, 2000}, {"enterprise", 24, 3700}}
	p, err := h.svc.CreateProduct(app.System, app.ProductInput{Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

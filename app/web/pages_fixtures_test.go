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
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1250}, {Edition: "business", PeriodMonths: 24, PerSeat: 2300}, {Edition: "enterprise", PeriodMonths: 12, PerSeat: 2000}, {Edition: "enterprise", PeriodMonths: 24, PerSeat: 3700}}
	p, err := h.svc.CreateProduct(app.System, app.ProductInput{Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

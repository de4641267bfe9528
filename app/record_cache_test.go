package app_test

import (
	"testing"

	"licensedesk/app"
)

// A price change reaches the very next purchase: the decoded product a
// purchase reads is cached by its stored bytes, never served stale.
func TestPurchaseSeesAPriceChangeAtOnce(t *testing.T) {
	svc, a, line := benchShop(t)
	first, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, "")
	if err != nil {
		t.Fatal(err)
	}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 5000}, {Edition: "business", PeriodMonths: 24, PerSeat: 9000},
		{Edition: "enterprise", PeriodMonths: 12, PerSeat: 7000}, {Edition: "enterprise", PeriodMonths: 24, PerSeat: 13000}}
	if _, err := svc.UpdateProduct(app.System, line.ProductID, app.ProductInput{Prices: &prices}); err != nil {
		t.Fatal(err)
	}
	second, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, "")
	if err != nil {
		t.Fatal(err)
	}
	// The partner has 30 % off: 5000 → 3500 a seat.
	if second.Total.Amount != 3500 || first.Total.Amount == second.Total.Amount {
		t.Fatalf("totals %d then %d, want the new price 3500 after the change", first.Total.Amount, second.Total.Amount)
	}
	if _, err := svc.UpdatePartner(app.System, a.PartnerID, app.PartnerInput{DiscountBP: ptr(0)}); err != nil {
		t.Fatal(err)
	}
	third, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if third.Total.Amount != 5000 {
		t.Fatalf("total %d after the discount was removed, want 5000", third.Total.Amount)
	}
}

package app_test

import (
	"encoding/json"
	"testing"

	"licensedesk/app"
)

// The order a purchase answers with is the order as stored: the same
// as reading it back, for balance and invoice payment and several keys.
func TestPlaceOrderAnswersTheOrderAsStored(t *testing.T) {
	svc, a, line := benchShop(t)
	for _, tc := range []struct {
		payment  string
		quantity int
	}{{"balance", 1}, {"balance", 3}, {"invoice", 2}} {
		line.Quantity = tc.quantity
		got, created, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}, Payment: tc.payment}, "")
		if err != nil || !created {
			t.Fatalf("%s: created %v, %v", tc.payment, created, err)
		}
		back, err := svc.GetOrder(a, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(got)
		b, _ := json.Marshal(back)
		if string(g) != string(b) {
			t.Fatalf("%s: answered\n%s\nstored\n%s", tc.payment, g, b)
		}
		if got.Available != tc.quantity || len(got.LicenseIDList) != tc.quantity {
			t.Fatalf("%s: %d available of %d licenses, want %d", tc.payment, got.Available, len(got.LicenseIDList), tc.quantity)
		}
	}
}

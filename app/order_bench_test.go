package app_test

import (
	"testing"

	"licensedesk/app"
)

// benchShop opens a fresh service with a product and a partner with a
// large balance.
func benchShop(b *testing.B) (*app.Service, app.Actor, app.BasketLine) {
	b.Helper()
	svc, err := app.Open(app.Options{DataDir: b.TempDir(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	prod, err := svc.CreateProduct(app.System, productInput("antivirus"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Alpha"), DiscountBP: ptr(3000)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1e12, Kind: app.LedgerTopUp, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	u, err := svc.CreateUser(app.System, app.UserInput{Email: ptr("buyer@alpha.example"), Role: ptr(app.RolePartner), PartnerID: ptr(p.ID), Password: ptr(goodPassword)})
	if err != nil {
		b.Fatal(err)
	}
	a := app.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: p.ID}
	return svc, a, app.BasketLine{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}
}

// BenchmarkPlaceOrderOne is one purchase of one license paid by balance,
// one buyer at a time: the write path's cost per purchase.
func BenchmarkPlaceOrderOne(b *testing.B) {
	svc, a, line := benchShop(b)
	for b.Loop() {
		if _, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceOrderBulk1000 is one order of 1,000 keys.
func BenchmarkPlaceOrderBulk1000(b *testing.B) {
	svc, a, line := benchShop(b)
	line.Quantity = 1000
	for b.Loop() {
		if _, _, err := svc.PlaceOrder(a, app.OrderInput{Lines: []app.BasketLine{line}}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

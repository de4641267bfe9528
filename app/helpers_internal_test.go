package app

import (
	"testing"
	"time"
)

// internalDesk opens a desk in a temporary directory for the tests inside
// the package, with one product ("av": Business, 12 months, perSeat EUR
// cents a seat) and one partner named partner; now may be nil (the wall
// clock).
func internalDesk(t *testing.T, now func() time.Time, perSeat int64, partner string) (*Service, Product, Partner) {
	t.Helper()
	s := openTestService(t, t.TempDir(), now)
	t.Cleanup(func() { s.Close() })
	code, name, cur := "av", "AV", "EUR"
	eds, periods := []Edition{{Code: "business", Name: "Business"}}, []int{12}
	prices := []Price{{Edition: "business", PeriodMonths: 12, PerSeat: perSeat}}
	prod, err := s.CreateProduct(System, ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePartner(System, PartnerInput{Name: &partner})
	if err != nil {
		t.Fatal(err)
	}
	return s, prod, p
}

package app

import (
	"testing"
	"time"
)

// internalDesk opens a desk in a temporary directory for the tests inside
// the package, with one product ("av": Business, 12 months, 10.00 EUR a
// seat) and one partner ("Near Reseller"); now may be nil (the wall clock).
func internalDesk(t *testing.T, now func() time.Time) (*Service, Product, Partner) {
	t.Helper()
	s := openTestService(t, t.TempDir(), now)
	t.Cleanup(func() { s.Close() })
	code, name, cur := "av", "AV", "EUR"
	eds, periods := []Edition{{Code: "business", Name: "Business"}}, []int{12}
	prices := []Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1000}}
	prod, err := s.CreateProduct(System, ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	pname := "Near Reseller"
	p, err := s.CreatePartner(System, PartnerInput{Name: &pname})
	if err != nil {
		t.Fatal(err)
	}
	return s, prod, p
}

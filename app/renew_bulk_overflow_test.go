package app_test

import (
	"testing"

	"licensedesk/app"
)

// TestBulkRenewalQuoteRefusesATotalPastInt64: three licenses of a
// million seats at the largest per-seat price, renewed for five periods,
// cost more than an int64 holds. The quote says so, naming the field,
// as the renewal itself does; it never shows a wrapped, negative total.
func TestBulkRenewalQuoteRefusesATotalPastInt64(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Alpha Reseller")
	pa := e.partnerUser(p, "alice@alpha.example")
	in := productInput("vault")
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: app.MaxAmount}, {Edition: "business", PeriodMonths: 24, PerSeat: app.MaxAmount},
		{Edition: "enterprise", PeriodMonths: 12, PerSeat: app.MaxAmount}, {Edition: "enterprise", PeriodMonths: 24, PerSeat: app.MaxAmount}}
	in.Prices = &prices
	prod, err := e.svc.CreateProduct(app.System, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for range 3 {
		ls, err := e.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: app.MaxSeats, PeriodMonths: 12,
			PartnerID: p.ID, Customer: "Big Co"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ls[0].ID)
	}
	bulk := app.BulkRenewInput{LicenseIDs: ids, Periods: 5}
	qs, total, err := e.svc.QuoteBulkRenewal(pa, bulk)
	if err == nil {
		t.Fatalf("quoted %d renewals for %v; want the total refused as too large", len(qs), total)
	}
	wantField(t, err, "license_ids")
	_, err = e.svc.RenewLicenses(pa, bulk)
	wantField(t, err, "license_ids")
}

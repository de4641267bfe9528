package app_test

import (
	"fmt"
	"testing"
	"time"

	"licensedesk/app"
)

// BenchmarkImportLinksCustomers: the bulk loader (the path of the CSV
// import and of incoming transfer files) writing 10,000 licenses per
// operation into one transaction, with no customer, with customers drawn
// from 2,000 (five licenses each: looked up, records made once), and with
// a new customer on every license (a record made per license). The
// difference between the first and the others is what linking typed
// customers costs per batch.
func BenchmarkImportLinksCustomers(b *testing.B) {
	const n = 10000
	for _, mode := range []string{"none", "shared2000", "distinct"} {
		b.Run(mode, func(b *testing.B) {
			svc, err := app.Open(app.Options{DataDir: b.TempDir(), Logger: quiet})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			if _, err := svc.CreateProduct(app.System, productInput("av")); err != nil {
				b.Fatal(err)
			}
			pa, _ := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Alpha")})
			now := time.Now().UTC()
			round := 0
			for b.Loop() {
				b.StopTimer()
				round++
				batch := make([]app.License, n)
				for i := range batch {
					l := app.License{Name: "Office", ProductID: 1, ProductName: "Product av", Edition: "business", Seats: 5, PeriodMonths: 12,
						Status: app.StatusOrdered, Payment: app.PaymentPaid, Purchased: now, ActivateBy: now, PartnerID: pa.ID, Updated: now}
					switch mode {
					case "shared2000":
						l.Customer, l.CustomerEmail = fmt.Sprintf("Customer %d AG", i%2000), fmt.Sprintf("it@c%d.example", i%2000)
					case "distinct":
						l.Customer, l.CustomerEmail = fmt.Sprintf("Customer %d-%d AG", round, i), fmt.Sprintf("it@c%d-%d.example", round, i)
					}
					batch[i] = l
				}
				b.StartTimer()
				if err := svc.ImportLicenses(app.System, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

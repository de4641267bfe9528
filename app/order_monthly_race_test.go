package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"licensedesk/app"
)

// The monthly billing run several times at once, by hand and by the job
// runner catching up: each partner is charged once for the month, and
// the charges' order numbers are unique.
func TestMonthlyBillingRunFourTimesAtOnceChargesOnce(t *testing.T) {
	e := newEnv(t)
	prod := e.product("antivirus")
	for i := range 3 {
		p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr(fmt.Sprintf("MSP %d", i)), Program: ptr(app.ProgramMonthly)})
		if err != nil {
			t.Fatal(err)
		}
		pa := e.partnerUser(p, fmt.Sprintf("msp@p%d.example", i))
		o, _, err := e.svc.PlaceOrder(pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, Quantity: 1}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AssignLicense(pa, o.LicenseIDList[0], app.AssignInput{Customer: ptr("Acme")}); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(utc(2026, 4, 1, 0, 0))
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.BillMonth(utc(2026, 3, 1, 0, 0))
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- e.svc.RunDueJobs(context.Background())
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ch := monthlyCharges(t, e.svc)
	byPartner, numbers := map[uint64]int{}, map[string]bool{}
	for _, o := range ch {
		if o.BillingMonth == "2026-03" {
			byPartner[o.PartnerID]++
		}
		if numbers[o.Number] {
			t.Fatalf("order number %s twice", o.Number)
		}
		numbers[o.Number] = true
	}
	if len(byPartner) != 3 {
		t.Fatalf("March charges for %d partners, want 3: %+v", len(byPartner), ch)
	}
	for p, n := range byPartner {
		if n != 1 {
			t.Fatalf("partner %d charged %d times for March", p, n)
		}
	}
}

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// TestMonthlyBillingWithholdsAPartnerWithUnpricedSeats: a partner with an
// active seat the catalogue does not price in its currency is not billed
// short for the month; the other partner is billed, the operator sees on
// the job which seats to price, and once priced the job's retry bills the
// month whole, once.
func TestMonthlyBillingWithholdsAPartnerWithUnpricedSeats(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	av := e.product("antivirus") // EUR
	in := productInput("backup")
	in.Currency = ptr("USD")
	backup, err := e.svc.CreateProduct(app.System, in)
	if err != nil {
		t.Fatal(err)
	}
	harbor, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	quay, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Quay MSP"), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunDueJobs(ctx); err != nil { // the months before: nothing to bill
		t.Fatal(err)
	}
	for _, c := range []app.LicenseCreate{
		{ProductID: av.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: harbor.ID, Customer: "Acme"},
		{ProductID: backup.ID, Edition: "business", Seats: 3, PeriodMonths: 12, PartnerID: harbor.ID, Customer: "Acme"}, // USD: no EUR price
		{ProductID: av.ID, Edition: "business", Seats: 2, PeriodMonths: 12, PartnerID: quay.ID, Customer: "Zenith"},
	} {
		if _, err := e.svc.CreateLicenses(app.System, c); err != nil {
			t.Fatal(err)
		}
	}
	month := e.clk.Now().UTC()
	e.clk.Set(time.Date(month.Year(), month.Month()+1, 1, 0, 5, 0, 0, time.UTC))
	err = e.svc.RunDueJobs(ctx)
	if err == nil || !strings.Contains(err.Error(), harbor.PublicID) || !strings.Contains(err.Error(), "3 seats of Product backup business") {
		t.Fatalf("the run with an unpriced seat: %v", err)
	}
	byPartner := func() map[uint64][]app.OrderView {
		m := map[uint64][]app.OrderView{}
		for _, o := range monthlyCharges(t, e.svc) {
			m[o.PartnerID] = append(m[o.PartnerID], o)
		}
		return m
	}
	got := byPartner()
	if len(got[harbor.ID]) != 0 {
		t.Fatalf("Harbor was billed short: %+v", got[harbor.ID])
	}
	if len(got[quay.ID]) != 1 || got[quay.ID][0].Lines[0].Seats != 2 {
		t.Fatalf("Quay's charge: %+v", got[quay.ID])
	}
	st := status(t, e.svc, app.MonthlyBillingJob)
	if st.Failures != 1 || !strings.Contains(st.LastError, "Harbor MSP") || !strings.Contains(st.LastError, "price them in EUR") {
		t.Fatalf("what the operator sees of the job: %+v", st)
	}
	// The operator gives the product a EUR price; the retry bills Harbor
	// whole, and Quay is not billed again.
	if _, err := e.svc.UpdateProduct(app.System, backup.ID, app.ProductInput{Currency: ptr("EUR")}); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(e.clk.Now().Add(2 * time.Minute))
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	got = byPartner()
	if len(got[quay.ID]) != 1 || len(got[harbor.ID]) != 1 {
		t.Fatalf("after the price: Harbor %d charges, Quay %d", len(got[harbor.ID]), len(got[quay.ID]))
	}
	seats := 0
	for _, l := range got[harbor.ID][0].Lines {
		seats += l.Seats
	}
	if seats != 8 || len(got[harbor.ID][0].Lines) != 2 {
		t.Fatalf("Harbor's charge holds %d seats on %d lines, want 8 on 2", seats, len(got[harbor.ID][0].Lines))
	}
	if st := status(t, e.svc, app.MonthlyBillingJob); st.Failures != 0 {
		t.Fatalf("the job after the retry: %+v", st)
	}
}

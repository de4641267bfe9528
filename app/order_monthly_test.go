package app_test

import (
	"context"
	"testing"

	"licensedesk/app"
)

func monthlyCharges(t *testing.T, svc *app.Service) []app.OrderView {
	t.Helper()
	pg, err := svc.ListOrders(app.System, app.ListParams{PerPage: 100, Sort: "created"})
	if err != nil {
		t.Fatal(err)
	}
	var out []app.OrderView
	for _, o := range pg.Items {
		if o.Kind == app.OrderMonthly {
			out = append(out, o)
		}
	}
	return out
}

func TestMonthlyBillingAcrossMonthsRunTwiceAndCatchUp(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@example.com")
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), DiscountBP: ptr(3000), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	pa := e.partnerUser(p, "msp@harbor.example")
	prod := e.product("antivirus") // business: 10.99 a seat for 12 months, no one-month price
	ctx := context.Background()
	if err := e.svc.RunDueJobs(ctx); err != nil { // March 2: bills February, which had nothing
		t.Fatal(err)
	}
	// The MSP takes two licenses of 5 seats without paying; one goes to
	// a customer (active), the other stays unused and is not billed.
	o, _, err := e.svc.PlaceOrder(pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, Quantity: 2}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Payment != app.PayMonthly || o.State != app.OrderProcessed {
		t.Fatalf("monthly partner's order: %s %s", o.Payment, o.State)
	}
	if acc, _ := e.svc.GetAccount(op, p.ID); acc.Balance.Amount != 0 || len(acc.Entries) != 0 {
		t.Fatal("a monthly partner's order moved its balance")
	}
	if _, err := e.svc.AssignLicense(pa, o.LicenseIDList[0], app.AssignInput{Customer: ptr("Acme")}); err != nil {
		t.Fatal(err)
	}
	// A minute before April: nothing yet.
	e.clk.Set(utc(2026, 3, 31, 23, 59))
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(monthlyCharges(t, e.svc)); n != 0 {
		t.Fatalf("%d charges before the month ended", n)
	}
	// April 1st: March is billed, once however often the job runs.
	e.clk.Set(utc(2026, 4, 1, 0, 0))
	for range 2 {
		if err := e.svc.RunDueJobs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.svc.BillMonth(utc(2026, 3, 1, 0, 0)); err != nil || n != 0 {
		t.Fatalf("billing March again by hand wrote %d, %v", n, err)
	}
	ch := monthlyCharges(t, e.svc)
	// 10.99 / 12 = 0.9158 → 0.92 a seat-month; 5 seats = 4.60; −30% = 1.38; 3.22.
	if len(ch) != 1 || ch[0].BillingMonth != "2026-03" || ch[0].Total.Amount != 322 || ch[0].State != app.OrderUnpaid || ch[0].Lines[0].Seats != 5 {
		t.Fatalf("charges after April 1st: %+v", ch)
	}
	// Down from April 1st to mid-July: April, May and June are each billed once.
	e.clk.Set(utc(2026, 7, 15, 12, 0))
	e.reopen()
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	ch = monthlyCharges(t, e.svc)
	var months []string
	for _, c := range ch {
		months = append(months, c.BillingMonth)
	}
	if len(ch) != 4 || months[1] != "2026-04" || months[2] != "2026-05" || months[3] != "2026-06" {
		t.Fatalf("after downtime: %v", months)
	}
	// The charges are in the partner's history; the operator records payment.
	h, err := e.svc.OrderHistory(pa, p.ID)
	if err != nil || h[0].Action != "monthly" {
		t.Fatalf("history %+v %v", h, err)
	}
	if paid, err := e.svc.RecordOrderPayment(op, ch[0].ID, "bank"); err != nil || paid.State != app.OrderProcessed {
		t.Fatalf("paying a charge: %v", err)
	}
}

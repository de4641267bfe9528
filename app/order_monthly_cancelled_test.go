package app_test

import (
	"testing"
	"time"

	"licensedesk/app"
)

// monthlySeats is the seats a partner's monthly charge for month
// ("2026-04") bills, and whether there is a charge at all.
func monthlySeats(t *testing.T, svc *app.Service, partner uint64, month string) (int, bool) {
	t.Helper()
	for _, o := range monthlyCharges(t, svc) {
		if o.PartnerID != partner || o.BillingMonth != month {
			continue
		}
		n := 0
		for _, l := range o.Lines {
			n += l.Seats
		}
		return n, true
	}
	return 0, false
}

// TestMonthlyBillingStopsAtCancellation: a license cancelled in March is
// billed for March (active part of it, billed whole by the partner
// page's rule) and never after, even when a note is written on it
// later: the note changes nothing about when it stopped being used.
func TestMonthlyBillingStopsAtCancellation(t *testing.T) {
	e := newEnv(t) // 2 March 2026
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	prod := e.product("antivirus")
	_, err = e.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 2, PeriodMonths: 12, PartnerID: p.ID, Customer: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := e.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: p.ID, Customer: "Zenith"})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 3, 10, 12, 0))
	if _, err := e.svc.CancelLicense(app.System, gone[0].ID); err != nil {
		t.Fatal(err)
	}
	billAndExpect(t, e.svc, p.ID, utc(2026, 3, 1, 0, 0), 7, "want 7: the cancelled license was used in March")
	// In April the operator writes a note on the cancelled license.
	e.clk.Set(utc(2026, 4, 15, 9, 0))
	if _, err := e.svc.SetNotes(app.System, gone[0].ID, "customer left in March"); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 5, 1, 0, 5))
	billAndExpect(t, e.svc, p.ID, utc(2026, 4, 1, 0, 0), 2, "want 2: the license cancelled on 10 March was not used in April")
}

// TestMonthlyBillingStopsAtTransferOut: a license handed to another desk
// by a transfer file is billed for the month its receipt came in, and
// not for the months after, when the other desk's partner uses it.
func TestMonthlyBillingStopsAtTransferOut(t *testing.T) {
	src := newLicFix(t) // 2 March 2026
	dst := newLicFix(t)
	if _, err := src.svc.UpdatePartner(src.op, src.pa.ID, app.PartnerInput{Program: ptr(app.ProgramMonthly)}); err != nil {
		t.Fatal(err)
	}
	mk := func(customer string, seats int) app.LicenseView {
		return src.one(src.op, app.LicenseCreate{ProductID: src.fw.ID, Edition: "business", Seats: seats, PeriodMonths: 12,
			PartnerID: src.pa.ID, Customer: customer})
	}
	mk("Plain Ltd", 2)
	gone := mk("Harbor Co", 5)
	src.clk.Set(utc(2026, 3, 20, 10, 0))
	dst.clk.Set(utc(2026, 3, 20, 10, 0))
	sendOutByFile(t, src, dst, gone.ID)
	if l := src.get(gone.ID); l.Status != app.StatusTransferredOut {
		t.Fatalf("fixture: %s", l.Status)
	}
	src.clk.Set(utc(2026, 5, 1, 0, 5))
	for _, m := range []int{3, 4} {
		if _, err := src.svc.BillMonth(utc(2026, time.Month(m), 1, 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if n, ok := monthlySeats(t, src.svc, src.pa.ID, "2026-03"); !ok || n != 7 {
		t.Fatalf("March bills %d seats (%v); want 7: the license left on 20 March", n, ok)
	}
	if n, ok := monthlySeats(t, src.svc, src.pa.ID, "2026-04"); !ok || n != 2 {
		t.Fatalf("April bills %d seats (%v); want 2: the license transferred out in March is the other desk's", n, ok)
	}
}

// TestMonthlyBillingSkipsAMonthSuspendedThroughout: the partner page's
// rule bills a license active on any day of the month; one suspended on
// 10 March and enabled again on 5 May is billed for March and May, not
// for April, when it was suspended every day.
func TestMonthlyBillingSkipsAMonthSuspendedThroughout(t *testing.T) {
	e, p, pa, paused := monthlyWithTwoLicenses(t)
	e.clk.Set(utc(2026, 3, 10, 12, 0))
	if _, err := e.svc.SuspendLicense(pa, paused[0].ID); err != nil {
		t.Fatal(err)
	}
	bill := func(m time.Month) {
		t.Helper()
		if _, err := e.svc.BillMonth(utc(2026, m, 1, 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(utc(2026, 4, 1, 0, 5))
	bill(time.March)
	e.clk.Set(utc(2026, 5, 1, 0, 5))
	bill(time.April)
	e.clk.Set(utc(2026, 5, 5, 9, 0))
	if _, err := e.svc.EnableLicense(pa, paused[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 6, 1, 0, 5))
	bill(time.May)
	for _, c := range []struct {
		month string
		seats int
	}{{"2026-03", 7}, {"2026-04", 2}, {"2026-05", 7}} {
		if n, ok := monthlySeats(t, e.svc, p.ID, c.month); !ok || n != c.seats {
			t.Errorf("%s bills %d seats (%v); want %d", c.month, n, ok, c.seats)
		}
	}
}

// TestMonthlyBillingSkipsLicensesPaidAtPurchase: an MSP on the monthly
// program may still buy a license outright, paying its whole period from
// the balance. That license is paid; the monthly charge bills the seats
// used without paying (its monthly-paid orders), not that one again.
func TestMonthlyBillingSkipsLicensesPaidAtPurchase(t *testing.T) {
	e := newEnv(t) // 2 March 2026
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), DiscountBP: ptr(3000), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	pa := e.partnerUser(p, "msp@harbor.example")
	prod := e.product("antivirus")
	if _, err := e.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 100_000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	buy := func(payment string, seats int) app.OrderView {
		t.Helper()
		o, _, err := e.svc.PlaceOrder(pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: seats, PeriodMonths: 12, Quantity: 1}}, Payment: payment}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AssignLicense(pa, o.LicenseIDList[0], app.AssignInput{Customer: ptr("Acme")}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	paid := buy(app.PayBalance, 5)
	if paid.Total.Amount == 0 || paid.Payment != app.PayBalance {
		t.Fatalf("fixture: %+v", paid)
	}
	buy("", 2) // the program's default: monthly
	e.clk.Set(utc(2026, 4, 1, 0, 5))
	billAndExpect(t, e.svc, p.ID, utc(2026, 3, 1, 0, 0), 2, "want 2: the 5 seats were paid for 12 months at purchase")
}

// TestMonthlyBillingSkipsAMonthASuspendedLicenseExpiredIn: a license
// suspended on 10 March whose period then ends on 15 April (the sweep
// moves it from suspended to expired) was not used in April: April's
// charge leaves it out, as it would had it stayed suspended.
func TestMonthlyBillingSkipsAMonthASuspendedLicenseExpiredIn(t *testing.T) {
	e, p, pa, paused := monthlyWithTwoLicenses(t)
	if _, err := e.svc.EditLicense(app.System, paused[0].ID, app.LicenseEdit{ValidTo: ptr(utc(2026, 4, 15, 9, 0))}); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 3, 10, 12, 0))
	if _, err := e.svc.SuspendLicense(pa, paused[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 4, 16, 0, 0))
	if _, err := e.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	if l, err := e.svc.GetLicense(app.System, paused[0].ID); err != nil || l.Status != app.StatusExpired {
		t.Fatalf("fixture: %s %v", l.Status, err)
	}
	e.clk.Set(utc(2026, 5, 1, 0, 5))
	billAndExpect(t, e.svc, p.ID, utc(2026, 3, 1, 0, 0), 7, "want 7: used in March")
	billAndExpect(t, e.svc, p.ID, utc(2026, 4, 1, 0, 0), 2, "want 2: not used in April")
}

// TestMonthlyBillingStopsAtARefund: a license refunded in March (its
// status and payment status change together, in one history record) is
// billed for March and not for April, when a note was written on it.
func TestMonthlyBillingStopsAtARefund(t *testing.T) {
	e := newEnv(t) // 2 March 2026
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	pa := e.partnerUser(p, "msp@harbor.example")
	prod := e.product("antivirus")
	o, _, err := e.svc.PlaceOrder(pa, app.OrderInput{Lines: []app.BasketLine{{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, Quantity: 2}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range o.LicenseIDList {
		if _, err := e.svc.AssignLicense(pa, id, app.AssignInput{Customer: ptr("Acme")}); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(utc(2026, 3, 10, 12, 0))
	gone := o.LicenseIDList[1]
	if _, err := e.svc.RefundOrder(app.System, o.ID, app.RefundInput{LicenseIDs: []uint64{gone}, Reason: "customer left"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 4, 15, 9, 0))
	if _, err := e.svc.SetNotes(app.System, gone, "refunded in March"); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(utc(2026, 5, 1, 0, 5))
	billAndExpect(t, e.svc, p.ID, utc(2026, 3, 1, 0, 0), 10, "want 10: used in March")
	billAndExpect(t, e.svc, p.ID, utc(2026, 4, 1, 0, 0), 5, "want 5: not used in April")
}

// monthlyWithTwoLicenses: on 2 March 2026, a monthly-program partner
// with a user, a 2-seat license for Acme and a 5-seat one for Zenith
// (the one the test pauses).
func monthlyWithTwoLicenses(t *testing.T) (*env, app.Partner, app.Actor, []app.LicenseView) {
	t.Helper()
	e := newEnv(t) // 2 March 2026
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Harbor MSP"), Program: ptr(app.ProgramMonthly)})
	if err != nil {
		t.Fatal(err)
	}
	pa := e.partnerUser(p, "msp@harbor.example")
	prod := e.product("antivirus")
	if _, err := e.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 2, PeriodMonths: 12, PartnerID: p.ID, Customer: "Acme"}); err != nil {
		t.Fatal(err)
	}
	paused, err := e.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: p.ID, Customer: "Zenith"})
	if err != nil {
		t.Fatal(err)
	}
	return e, p, pa, paused
}

// billAndExpect runs the monthly charge of month and fails unless it
// bills want seats of partner; why says what the test expects.
func billAndExpect(t *testing.T, svc *app.Service, partner uint64, month time.Time, want int, why string) {
	t.Helper()
	if _, err := svc.BillMonth(month); err != nil {
		t.Fatal(err)
	}
	if n, ok := monthlySeats(t, svc, partner, month.Format("2006-01")); !ok || n != want {
		t.Fatalf("%s bills %d seats (%v); %s", month.Format("January"), n, ok, why)
	}
}

package app_test

import (
	"testing"

	"licensedesk/app"
)

func TestRenewalCoverByWeek(t *testing.T) {
	r := newRenewShop(t, 3846+100) // covers one auto-renewal (38.46), not two
	// r.lic and three more, all ending a year on; two with auto-renew.
	a1, a2 := r.active("Business", 5, ""), r.active("Business", 5, "")
	r.active("Business", 5, "")
	r.autoRenew(a1.ID)
	r.autoRenew(a2.ID)
	other := r.partner("Beta Reseller")
	if _, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: r.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: other.ID, Customer: "x"}); err != nil {
		t.Fatal(err)
	}
	r.clk.Set(r.lic.ValidTo.AddDate(0, 0, -10))
	sum := func(c app.CoverWeeks) (cov, short, manual int64) {
		for i := range c.Weeks {
			cov, short, manual = cov+c.Covered[i], short+c.Short[i], manual+c.Manual[i]
		}
		return
	}
	c, err := r.svc.RenewalCoverByWeek(r.pa, 12)
	if err != nil {
		t.Fatal(err)
	}
	if cov, short, manual := sum(c); cov != 1 || short != 1 || manual != 2 {
		t.Fatalf("partner: covered %d, short %d, manual %d; want 1, 1, 2", cov, short, manual)
	}
	c, err = r.svc.RenewalCoverByWeek(r.op, 12)
	if err != nil {
		t.Fatal(err)
	}
	if cov, short, manual := sum(c); cov != 1 || short != 1 || manual != 3 {
		t.Fatalf("operator: covered %d, short %d, manual %d; want 1, 1, 3", cov, short, manual)
	}
	if _, err := r.svc.RenewalCoverByWeek(r.pa, 0); err == nil {
		t.Fatal("0 weeks accepted")
	}
}

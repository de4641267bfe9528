package app_test

import (
	"strings"
	"testing"

	"licensedesk/app"
)

func TestCouponChoice(t *testing.T) {
	type coupon struct {
		edition string
		seats   int
		notes   string
		age     int // days before the renewal it was bought: older lapses sooner
	}
	cases := []struct {
		name    string
		coupons []coupon
		want    int    // index of the coupon used, -1: none
		why     string // words of the refusal
	}{
		{"soonest deadline", []coupon{{"business", 5, "", 10}, {"business", 5, "", 40}, {"business", 5, "", 20}}, 1, ""},
		{"skips noted", []coupon{{"business", 5, "keep for ACME", 40}, {"business", 5, "", 10}}, 1, ""},
		{"none at all", nil, -1, "no unused license"},
		{"wrong edition", []coupon{{"enterprise", 5, "", 1}}, -1, "edition business"},
		{"wrong seats", []coupon{{"business", 3, "", 1}}, -1, "5 seats"},
		{"only noted", []coupon{{"business", 5, "reserved", 1}}, -1, "carry a note"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRenewShop(t, 0)
			start := r.clk.Now()
			var made []app.LicenseView
			for i := range c.coupons {
				r.clk.Set(start.AddDate(0, 0, -c.coupons[i].age))
				made = append(made, r.unused(c.coupons[i].edition, c.coupons[i].seats, c.coupons[i].notes))
			}
			r.clk.Set(start.AddDate(0, 0, 1))
			res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Coupon: true})
			if c.want < 0 {
				wantField(t, err, "coupon")
				if !strings.Contains(err.Error(), c.why) {
					t.Fatalf("refusal %q does not say %q", err, c.why)
				}
				if got, _ := r.svc.GetLicense(r.pa, r.lic.ID); !got.ValidTo.Equal(*r.lic.ValidTo) {
					t.Fatal("a refused coupon renewal moved valid_to")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			used := made[c.want]
			if res.Renewal.Coupon != used.Key || !res.ValidTo.Equal(r.lic.ValidTo.AddDate(1, 0, 0)) || res.Renewal.Charged.Amount != 0 {
				t.Fatalf("renewed with %s to %s; want %s to %s", res.Renewal.Coupon, res.ValidTo, used.Key, r.lic.ValidTo.AddDate(1, 0, 0))
			}
			for i, m := range made {
				got, _ := r.svc.GetLicense(r.pa, m.ID)
				if (i == c.want) != (got.Status == app.StatusCancelled) {
					t.Fatalf("coupon %d is %s", i, got.Status)
				}
			}
			hasNote := func(id uint64, note string) bool {
				h, err := r.svc.LicenseHistory(r.pa, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range h {
					if e.New == note {
						return true
					}
				}
				return false
			}
			if !hasNote(used.ID, "used to renew "+r.lic.Key) || !hasNote(r.lic.ID, "renewed with coupon "+used.Key) {
				t.Fatal("the histories do not say which coupon renewed which license")
			}
			// The coupon is used: naming it again is refused.
			_, err = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, CouponID: used.ID})
			wantField(t, err, "coupon_id")
			if !strings.Contains(err.Error(), "already used") {
				t.Fatalf("reuse refused with %q; want it to say already used", err)
			}
		})
	}
}

func TestCouponOfAnotherProductIsRefused(t *testing.T) {
	r := newRenewShop(t, 0)
	other := r.env.product("firewall")
	ls, err := r.svc.CreateLicenses(r.op, app.LicenseCreate{ProductID: other.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: r.p.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, CouponID: ls[0].ID})
	wantField(t, err, "coupon_id")
	if !strings.Contains(err.Error(), "is for Product firewall") {
		t.Fatalf("refusal %q does not name the product", err)
	}
	if got, _ := r.svc.GetLicense(r.pa, ls[0].ID); got.Status != app.StatusOrdered {
		t.Fatal("a refused coupon was used")
	}
}

func TestMigrationCredit(t *testing.T) {
	cases := []struct {
		name     string
		daysLeft int
		credit   int64
		total    int64
	}{
		// Business 12 months: 1099 × 5 = 5495, −30% → 3846 for the period.
		// Enterprise 12 months: 2099 × 5 = 10495, −30% → 7346.
		{"half a year left", 182, 1918, 7346 - 1918},
		{"a day left", 1, 11, 7346 - 11},
		{"just renewed", 364, 3835, 7346 - 3835},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRenewShop(t, 1_000_000)
			end := *r.lic.ValidTo
			now := end.AddDate(0, 0, -c.daysLeft)
			r.clk.Set(now)
			q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Edition: "enterprise"})
			if err != nil {
				t.Fatal(err)
			}
			days := 365
			want := app.ProRata(3846, c.daysLeft, days)
			if q.Credit == nil || q.Credit.Amount.Amount != want || want != c.credit || q.Credit.DaysLeft != c.daysLeft || q.Total.Amount != c.total {
				t.Fatalf("credit %+v total %v; want credit %d (of %d), total %d", q.Credit, q.Total, c.credit, want, c.total)
			}
			before := r.balance()
			res, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Edition: "enterprise"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Edition != "enterprise" || !res.ValidTo.Equal(now.AddDate(1, 0, 0)) || before-r.balance() != c.total || res.Key != r.lic.Key {
				t.Fatalf("migrated %s to %s charging %d", res.Edition, res.ValidTo, before-r.balance())
			}
			tl, _ := r.svc.OrderHistory(r.pa, r.p.ID)
			if tl[0].Action != "migration" {
				t.Fatalf("timeline shows %q; want migration", tl[0].Action)
			}
		})
	}
}

// A license renewed ahead keeps what it paid for when it migrates: the
// credit counts every day paid ahead, and a migration too short to use it
// is refused (naming periods) instead of dropping the paid years.
func TestMigrationCreditsTimePaidAhead(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	if _, err := r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 2}); err != nil { // paid three years ahead
		t.Fatal(err)
	}
	lic, err := r.svc.GetLicense(r.pa, r.lic.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := lic.ValidTo.AddDate(0, 0, -(2*365 + 100)) // two periods and 100 days left
	r.clk.Set(now)
	before := r.balance()
	_, err = r.svc.RenewLicense(r.pa, lic.ID, app.RenewInput{Periods: 1, Edition: "enterprise"})
	wantField(t, err, "periods")
	if !strings.Contains(err.Error(), "paid 830 days ahead") || r.balance() != before {
		t.Fatalf("a one-period migration of a license paid 830 days ahead: %v", err)
	}
	// Three periods of Enterprise less the credit: two whole Business
	// periods (3846 each; the period is the last one's, 365 or 366 days)
	// and 100 days of the third.
	q, err := r.svc.QuoteRenewal(r.pa, lic.ID, app.RenewInput{Periods: 3, Edition: "enterprise"})
	if err != nil || q.Credit == nil || len(q.Lines) != 1 {
		t.Fatalf("quote %+v, %v", q, err)
	}
	want := 2*3846 + app.ProRata(3846, q.Credit.DaysLeft-2*q.Credit.DaysInPeriod, q.Credit.DaysInPeriod)
	var price int64 // the three periods before the credit
	for _, st := range q.Lines[0].Steps {
		if st.Kind != "credit" {
			price += st.Amount
		}
	}
	if q.Credit.DaysLeft != 830 || q.Credit.Amount.Amount != want || price < 3*7346-1 || q.Total.Amount != price-want {
		t.Fatalf("credit %+v, total %v of %d; want a credit of %d", q.Credit, q.Total, price, want)
	}
	res, err := r.svc.RenewLicense(r.pa, lic.ID, app.RenewInput{Periods: 3, Edition: "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Edition != "enterprise" || !res.ValidTo.Equal(now.AddDate(3, 0, 0)) || before-r.balance() != q.Total.Amount {
		t.Fatalf("migrated to %s until %s charging %d; want %d", res.Edition, res.ValidTo, before-r.balance(), q.Total.Amount)
	}
}

func TestMigrationOffTheUpgradePathIsRefused(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	ent := r.active("enterprise", 5, "")
	before := r.balance()
	_, err := r.svc.RenewLicense(r.pa, ent.ID, app.RenewInput{Periods: 1, Edition: "business"})
	wantField(t, err, "edition")
	if !strings.Contains(err.Error(), "upgrade path") || r.balance() != before {
		t.Fatalf("downgrade: %v", err)
	}
}

package app_test

import (
	"strings"
	"testing"
	"time"
)

// TestCustomerMailComesThreeDaysBeforeTheExpiryDate: a license ending on
// 2 March 2027 at 09:00 has its customer told on 27 February, three days
// before, not on the 28th: the daily run at midnight mails every license
// whose expiry date is three days on, whatever its time of day.
func TestCustomerMailComesThreeDaysBeforeTheExpiryDate(t *testing.T) {
	r := newRenewShop(t, 0)
	r.runJobs()
	if want := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC); !r.lic.ValidTo.Equal(want) {
		t.Fatalf("fixture: the license ends %s, want %s", r.lic.ValidTo, want)
	}
	r.clk.Set(time.Date(2027, 2, 26, 0, 1, 0, 0, time.UTC))
	r.runJobs()
	if n := len(r.mails("customer_expiry")); n != 0 {
		t.Fatalf("%d customer mails four days before the expiry date", n)
	}
	r.clk.Set(time.Date(2027, 2, 27, 0, 1, 0, 0, time.UTC))
	r.runJobs()
	ms := r.mails("customer_expiry")
	if len(ms) != 1 || !strings.Contains(ms[0].Subject, "expires on 2027-03-02") {
		t.Fatalf("customer mails on 27 February: %d %+v; want the one for 2 March", len(ms), ms)
	}
	r.clk.Set(time.Date(2027, 2, 28, 0, 1, 0, 0, time.UTC))
	r.runJobs()
	if n := len(r.mails("customer_expiry")); n != 1 {
		t.Fatalf("%d customer mails after the next day's run; want still 1", n)
	}
}

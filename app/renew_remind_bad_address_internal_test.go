package app

import (
	"slices"
	"testing"
	"time"

	"licensedesk/storage"
)

// One license whose stored customer email the outbox cannot take (a line
// break in it, as a transfer file or an older desk could store) must not
// stop the 3-day customer mails of every other license: it is skipped
// and logged, the others are mailed.
func TestCustomerMailsSkipAnAddressTheOutboxRefuses(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s, prod, p := internalDesk(t, func() time.Time { return now }, 1000, "Near Reseller")
	var ids []uint64
	for _, c := range []struct{ name, email string }{{"Bad Ltd", "bad@customer.example"}, {"Good Ltd", "good@customer.example"}} {
		ls, err := s.CreateLicenses(System, LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: p.ID,
			Customer: c.name, CustomerEmail: c.email})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ls[0].ID)
	}
	if err := s.db.Update(func(tx *storage.Tx) error {
		old, err := getLicense(tx, ids[0])
		if err != nil {
			return err
		}
		l := old
		l.CustomerEmail = "bad@customer.example\r\nBcc: thief@evil.example"
		return putLicense(tx, &old, &l)
	}); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(1, 0, -2) // both expire in two days
	n, err := s.SendCustomerMails(now)
	if err != nil || n != 1 {
		t.Fatalf("customer mails: %d, %v; want the good customer's one", n, err)
	}
	mails, err := s.ListOutbox(System, ListParams{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range mails.Items {
		if m.Kind == "customer_expiry" {
			to = append(to, m.To...)
		}
	}
	if !slices.Equal(to, []string{"good@customer.example"}) {
		t.Errorf("customer mails to %v", to)
	}
}

package app_test

import (
	"errors"
	"testing"
	"time"

	"licensedesk/app"
)

// Licenses are counted in the week their period ends, by status, and a
// partner counts only its own.
func TestExpiringByWeek(t *testing.T) {
	f := newLicFix(t) // the clock stands at Monday 2026-03-02 09:00
	mk := func(a app.Actor, startedAt time.Time, partner uint64) app.LicenseView {
		f.clk.Set(startedAt)
		in := f.lic()
		in.Customer = "Novak AG"
		in.PartnerID = partner
		return f.one(a, in)
	}
	// Twelve-month licenses started a year before: their periods end then.
	mk(f.op, time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC), f.pa.ID)      // week 0 (ends Wed 2026-03-04)
	mk(f.op, time.Date(2025, 3, 8, 23, 0, 0, 0, time.UTC), f.pa.ID)      // week 0 (Sun 2026-03-08)
	mk(f.op, time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), f.pb.ID)       // week 1 (Mon 2026-03-09 00:00)
	s := mk(f.op, time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC), f.pa.ID) // week 11 (Wed 2026-05-20)
	mk(f.op, time.Date(2025, 5, 25, 0, 0, 0, 0, time.UTC), f.pa.ID)      // week 12: outside 12 weeks
	mk(f.op, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), f.pa.ID)       // ended before this week
	f.clk.Set(licT0)
	if _, err := f.svc.SuspendLicense(f.op, s.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ExpiringByWeek(f.op, 12)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Weeks[0].Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) || !got.Weeks[11].Equal(time.Date(2026, 5, 18, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("weeks %v … %v", got.Weeks[0], got.Weeks[11])
	}
	wantActive := []int64{2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	wantSusp := []int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	for i := range 12 {
		if got.Active[i] != wantActive[i] || got.Suspended[i] != wantSusp[i] {
			t.Fatalf("active %v suspended %v; want %v %v", got.Active, got.Suspended, wantActive, wantSusp)
		}
	}
	if got.Total() != 4 {
		t.Errorf("total %d", got.Total())
	}
	mine, err := f.svc.ExpiringByWeek(f.ua, 12) // partner A: not B's license in week 1
	if err != nil {
		t.Fatal(err)
	}
	if mine.Active[0] != 2 || mine.Active[1] != 0 || mine.Suspended[11] != 1 {
		t.Errorf("partner A: active %v suspended %v", mine.Active, mine.Suspended)
	}
	var ve *app.ValidationError
	if _, err := f.svc.ExpiringByWeek(f.op, 0); !errors.As(err, &ve) || ve.Field != "weeks" {
		t.Errorf("zero weeks: %v", err)
	}
}

package app_test

import (
	"testing"
	"time"
)

// TestDateFiltersIncludeTheLastSecondOfTheDay: "purchased until
// 2026-03-02" (and "valid from until") includes the whole of that day, its
// last second too, whatever fraction of it; the next day is out.
func TestDateFiltersIncludeTheLastSecondOfTheDay(t *testing.T) {
	f := newLicFix(t)
	f.clk.Set(time.Date(2026, 3, 2, 23, 59, 59, 500_000_000, time.UTC))
	in := f.lic()
	in.PartnerID, in.Customer = f.pa.ID, "Late Night Ltd" // active: its period starts now
	late := f.one(f.op, in)
	f.clk.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
	next := f.one(f.op, in)
	for _, filter := range []string{"purchased_before", "valid_from_before"} {
		got := licIDs(f.list(f.op, map[string]string{filter: "2026-03-02"}, "id"))
		if len(got) != 1 || got[0] != late.ID {
			t.Errorf("%s=2026-03-02 lists %v; want only %d, bought at 23:59:59.5 that day (not %d, the next day)", filter, got, late.ID, next.ID)
		}
	}
	for _, filter := range []string{"purchased_after", "valid_from_after"} {
		got := licIDs(f.list(f.op, map[string]string{filter: "2026-03-03"}, "id"))
		if len(got) != 1 || got[0] != next.ID {
			t.Errorf("%s=2026-03-03 lists %v; want only %d", filter, got, next.ID)
		}
	}
}

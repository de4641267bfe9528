package app

import (
	"fmt"
	"testing"

	"licensedesk/storage"
)

// historyLicense is a license of the ledgerShop desk's partner whose
// history holds n more single-field entries, written in bulk (one
// transaction per 10,000) through writeHistoryEntry, which counts them.
func historyLicense(tb testing.TB, n int) (*Service, Actor, uint64) {
	tb.Helper()
	s, a, line := ledgerShop(tb, 1)
	ls, err := s.CreateLicenses(System, LicenseCreate{ProductID: line.ProductID, Edition: "business", PeriodMonths: 12, Seats: 1, PartnerID: a.PartnerID})
	if err != nil {
		tb.Fatal(err)
	}
	id := ls[0].ID
	for done := 0; done < n; done += 10000 {
		err := s.db.Update(func(tx *storage.Tx) error {
			for i := range min(10000, n-done) {
				e := HistoryEntry{LicenseID: id, At: s.now(), Actor: "bench", Action: "license.notes", Field: "notes", New: fmt.Sprint(done + i), PartnerID: a.PartnerID}
				if err := writeHistoryEntry(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s, a, id
}

// BenchmarkLicenseHistoryPage reads the first page of a license's
// history (the license page, GET /api/v1/licenses/:id/history) with 100
// and with 100,000 entries, as the operator and as the owner.
//
//	go test -run X -bench LicenseHistoryPage ./app/
func BenchmarkLicenseHistoryPage(b *testing.B) {
	for _, n := range []int{100, 100000} {
		s, a, id := historyLicense(b, n)
		for _, who := range []struct {
			name string
			a    Actor
		}{{"operator", System}, {"owner", a}} {
			b.Run(fmt.Sprintf("entries=%d/%s", n, who.name), func(b *testing.B) {
				for b.Loop() {
					pg, err := s.LicenseHistoryPage(who.a, id, ListParams{PerPage: 25})
					if err != nil || pg.Total < n || len(pg.Items) != 25 {
						b.Fatalf("%d items of %d: %v", len(pg.Items), pg.Total, err)
					}
				}
			})
		}
	}
}

// TestMigrateHistoryCounts: history from before the counters gets them
// from migration 13, per license and per owner.
func TestMigrateHistoryCounts(t *testing.T) {
	s, a, id := historyLicense(t, 30)
	want, err := s.LicenseHistoryPage(System, id, ListParams{})
	if err != nil || want.Total < 31 {
		t.Fatalf("before: %d entries, %v", want.Total, err)
	}
	wantOwner, err := s.LicenseHistoryPage(a, id, ListParams{})
	if err != nil || wantOwner.Total < 30 {
		t.Fatalf("before, the owner: %d entries, %v", wantOwner.Total, err)
	}
	err = s.db.Update(func(tx *storage.Tx) error {
		var keys [][]byte
		tx.Each(storage.HistoryCounts, nil, func(k, _ []byte) bool { keys = append(keys, append([]byte(nil), k...)); return true })
		for _, k := range keys {
			if err := tx.Delete(storage.HistoryCounts, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pg, _ := s.LicenseHistoryPage(System, id, ListParams{}); pg.Total != 0 {
		t.Fatalf("the counters were not removed: total %d", pg.Total)
	}
	if err := s.db.Update(migrateHistoryCounts); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  Actor
		want int
	}{{System, want.Total}, {a, wantOwner.Total}} {
		pg, err := s.LicenseHistoryPage(c.who, id, ListParams{Page: 2, PerPage: 20})
		if err != nil || pg.Total != c.want || len(pg.Items) != c.want-20 {
			t.Errorf("%s after migration: total %d, %d on page 2; want %d and %d (%v)", c.who.Email, pg.Total, len(pg.Items), c.want, c.want-20, err)
		}
	}
}

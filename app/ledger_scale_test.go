package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"licensedesk/storage"
)

// BenchmarkPurchaseLedgerSize buys one license paid by balance for a
// partner with 10 and with 1,000,000 ledger entries: the running balance
// makes the cost the same.
//
//	go test -run X -bench PurchaseLedgerSize ./app/
func BenchmarkPurchaseLedgerSize(b *testing.B) {
	for _, n := range []int{10, 1000000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			s, a, line := ledgerShop(b, n)
			for b.Loop() {
				if _, _, err := s.PlaceOrder(a, OrderInput{Lines: []BasketLine{line}}, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAccountLedgerSize reads a partner's account (the dashboard's
// latest five movements, the account page's first page of 50 and its
// last page) with 100 and with 100,000 ledger entries: a page is read
// from one end of the partner's keys and the total is its counter, so
// the cost does not grow with the ledger.
//
//	go test -run X -bench AccountLedgerSize ./app/
func BenchmarkAccountLedgerSize(b *testing.B) {
	for _, n := range []int{100, 100000} {
		s, a, _ := ledgerShop(b, n)
		for _, c := range []struct {
			name string
			p    ListParams
		}{{"dashboard", ListParams{PerPage: 5}}, {"first", ListParams{}}, {"last", ListParams{Page: (n + 49) / 50}}} {
			b.Run(fmt.Sprintf("entries=%d/%s", n, c.name), func(b *testing.B) {
				for b.Loop() {
					acc, err := s.GetAccountPage(a, a.PartnerID, c.p)
					if err != nil || acc.Total != n || len(acc.Entries) == 0 {
						b.Fatalf("%d entries of %d: %v", len(acc.Entries), acc.Total, err)
					}
				}
			})
		}
	}
}

// TestMigrateLedgerCounts: a ledger from before the counters (entries
// without a running balance, no count) gets both from migration 11, and
// its pages read right afterwards.
func TestMigrateLedgerCounts(t *testing.T) {
	s, a, _ := ledgerShop(t, 120)
	beta := "Beta"
	other, err := s.CreatePartner(System, PartnerInput{Name: &beta})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordBalance(System, other.ID, BalanceInput{Amount: 500, Kind: LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	// Take the file back to before migration 11: no counters, no
	// running balance on the entries.
	err = s.db.Update(func(tx *storage.Tx) error {
		var keys, vals [][]byte
		tx.Each(storage.Ledger, nil, func(k, v []byte) bool {
			var e LedgerEntry
			if err := json.Unmarshal(v, &e); err != nil {
				t.Fatal(err)
			}
			e.Balance = 0
			raw, _ := json.Marshal(e)
			keys, vals = append(keys, append([]byte(nil), k...)), append(vals, raw)
			return true
		})
		for i := range keys {
			if err := tx.PutRaw(storage.Ledger, keys[i], vals[i]); err != nil {
				return err
			}
		}
		for _, id := range []uint64{a.PartnerID, other.ID} {
			if err := tx.Delete(storage.LedgerCounts, storage.EncodeID(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if acc, _ := s.GetAccountPage(System, a.PartnerID, ListParams{}); acc.Total != 0 {
		t.Fatalf("the counter was not removed: total %d", acc.Total)
	}
	// Small batches, so the walk stops and resumes several times.
	defer func(n int) { fixBatch = n }(fixBatch)
	fixBatch = 7
	if err := s.db.Update(migrateLedgerCounts); err != nil {
		t.Fatal(err)
	}
	acc, err := s.GetAccountPage(System, a.PartnerID, ListParams{Page: 3, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Total != 120 || len(acc.Entries) != 20 || acc.Entries[0].Balance != 20*100000 || acc.Entries[19].Balance != 100000 {
		t.Fatalf("after migration: total %d, %d entries on the last page, balances %+v", acc.Total, len(acc.Entries), acc.Entries)
	}
	// Every entry carries its running balance again.
	all, err := s.GetAccountPage(System, a.PartnerID, ListParams{PerPage: MaxPerPage, Sort: "created"})
	if err != nil || len(all.Entries) != 120 {
		t.Fatalf("after migration: %d entries, %v", len(all.Entries), err)
	}
	for i, e := range all.Entries {
		if e.Balance != int64(i+1)*100000 {
			t.Fatalf("entry %d after migration: running balance %d, want %d", i, e.Balance, int64(i+1)*100000)
		}
	}
	acc, err = s.GetAccountPage(System, other.ID, ListParams{})
	if err != nil || acc.Total != 1 || len(acc.Entries) != 1 || acc.Entries[0].Balance != 500 {
		t.Fatalf("the other partner after migration: %+v %v", acc, err)
	}
}

// TestRunningBalanceWithManyEntries checks the running balance against
// the ledger's sum after a bulk of entries and purchases on top.
func TestRunningBalanceWithManyEntries(t *testing.T) {
	s, a, line := ledgerShop(t, 5000)
	for range 5 {
		if _, _, err := s.PlaceOrder(a, OrderInput{Lines: []BasketLine{line}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	err := s.db.View(func(tx *storage.Tx) error {
		if bal, sum := balance(tx, a.PartnerID), ledgerSum(tx, a.PartnerID); bal != sum || bal <= 0 {
			t.Errorf("running balance %d, ledger sum %d", bal, sum)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ledgerShop opens a service with a partner whose ledger holds n
// top-ups, written in bulk (sorted keys, one transaction per 100,000)
// with the running balance set to their sum, as migration 6 would, and
// each entry's running balance and the partner's entry count, as
// migration 11 would.
func ledgerShop(tb testing.TB, n int) (*Service, Actor, BasketLine) {
	tb.Helper()
	s, err := Open(Options{DataDir: tb.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	code, name, cur := "antivirus", "Antivirus", "EUR"
	eds := []Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	prod, err := s.CreateProduct(System, ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		tb.Fatal(err)
	}
	pname := "Alpha"
	p, err := s.CreatePartner(System, PartnerInput{Name: &pname})
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var sum int64
	for done := 0; done < n; done += 100000 {
		err := s.db.Update(func(tx *storage.Tx) error {
			b := tx.Bucket([]byte(storage.Ledger))
			b.FillPercent = 1
			for range min(100000, n-done) {
				id, err := tx.NextID(storage.Ledger)
				if err != nil {
					return err
				}
				sum += 100000
				e := LedgerEntry{ID: id, PartnerID: p.ID, Amount: 100000, Currency: "EUR", Kind: LedgerTopUp, Reason: "bulk", By: "bench", At: at, Balance: sum}
				raw, _ := json.Marshal(e)
				if err := b.Put(storage.Key(storage.EncodeID(p.ID), id), raw); err != nil {
					return err
				}
			}
			if err := tx.AddCount(storage.LedgerCounts, storage.EncodeID(p.ID), int64(min(100000, n-done))); err != nil {
				return err
			}
			return tx.PutRaw(storage.Balances, storage.EncodeID(p.ID), storage.EncodeID(uint64(sum)))
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s, Actor{Email: "buyer@alpha.example", Role: RolePartner, PartnerID: p.ID}, BasketLine{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}
}

// TestMigrateAuditCount: a log from before the counter gets it from
// migration 12, and its pages count right afterwards.
func TestMigrateAuditCount(t *testing.T) {
	s, a, _ := ledgerShop(t, 1)
	for range 3 {
		if _, err := s.RecordBalance(System, a.PartnerID, BalanceInput{Amount: 500, Kind: LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	err := s.db.Update(func(tx *storage.Tx) error {
		n = tx.Count(storage.Audit)
		return tx.Delete(storage.AuditCount, auditCountKey)
	})
	if err != nil || n < 3 {
		t.Fatalf("%d audit entries, %v", n, err)
	}
	if pg, _ := s.ListAudit(System, ListParams{}); pg.Total != 0 {
		t.Fatalf("the counter was not removed: total %d", pg.Total)
	}
	if err := s.db.Update(migrateAuditCount); err != nil {
		t.Fatal(err)
	}
	pg, err := s.ListAudit(System, ListParams{PerPage: 2})
	if err != nil || pg.Total != n || len(pg.Items) != 2 || pg.Items[0].ID != uint64(n) {
		t.Fatalf("after migration: %+v %v, want total %d", pg, err, n)
	}
}

// BenchmarkAuditRecent reads the operator dashboard's ten latest audit
// entries with 100 and with 100,000 entries in the log.
//
//	go test -run X -bench AuditRecent ./app/
func BenchmarkAuditRecent(b *testing.B) {
	for _, n := range []int{100, 100000} {
		s, _, _ := ledgerShop(b, 1)
		for done := 0; done < n; done += 10000 {
			err := s.db.Update(func(tx *storage.Tx) error {
				for range min(10000, n-done) {
					if err := s.audit(tx, System, "bench", "", "bulk"); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			for b.Loop() {
				pg, err := s.ListAudit(System, ListParams{PerPage: 10})
				if err != nil || pg.Total < n || len(pg.Items) != 10 {
					b.Fatalf("%d items of %d: %v", len(pg.Items), pg.Total, err)
				}
			}
		})
	}
}

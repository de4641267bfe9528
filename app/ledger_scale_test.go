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
// with the running balance set to their sum, as migration 6 would.
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
				e := LedgerEntry{ID: id, PartnerID: p.ID, Amount: 100000, Currency: "EUR", Kind: LedgerTopUp, Reason: "bulk", By: "bench", At: at}
				raw, _ := json.Marshal(e)
				if err := b.Put(storage.Key(storage.EncodeID(p.ID), id), raw); err != nil {
					return err
				}
				sum += e.Amount
			}
			return tx.PutRaw(storage.Balances, storage.EncodeID(p.ID), storage.EncodeID(uint64(sum)))
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s, Actor{Email: "buyer@alpha.example", Role: RolePartner, PartnerID: p.ID}, BasketLine{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Quantity: 1}
}

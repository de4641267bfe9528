package app_test

import (
	"testing"

	"licensedesk/app"
)

// TestPartnerCurrencyChangeRefusedWithABalance: a balance is a sum
// in the partner's currency. Changing the currency while it holds money
// would turn 100.00 EUR into 100.00 USD; it is refused, nothing written.
func TestPartnerCurrencyChangeRefusedWithABalance(t *testing.T) {
	s := newShop(t, 10_000) // 100.00 EUR
	_, err := s.svc.UpdatePartner(s.op, s.p.ID, app.PartnerInput{Currency: ptr("USD")})
	wantField(t, err, "currency")
	acc, err := s.svc.GetAccount(app.System, s.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Partner.Currency != "EUR" || acc.Balance != (app.Money{Amount: 10_000, Currency: "EUR"}) {
		t.Fatalf("after the refused change: partner in %s, balance %v", acc.Partner.Currency, acc.Balance)
	}
	// With the balance at zero the currency may change.
	if _, err := s.svc.RecordBalance(s.op, s.p.ID, app.BalanceInput{Amount: -10_000, Kind: app.LedgerCorrection, Reason: "paid out"}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.svc.UpdatePartner(s.op, s.p.ID, app.PartnerInput{Currency: ptr("USD")}); err != nil || p.Currency != "USD" {
		t.Fatalf("changing the currency of a partner with no balance: %v", err)
	}
}

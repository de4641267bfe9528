package app_test

import (
	"testing"

	"licensedesk/app"
)

func TestLedgerBalanceIsTheSum(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	ops := e.operator("ops@example.com")
	for _, in := range []app.BalanceInput{
		{Amount: 10000, Kind: app.LedgerTopUp, Reason: "wire 2026-001"},
		{Amount: -2500, Kind: app.LedgerCorrection, Reason: "double booking"},
		{Amount: 550, Kind: app.LedgerTopUp, Reason: "wire 2026-002"},
	} {
		e.clk.Advance(60e9)
		if _, err := e.svc.RecordBalance(ops, p.ID, in); err != nil {
			t.Fatalf("record %+v: %v", in, err)
		}
	}
	acc, err := e.svc.GetAccount(ops, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Balance != (app.Money{Amount: 8050, Currency: "EUR"}) {
		t.Fatalf("balance %v, want 80.50 EUR", acc.Balance)
	}
	if acc.Balance.String() != "80.50 EUR" {
		t.Errorf("balance shown as %q", acc.Balance.String())
	}
	// Newest first, each with the running balance after it.
	want := []struct {
		amount, balance int64
		reason          string
	}{{550, 8050, "wire 2026-002"}, {-2500, 7500, "double booking"}, {10000, 10000, "wire 2026-001"}}
	if len(acc.Entries) != len(want) {
		t.Fatalf("%d entries", len(acc.Entries))
	}
	for i, w := range want {
		got := acc.Entries[i]
		if got.Amount != w.amount || got.Balance != w.balance || got.Reason != w.reason || got.By != "ops@example.com" {
			t.Errorf("entry %d = %+v, want %+v", i, got, w)
		}
	}
	if !acc.Entries[0].At.After(acc.Entries[2].At) {
		t.Errorf("entries are not newest first: %v then %v", acc.Entries[0].At, acc.Entries[2].At)
	}
	if !e.audited("balance.topup", "ops@example.com", "192.0.2.1") || !e.audited("balance.correction", "ops@example.com", "") {
		t.Error("balance changes are not in the audit log")
	}
	// A second partner's ledger is its own.
	q := e.partner("Contoso")
	if acc, _ := e.svc.GetAccount(ops, q.ID); acc.Balance.Amount != 0 || len(acc.Entries) != 0 {
		t.Errorf("a new partner's account: %+v", acc)
	}
}

func TestLedgerNeverNegative(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	if _, err := e.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: -1001, Kind: app.LedgerCorrection, Reason: "too much"})
	wantField(t, err, "amount")
	if _, err := e.svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: -1000, Kind: app.LedgerCorrection, Reason: "refund by wire"}); err != nil {
		t.Fatalf("correcting down to exactly zero: %v", err)
	}
	acc, _ := e.svc.GetAccount(app.System, p.ID)
	if acc.Balance.Amount != 0 || len(acc.Entries) != 2 {
		t.Fatalf("after refusing an overdraft: balance %d, %d entries", acc.Balance.Amount, len(acc.Entries))
	}
}

func TestLedgerInputRules(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	cases := []struct {
		name  string
		in    app.BalanceInput
		field string
	}{
		{"no reason", app.BalanceInput{Amount: 100, Kind: app.LedgerTopUp, Reason: "  "}, "reason"},
		{"zero top-up", app.BalanceInput{Amount: 0, Kind: app.LedgerTopUp, Reason: "x"}, "amount"},
		{"negative top-up", app.BalanceInput{Amount: -5, Kind: app.LedgerTopUp, Reason: "x"}, "amount"},
		{"zero correction", app.BalanceInput{Amount: 0, Kind: app.LedgerCorrection, Reason: "x"}, "amount"},
		{"unknown kind", app.BalanceInput{Amount: 5, Kind: "gift", Reason: "x"}, "kind"},
		{"purchase is not recorded by hand", app.BalanceInput{Amount: -5, Kind: app.LedgerPurchase, Reason: "x"}, "kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.RecordBalance(app.System, p.ID, c.in)
			wantField(t, err, c.field)
		})
	}
	_, err := e.svc.RecordBalance(app.System, 999, app.BalanceInput{Amount: 5, Kind: app.LedgerTopUp, Reason: "x"})
	wantErr(t, err, app.ErrNotFound)
	if acc, _ := e.svc.GetAccount(app.System, p.ID); len(acc.Entries) != 0 {
		t.Fatalf("refused entries were stored: %+v", acc.Entries)
	}
}

func TestLedgerPartnerSide(t *testing.T) {
	e := newEnv(t)
	a := e.partner("Alpha")
	b := e.partner("Beta")
	alice := e.partnerUser(a, "alice@alpha.example")
	if _, err := e.svc.RecordBalance(app.System, a.ID, app.BalanceInput{Amount: 5000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	// A partner cannot record money, not even on its own account.
	_, err := e.svc.RecordBalance(alice, a.ID, app.BalanceInput{Amount: 100000, Kind: app.LedgerTopUp, Reason: "free money"})
	wantErr(t, err, app.ErrForbidden)
	// It sees its own terms and balance history, not another partner's.
	acc, err := e.svc.GetAccount(alice, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Balance.Amount != 5000 || acc.Partner.DiscountBP != 3000 || len(acc.Entries) != 1 {
		t.Fatalf("partner's own account: %+v", acc)
	}
	_, err = e.svc.GetAccount(alice, b.ID)
	wantErr(t, err, app.ErrNotFound)
}

package app_test

import (
	"errors"
	"testing"

	"licensedesk/app"
)

// The balance history is paged like every list: one page of entries,
// the exact total, newest first by default, a named refusal for a filter
// or a sort it does not have.
func TestAccountPagesTheLedger(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	ops := e.operator("ops@example.com")
	for i := int64(1); i <= 7; i++ {
		e.clk.Advance(60e9)
		if _, err := e.svc.RecordBalance(ops, p.ID, app.BalanceInput{Amount: i * 100, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
	}
	// amounts of the entries on a page, and their running balances
	check := func(name string, lp app.ListParams, amounts []int64) {
		t.Helper()
		acc, err := e.svc.GetAccountPage(ops, p.ID, lp)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if acc.Total != 7 || acc.Balance.Amount != 2800 {
			t.Errorf("%s: total %d, balance %d; want 7 and 2800", name, acc.Total, acc.Balance.Amount)
		}
		if acc.Page != max(lp.Page, 1) || acc.PerPage != lp.PerPage {
			t.Errorf("%s: page %d per_page %d, want %d and %d", name, acc.Page, acc.PerPage, max(lp.Page, 1), lp.PerPage)
		}
		if len(acc.Entries) != len(amounts) {
			t.Fatalf("%s: %d entries %+v, want amounts %v", name, len(acc.Entries), acc.Entries, amounts)
		}
		for i, a := range amounts {
			got := acc.Entries[i]
			// Entry n tops up n*100, so the balance after it is 100*n*(n+1)/2.
			n := a / 100
			if got.Amount != a || got.Balance != 100*n*(n+1)/2 || got.PartnerID != p.ID {
				t.Errorf("%s: entry %d = %+v, want amount %d balance %d", name, i, got, a, 100*n*(n+1)/2)
			}
		}
	}
	check("page 1", app.ListParams{PerPage: 3}, []int64{700, 600, 500})
	check("page 2 (read from the oldest end)", app.ListParams{Page: 2, PerPage: 3}, []int64{400, 300, 200})
	check("last page", app.ListParams{Page: 3, PerPage: 3}, []int64{100})
	check("past the end", app.ListParams{Page: 4, PerPage: 3}, nil)
	check("oldest first", app.ListParams{PerPage: 3, Sort: "created"}, []int64{100, 200, 300})
	check("oldest first, page 2", app.ListParams{Page: 2, PerPage: 3, Sort: "created"}, []int64{400, 500, 600})
	check("oldest first, last page", app.ListParams{Page: 3, PerPage: 3, Sort: "created"}, []int64{700})
	check("newest first, said", app.ListParams{PerPage: 7, Sort: "-created"}, []int64{700, 600, 500, 400, 300, 200, 100})

	// GetAccount is the first page of 50.
	acc, err := e.svc.GetAccount(ops, p.ID)
	if err != nil || acc.Total != 7 || acc.Page != 1 || acc.PerPage != 50 || len(acc.Entries) != 7 || acc.Entries[0].Amount != 700 {
		t.Errorf("GetAccount: %+v %v", acc, err)
	}

	for _, c := range []struct {
		lp    app.ListParams
		field string
	}{
		{app.ListParams{Filters: map[string]string{"kind": "topup"}}, "kind"},
		{app.ListParams{Sort: "amount"}, "sort"},
		{app.ListParams{Sort: "-number"}, "sort"},
	} {
		_, err := e.svc.GetAccountPage(ops, p.ID, c.lp)
		var ve *app.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%+v: %v, want a validation error naming %s", c.lp, err, c.field)
		}
	}

	// A partner sees its own ledger's pages and no one else's.
	alice := app.Actor{Email: "a@northwind.example", Role: app.RolePartner, PartnerID: p.ID}
	if acc, err := e.svc.GetAccountPage(alice, p.ID, app.ListParams{PerPage: 2}); err != nil || acc.Total != 7 || len(acc.Entries) != 2 {
		t.Errorf("own account: %+v %v", acc, err)
	}
	q := e.partner("Contoso")
	if _, err := e.svc.GetAccountPage(alice, q.ID, app.ListParams{}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("another partner's account: %v, want not found", err)
	}
	if _, err := e.svc.GetAccountPage(alice, q.ID, app.ListParams{Sort: "amount", Filters: map[string]string{"kind": "x"}}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("another partner's account with a bad sort: %v, want not found whatever is asked", err)
	}
	if acc, err := e.svc.GetAccountPage(ops, q.ID, app.ListParams{}); err != nil || acc.Total != 0 || acc.Entries == nil || len(acc.Entries) != 0 {
		t.Errorf("a new partner's account: %+v %v", acc, err)
	}
}

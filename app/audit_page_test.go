package app_test

import (
	"testing"

	"licensedesk/app"
)

// The unfiltered audit log (the operator dashboard's recent activity,
// the audit page and API without filters) pages from its entry counter:
// the exact total, newest first, every entry on exactly one page.
func TestAuditPagesWithTheExactTotal(t *testing.T) {
	e := newEnv(t)
	p := e.partner("Northwind")
	ops := e.operator("ops@example.com")
	for range 30 {
		if _, err := e.svc.RecordBalance(ops, p.ID, app.BalanceInput{Amount: 100, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := e.svc.ListAudit(ops, app.ListParams{PerPage: 7})
	if err != nil {
		t.Fatal(err)
	}
	total := first.Total
	// Audit ids are handed out one by one and never deleted, so the
	// newest id is the number of entries.
	if total < 30 || len(first.Items) != 7 || first.Items[0].ID != uint64(total) || first.Items[0].Action != "balance.topup" {
		t.Fatalf("first page: total %d, items %+v", total, first.Items)
	}
	seen := map[uint64]bool{}
	pages := (total + 6) / 7
	for pg := 1; pg <= pages+1; pg++ {
		page, err := e.svc.ListAudit(ops, app.ListParams{Page: pg, PerPage: 7})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != total || page.Page != pg || page.PerPage != 7 {
			t.Fatalf("page %d: total %d page %d per_page %d", pg, page.Total, page.Page, page.PerPage)
		}
		wantN := min(7, max(0, total-(pg-1)*7))
		if len(page.Items) != wantN {
			t.Fatalf("page %d: %d items, want %d", pg, len(page.Items), wantN)
		}
		for i, it := range page.Items {
			if want := uint64(total - (pg-1)*7 - i); it.ID != want || seen[it.ID] {
				t.Fatalf("page %d item %d: id %d, want %d (newest first, once)", pg, i, it.ID, want)
			}
			seen[it.ID] = true
		}
	}
	if len(seen) != total {
		t.Fatalf("%d entries over the pages, total %d", len(seen), total)
	}
	// A filter still counts what it matches.
	if f, err := e.svc.ListAudit(ops, app.ListParams{Filters: map[string]string{"action": "balance.topup"}}); err != nil || f.Total != 30 {
		t.Fatalf("filtered: %d %v", f.Total, err)
	}
}

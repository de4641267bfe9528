package app_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// viewsFixture loads 3,000 licenses with repeated names, customers,
// editions and seats (many ties), then changes some through the write
// path, so the in-memory copy's cached orders must merge changed rows.
func viewsFixture(t *testing.T) (*licFix, []app.LicenseView) {
	f := newLicFix(t)
	r := rand.New(rand.NewPCG(7, 8))
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	statuses := []app.Status{app.StatusActive, app.StatusExpired, app.StatusOrdered, app.StatusSuspended}
	batch := make([]app.License, 0, 3000)
	for i := range 3000 {
		to := now.AddDate(0, 0, r.IntN(900)-300)
		from := to.AddDate(-1, 0, 0)
		l := app.License{Name: fmt.Sprintf("%s %d", []string{"Sentinel", "alpha", "Beta", "_under"}[r.IntN(4)], r.IntN(40)),
			ProductID: f.av.ID, ProductName: "Sentinel Antivirus", Edition: []string{"business", "Home", ""}[r.IntN(3)],
			Seats: 1 + r.IntN(5), PeriodMonths: []int{12, 24, 36}[r.IntN(3)], Status: statuses[r.IntN(len(statuses))],
			Purchased: now.AddDate(0, 0, -r.IntN(300)), ActivateBy: now.AddDate(0, 6, 0), Updated: now,
			OrderNumber: fmt.Sprintf("O-%d", 1000+r.IntN(90)), Payment: app.Payments[r.IntN(3)],
			Customer: []string{"", "acme", "Acme", "Zeta GmbH", "beta", fmt.Sprintf("Customer %d", r.IntN(300))}[r.IntN(6)]}
		if l.Status != app.StatusOrdered {
			l.ValidFrom, l.ValidTo = &from, &to
		}
		if i%2 == 0 {
			l.PartnerID = f.pa.ID
		}
		if i%5 == 0 {
			l.IP = fmt.Sprintf("10.%d.%d.%d", r.IntN(4), r.IntN(4), r.IntN(256))
		}
		batch = append(batch, l)
	}
	if err := f.svc.ImportLicenses(app.System, batch); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reindex(); err != nil {
		t.Fatal(err)
	}
	if !f.svc.WaitCopy(time.Minute) {
		t.Fatal("the in-memory copy was not built")
	}
	all := allLicenses(f, f.op)
	// Sort once so the copy caches orders, then change notes and names
	// through the write path: later pages must see the changed rows in
	// their new place.
	if _, err := f.svc.ListLicenses(f.op, app.ListParams{Sort: "name"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		id := all[r.IntN(len(all))].ID
		if _, err := f.svc.SetNotes(f.op, id, "changed "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	return f, allLicenses(f, f.op)
}

// sortValue is the brute-force sort key of a column: the column's value,
// lower-cased text, or the number.
func sortValue(l app.LicenseView, field string) (string, int64) {
	tv := func(t *time.Time) int64 {
		if t == nil {
			return 1<<62 + 1 // after every date
		}
		return t.Unix()
	}
	switch field {
	case "name":
		return strings.ToLower(l.Name), 0
	case "customer":
		return strings.ToLower(l.Customer), 0
	case "product":
		return strings.ToLower(l.ProductName), 0
	case "edition":
		return strings.ToLower(l.Edition), 0
	case "status":
		return string(l.Status), 0
	case "payment_status":
		return string(l.Payment), 0
	case "key":
		return strings.ToLower(compact(l.Key)), 0
	case "ip":
		return strings.ToLower(l.IP), 0
	case "order_number":
		return strings.ToLower(l.OrderNumber), 0
	case "seats":
		return "", int64(l.Seats)
	case "period_months":
		return "", int64(l.PeriodMonths)
	case "partner_id":
		return "", int64(l.PartnerID)
	case "valid_from":
		return "", tv(l.ValidFrom)
	}
	return "", 0 // id, purchased
}

// TestSortedViewsMatchABruteForceSort: for every sortable column, both
// directions, with and without a quick view and a search, paging through
// the whole list gives exactly the brute-force sort of the whole set
// (ties by id): every license once, none skipped.
func TestSortedViewsMatchABruteForceSort(t *testing.T) {
	f, all := viewsFixture(t)
	fields := []string{"name", "customer", "product", "edition", "status", "payment_status", "key", "ip",
		"order_number", "seats", "period_months", "partner_id", "valid_from", "id", "purchased"}
	filters := []struct {
		name   string
		params map[string]string
		keep   func(l app.LicenseView) bool
	}{
		{"all", map[string]string{"view": "all"}, func(app.LicenseView) bool { return true }},
		{"expired", map[string]string{"view": "expired"}, func(l app.LicenseView) bool { return l.Status == app.StatusExpired }},
		{"partner", map[string]string{"partner_id": uid(f.pa.ID), "status": "active"}, func(l app.LicenseView) bool {
			return l.PartnerID == f.pa.ID && l.Status == app.StatusActive
		}},
		{"payment+period+edition", map[string]string{"view": "all", "payment_status": "paid", "period_months": "24", "edition": "BUS"},
			func(l app.LicenseView) bool {
				return l.Payment == app.PaymentPaid && l.PeriodMonths == 24 && strings.Contains(strings.ToLower(l.Edition), "bus")
			}},
		{"search", map[string]string{"q": "*10.1*"}, func(l app.LicenseView) bool { return containsAnywhere(l, "10.1") }},
		{"search-many", map[string]string{"q": "*E*"}, func(l app.LicenseView) bool { return containsAnywhere(l, "E") }},
	}
	for _, fl := range filters {
		var want []app.LicenseView
		for _, l := range all {
			if fl.keep(l) {
				want = append(want, l)
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: the fixture holds no match", fl.name)
		}
		for _, field := range fields {
			for _, desc := range []bool{false, true} {
				w := slices.Clone(want)
				slices.SortFunc(w, func(x, y app.LicenseView) int {
					xs, xn := sortValue(x, field)
					ys, yn := sortValue(y, field)
					c := cmp.Or(cmp.Compare(xs, ys), cmp.Compare(xn, yn), cmp.Compare(x.ID, y.ID))
					if desc {
						return -c
					}
					return c
				})
				sort := field
				if desc {
					sort = "-" + field
				}
				var got []uint64
				for page := 1; ; page++ {
					pg, err := f.svc.ListLicenses(f.op, app.ListParams{Page: page, PerPage: 97, Sort: sort, Filters: fl.params})
					if err != nil {
						t.Fatal(err)
					}
					if pg.Total != len(w) {
						t.Fatalf("%s sort %s page %d: total %d, want %d", fl.name, sort, page, pg.Total, len(w))
					}
					for _, l := range pg.Items {
						got = append(got, l.ID)
					}
					if len(pg.Items) < 97 {
						break
					}
				}
				if len(got) != len(w) {
					t.Fatalf("%s sort %s: %d rows over every page, want %d", fl.name, sort, len(got), len(w))
				}
				for i := range w {
					if got[i] != w[i].ID {
						t.Fatalf("%s sort %s: row %d is license %d, want %d", fl.name, sort, i, got[i], w[i].ID)
					}
				}
			}
		}
	}
}

// TestGroupPagesMatchABruteForceCount: every groupable column, paged 7
// groups at a time in each order, gives each group once with the count a
// brute-force count finds, and the group's filter lists exactly its
// licenses where the filter is exact.
func TestGroupPagesMatchABruteForceCount(t *testing.T) {
	f, all := viewsFixture(t)
	month := func(l app.LicenseView) string {
		if l.ValidTo == nil {
			return ""
		}
		return l.ValidTo.UTC().Format("2006-01")
	}
	keys := map[string]func(l app.LicenseView) string{
		"product":      func(l app.LicenseView) string { return uid(l.ProductID) },
		"edition":      func(l app.LicenseView) string { return l.Edition },
		"status":       func(l app.LicenseView) string { return string(l.Status) },
		"payment":      func(l app.LicenseView) string { return string(l.Payment) },
		"customer":     func(l app.LicenseView) string { return l.Customer },
		"partner":      func(l app.LicenseView) string { return uid(l.PartnerID) },
		"period":       func(l app.LicenseView) string { return strconv.Itoa(l.PeriodMonths) },
		"expiry_month": month,
	}
	for _, by := range app.GroupBy {
		want := map[string]int{}
		for _, l := range all {
			want[keys[by](l)]++
		}
		for _, order := range app.GroupSorts {
			got := map[string]int{}
			var seq []app.Group
			for page := 1; ; page++ {
				gp, err := f.svc.GroupLicensesPage(f.op, app.ListParams{Page: page, PerPage: 7, Filters: map[string]string{"view": "all"}}, by, order)
				if err != nil {
					t.Fatal(err)
				}
				if gp.Total != len(want) || gp.Licenses != len(all) {
					t.Fatalf("group %s: %d groups of %d licenses, want %d of %d", by, gp.Total, gp.Licenses, len(want), len(all))
				}
				for _, g := range gp.Items {
					if _, dup := got[g.Value]; dup {
						t.Fatalf("group %s %s: %q twice", by, order, g.Value)
					}
					got[g.Value] = g.Count
				}
				seq = append(seq, gp.Items...)
				if len(gp.Items) < 7 {
					break
				}
			}
			for v, n := range want {
				if got[v] != n {
					t.Errorf("group %s %s: %q counts %d, want %d", by, order, v, got[v], n)
				}
			}
			for i := 1; i < len(seq); i++ {
				a, b := seq[i-1], seq[i]
				switch order {
				case "count":
					if a.Count < b.Count {
						t.Fatalf("group %s by count: %d before %d", by, a.Count, b.Count)
					}
				case "-count":
					if a.Count > b.Count {
						t.Fatalf("group %s by -count: %d before %d", by, a.Count, b.Count)
					}
				case "name":
					if strings.ToLower(a.Label) > strings.ToLower(b.Label) {
						t.Fatalf("group %s by name: %q before %q", by, a.Label, b.Label)
					}
				}
			}
		}
	}
	// A group's filter lists its licenses (exact filters).
	gp, err := f.svc.GroupLicensesPage(f.op, app.ListParams{Filters: map[string]string{"view": "all"}}, "expiry_month", "name")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, g := range gp.Items {
		if len(g.Filter) == 0 {
			continue // no end date: no filter selects it alone
		}
		if checked++; checked > 3 {
			break
		}
		params := map[string]string{"view": "all"}
		for k, v := range g.Filter {
			params[k] = v
		}
		pg, err := f.svc.ListLicenses(f.op, app.ListParams{Filters: params})
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != g.Count {
			t.Errorf("expiry month %s: its filter lists %d, the group counts %d", g.Value, pg.Total, g.Count)
		}
	}
}

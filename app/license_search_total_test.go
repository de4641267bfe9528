package app_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// TestSearchTotalsAndExportsMatchABruteForceScan: 3,000 licenses, so that
// searches match thousands (more than a page or the former cap of 2,000). For each
// search, the list's total, the rows of every page, the CSV export and the
// group counts must equal a brute-force scan of the same data: no total or
// export is ever cut. Also while the list's filters narrow the search.
func TestSearchTotalsAndExportsMatchABruteForceScan(t *testing.T) {
	f := newLicFix(t)
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"stone", "river", "clinic", "budget"}
	batch := make([]app.License, 0, 3000)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		to := now.AddDate(0, 0, r.IntN(700)-200)
		l := app.License{Name: "Sentinel Antivirus", ProductID: f.av.ID, ProductName: "Sentinel Antivirus", Edition: "business",
			Seats: 1, PeriodMonths: 12, Status: []app.Status{app.StatusActive, app.StatusExpired, app.StatusOrdered}[i%3],
			Purchased: now.AddDate(0, 0, -r.IntN(300)), ActivateBy: now.AddDate(0, 6, 0), Updated: now,
			OrderNumber: fmt.Sprintf("O-%d", 1000+r.IntN(900)), Payment: app.PaymentPaid}
		if l.Status != app.StatusOrdered {
			l.ValidFrom, l.ValidTo = &now, &to
		}
		if i%2 == 0 {
			l.PartnerID = f.pa.ID
		}
		if i%3 != 2 {
			l.Notes = words[r.IntN(len(words))] + " " + words[r.IntN(len(words))]
			l.Customer = fmt.Sprintf("Customer %d", r.IntN(50))
		}
		if i%4 == 0 {
			l.IP = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))
		}
		batch = append(batch, l)
	}
	if err := f.svc.ImportLicenses(app.System, batch); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Reindex(); err != nil {
		t.Fatal(err)
	}
	all := allLicenses(f, f.op)
	if len(all) != 3000 {
		t.Fatalf("%d licenses listed, want 3000", len(all))
	}
	// A change after the bulk load goes through the write path: the
	// search must see it too.
	edited, err := f.svc.EditLicense(f.op, all[17].ID, app.LicenseEdit{Notes: licP("zebra stone")})
	if err != nil {
		t.Fatal(err)
	}
	all[17] = edited

	key := compact(all[5].Key)
	queries := []string{"*A*", "*" + strings.ToLower(key[1:3]) + "*", "*" + key[4:8] + "*", "stone", "*O-1*", "*10.*",
		"stone *A*", "*customer*", "zebra"}
	matches := func(l app.LicenseView, q string) bool {
		for _, term := range strings.Fields(q) {
			frag := strings.Trim(term, "*")
			if strings.HasPrefix(term, "*") {
				if !containsAnywhere(l, frag) {
					return false
				}
				continue
			}
			// A plain word: a whole word of a text field (or a whole key, IP or order number).
			found := false
			for _, s := range []string{l.Name, l.Notes, l.Customer, l.CustomerEmail} {
				if slices.Contains(strings.Fields(strings.ToLower(s)), strings.ToLower(frag)) {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	for _, q := range queries {
		for _, filters := range []map[string]string{{}, {"status": "active", "partner_id": uintStr(f.pa.ID)}, {"valid_to_after": "2026-05-01"}} {
			var want []uint64
			for _, l := range all {
				if !matches(l, q) {
					continue
				}
				if s := filters["status"]; s != "" && string(l.Status) != s {
					continue
				}
				if p := filters["partner_id"]; p != "" && uintStr(l.PartnerID) != p {
					continue
				}
				if a := filters["valid_to_after"]; a != "" && (l.ValidTo == nil || l.ValidTo.Before(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))) {
					continue
				}
				want = append(want, l.ID)
			}
			params := map[string]string{"q": q}
			for k, v := range filters {
				params[k] = v
			}
			name := fmt.Sprintf("%q %v", q, filters)
			// The list: total and every row across pages, by expiry.
			var got []uint64
			total := -1
			for page := 1; ; page++ {
				pg, err := f.svc.ListLicenses(f.op, app.ListParams{Page: page, PerPage: app.MaxPerPage, Filters: params})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if total >= 0 && pg.Total != total {
					t.Fatalf("%s: total changed between pages: %d then %d", name, total, pg.Total)
				}
				total = pg.Total
				for i, l := range pg.Items {
					got = append(got, l.ID)
					if i > 0 && expiry(pg.Items[i-1]) > expiry(l) {
						t.Errorf("%s: page %d not sorted by expiry at row %d", name, page, i)
					}
				}
				if len(pg.Items) < app.MaxPerPage {
					break
				}
			}
			if total != len(want) {
				t.Errorf("%s: total %d, brute force finds %d", name, total, len(want))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d rows listed, brute force finds %d", name, len(got), len(want))
			}
			// The export: every match.
			var buf bytes.Buffer
			n, err := f.svc.ExportLicensesCSV(f.op, app.ListParams{Filters: params}, nil, &buf)
			if err != nil {
				t.Fatalf("%s: export: %v", name, err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var exported []uint64
			for _, rec := range recs[1:] {
				id, _ := strconv.ParseUint(rec[0], 10, 64)
				exported = append(exported, id)
			}
			slices.Sort(exported)
			if n != len(want) || !slices.Equal(exported, want) {
				t.Errorf("%s: export has %d rows (%d said), brute force finds %d", name, len(exported), n, len(want))
			}
			// Group counts add up to every match.
			groups, err := f.svc.GroupLicenses(f.op, app.ListParams{Filters: params}, "status")
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, g := range groups {
				sum += g.Count
			}
			if sum != len(want) {
				t.Errorf("%s: group counts add up to %d, brute force finds %d", name, sum, len(want))
			}
		}
	}
	// The plain list's totals come from the counters: they must agree too.
	for _, st := range []app.Status{app.StatusActive, app.StatusExpired, app.StatusOrdered} {
		want := 0
		for _, l := range all {
			if l.Status == st {
				want++
			}
		}
		pg, err := f.svc.ListLicenses(f.op, app.ListParams{Filters: map[string]string{"status": string(st)}})
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != want {
			t.Errorf("status %s: total %d, brute force %d", st, pg.Total, want)
		}
	}
}

func expiry(l app.LicenseView) int64 {
	if l.ValidTo == nil {
		return 1<<63 - 1
	}
	return l.ValidTo.Unix()
}

func uintStr(n uint64) string { return strconv.FormatUint(n, 10) }

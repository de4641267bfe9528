package app_test

import (
	"slices"
	"strconv"
	"testing"

	"licensedesk/app"
)

// Lists read the write buffers' keys together with the big trees': 300
// purchases by two partners put 2,400 order-list keys and 1,500
// license-list keys through the buffers (each moves into its tree past
// 1,024), and every order and license is listed once, in order, for
// each partner, newest and oldest first, paged, and by state.
func TestListsAcrossWriteBuffers(t *testing.T) {
	svc, a, line := benchShop(t)
	other, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Beta")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordBalance(app.System, other.ID, app.BalanceInput{Amount: 1e12, Kind: app.LedgerTopUp, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	b := app.Actor{UserID: 999, Email: "buyer@beta.example", Role: app.RolePartner, PartnerID: other.ID}
	mine := map[uint64][]uint64{} // partner -> order ids in order
	for i := range 300 {
		who := a
		if i%3 == 0 {
			who = b
		}
		o, _, err := svc.PlaceOrder(who, app.OrderInput{Lines: []app.BasketLine{line}}, "")
		if err != nil {
			t.Fatal(err)
		}
		mine[who.PartnerID] = append(mine[who.PartnerID], o.ID)
	}
	for pid, ids := range mine {
		for _, sort := range []string{"created", "-created"} {
			var got []uint64
			for page := 1; ; page++ {
				pg, err := svc.ListOrders(app.System, app.ListParams{Page: page, PerPage: 37, Sort: sort,
					Filters: map[string]string{"partner_id": strconv.FormatUint(pid, 10), "from": "2000-01-01", "to": "2100-01-01"}})
				if err != nil {
					t.Fatal(err)
				}
				if pg.Total != len(ids) {
					t.Fatalf("partner %d: total %d, want %d", pid, pg.Total, len(ids))
				}
				for _, o := range pg.Items {
					got = append(got, o.ID)
				}
				if len(pg.Items) < 37 {
					break
				}
			}
			want := slices.Clone(ids)
			if sort == "-created" {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("partner %d sorted %s: %d orders listed, want %d in order", pid, sort, len(got), len(want))
			}
		}
		pg, err := svc.ListOrders(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{
			"partner_id": strconv.FormatUint(pid, 10), "state": "processed", "from": "2000-01-01", "to": "2100-01-01"}})
		if err != nil || pg.Total != len(ids) {
			t.Fatalf("partner %d, processed: %d, %v; want %d", pid, pg.Total, err, len(ids))
		}
		lp, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 500, Filters: map[string]string{"partner_id": strconv.FormatUint(pid, 10)}})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint64]bool{}
		for _, l := range lp.Items {
			if seen[l.ID] || l.PartnerID != pid {
				t.Fatalf("license %d listed twice or for partner %d", l.ID, l.PartnerID)
			}
			seen[l.ID] = true
		}
		if lp.Total != len(ids) || len(seen) != len(ids) {
			t.Fatalf("partner %d: %d licenses listed (total %d), want %d", pid, len(seen), lp.Total, len(ids))
		}
	}
	if problems, err := svc.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
}

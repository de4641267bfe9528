package app_test

import (
	"errors"
	"testing"

	"licensedesk/app"
)

// The order timeline (F23) pages by orders, newest first, with the exact
// number of the partner's orders: no order falls off the end unseen.
func TestOrderHistoryPagesByOrders(t *testing.T) {
	s := newShop(t, 10_000_000)
	var numbers []string // oldest first
	for i := 1; i <= 7; i++ {
		o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
		numbers = append(numbers, o.Number)
		s.clk.Advance(60e9)
	}
	orders := func(tl app.Timeline) []string {
		var out []string
		for _, e := range tl.Entries {
			if len(out) == 0 || out[len(out)-1] != e.Number {
				out = append(out, e.Number)
			}
		}
		return out
	}
	for _, c := range []struct {
		page int
		want []string
	}{{1, []string{numbers[6], numbers[5], numbers[4]}}, {2, []string{numbers[3], numbers[2], numbers[1]}}, {3, []string{numbers[0]}}, {4, nil}} {
		tl, err := s.svc.OrderHistoryPage(s.pa, s.p.ID, app.ListParams{Page: c.page, PerPage: 3})
		if err != nil {
			t.Fatal(err)
		}
		if tl.Total != 7 || tl.Page != c.page || tl.PerPage != 3 || tl.Pages() != 3 {
			t.Errorf("page %d: total %d page %d per_page %d pages %d", c.page, tl.Total, tl.Page, tl.PerPage, tl.Pages())
		}
		if got := orders(tl); len(got) != len(c.want) || len(got) > 0 && (got[0] != c.want[0] || got[len(got)-1] != c.want[len(c.want)-1]) {
			t.Errorf("page %d: orders %v, want %v", c.page, got, c.want)
		}
		for _, e := range tl.Entries {
			if e.Action == "purchase" && (e.Licenses != 1 || e.Unused != 1) {
				t.Errorf("page %d: purchase %s counts %d licenses, %d unused", c.page, e.Number, e.Licenses, e.Unused)
			}
		}
	}
	for _, lp := range []app.ListParams{{Sort: "created"}, {Filters: map[string]string{"action": "refund"}}} {
		var ve *app.ValidationError
		if _, err := s.svc.OrderHistoryPage(s.pa, s.p.ID, lp); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", lp, err)
		}
	}
	other := s.partner("Beta")
	if _, err := s.svc.OrderHistoryPage(s.pa, other.ID, app.ListParams{}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("another partner's history: %v", err)
	}
}

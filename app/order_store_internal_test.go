package app

import (
	"slices"
	"testing"
)

// orderProducts lists an order's products once each, in line order, for
// short orders and for long ones (past eight products it keeps a set).
func TestOrderProductsOnceEach(t *testing.T) {
	for _, n := range []int{1, 3, 8, 9, 30} {
		var o Order
		var want []uint64
		for i := range 3 * n {
			id := uint64(100 + (i*7)%n) // every product three times, interleaved
			o.Lines = append(o.Lines, PricedLine{BasketLine: BasketLine{ProductID: id}})
			if !slices.Contains(want, id) {
				want = append(want, id)
			}
		}
		if got := orderProducts(&o); !slices.Equal(got, want) {
			t.Errorf("%d products: got %v, want %v", n, got, want)
		}
	}
}

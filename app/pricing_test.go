package app

import (
	"errors"
	"math"
	"testing"
)

func pricingProduct() Product {
	return Product{
		ID: 1, Name: "Antivirus Pro", Currency: "EUR", Active: true, MinSeats: 1, MaxSeats: 500,
		Editions: []Edition{{Code: "business", Name: "Business"}, {Code: "enterprise", Name: "Enterprise"}},
		Periods:  []int{12, 24},
		Prices: []Price{{"business", 12, 1999}, {"business", 24, 3333}, {"enterprise", 12, 2999},
			{"enterprise", 24, 5555}},
		BulkTiers: DefaultBulkTiers,
	}
}

func TestPriceLineTable(t *testing.T) {
	p := pricingProduct()
	cases := []struct {
		name    string
		line    BasketLine
		tierQty int
		terms   PricingTerms
		steps   []int64 // list, then each discount present (negative)
		total   int64
	}{
		{"list only", BasketLine{1, "business", 1, 12, 1}, 1, PricingTerms{}, []int64{1999}, 1999},
		{"edition by name, any case", BasketLine{1, "Business", 5, 12, 3}, 3, PricingTerms{}, []int64{29985}, 29985},
		// 19.99 × 30% = 5.997 → 6.00 (half-up on the line, not per seat)
		{"partner 30%", BasketLine{1, "business", 1, 12, 1}, 1, PricingTerms{PartnerBP: 3000}, []int64{1999, -600}, 1399},
		// 33.33 × 1 × 10 = 333.30; tier 10+ 5% = 16.665 → 16.67; left 316.63;
		// partner 30% = 94.989 → 94.99; left 221.64
		{"tier × partner", BasketLine{1, "business", 1, 24, 10}, 10, PricingTerms{PartnerBP: 3000}, []int64{33330, -1667, -9499}, 22164},
		// tier from the whole basket: 25 licenses → 7.5%
		{"tier counts the basket", BasketLine{1, "enterprise", 2, 12, 1}, 25, PricingTerms{}, []int64{5998, -450}, 5548},
		// 55.55 × 3 seats = 166.65; partner 12.5% = 20.83125 → 20.83; left
		// 145.82; special 15% = 21.873 → 21.87; left 123.95
		{"partner × special", BasketLine{1, "enterprise", 3, 24, 1}, 1, PricingTerms{PartnerBP: 1250, SpecialBP: 1500, Special: "education"}, []int64{16665, -2083, -2187}, 12395},
		// all three: 19.99 × 2 × 1000 = 39,980.00; tier 1000+ 20% = 7,996.00;
		// left 31,984.00; partner 30% = 9,595.20; left 22,388.80; special
		// 10% = 2,238.88; left 20,149.92
		{"tier × partner × special", BasketLine{1, "business", 2, 12, 1000}, 1000, PricingTerms{PartnerBP: 3000, SpecialBP: 1000}, []int64{3998000, -799600, -959520, -223888}, 2014992},
		// a half exactly rounds up: 0.05 × 10% = 0.005 → 0.01
		{"half rounds up", BasketLine{1, "business", 1, 12, 1}, 1, PricingTerms{PartnerBP: 5000}, []int64{1999, -1000}, 999},
		{"100% special is free", BasketLine{1, "business", 1, 12, 1}, 1, PricingTerms{SpecialBP: 10000}, []int64{1999, -1999}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := PriceLine("lines[0]", p, c.line, c.tierQty, c.terms)
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Steps) != len(c.steps) {
				t.Fatalf("steps %+v, want amounts %v", pl.Steps, c.steps)
			}
			var sum int64
			for i, s := range pl.Steps {
				if s.Amount != c.steps[i] {
					t.Errorf("step %d (%s) = %d, want %d", i, s.Kind, s.Amount, c.steps[i])
				}
				sum += s.Amount
			}
			if pl.Total != c.total || sum != pl.Total {
				t.Errorf("total %d, steps sum to %d, want %d", pl.Total, sum, c.total)
			}
			var units int64
			for _, u := range pl.UnitPrices() {
				units += u
			}
			if units != pl.Total || len(pl.UnitPrices()) != c.line.Quantity {
				t.Errorf("unit prices sum to %d over %d licenses, want %d over %d", units, len(pl.UnitPrices()), pl.Total, c.line.Quantity)
			}
		})
	}
}

func TestPriceBasketLinesSumToTotal(t *testing.T) {
	p := pricingProduct()
	prods := map[uint64]Product{1: p}
	// Every combination of seats, quantity and discounts: the lines of each
	// priced line add up to it, and the lines add up to the total.
	for seats := 1; seats <= 7; seats++ {
		for q := 1; q <= 60; q += 7 {
			for _, bp := range []int{0, 1, 3333, 5000, 9999} {
				lines := []BasketLine{{1, "business", seats, 12, q}, {1, "enterprise", seats, 24, q}}
				pls, total, err := PriceBasket(prods, lines, PricingTerms{PartnerBP: bp, SpecialBP: bp / 3})
				if err != nil {
					t.Fatal(err)
				}
				var sum int64
				for _, pl := range pls {
					var s int64
					for _, st := range pl.Steps {
						s += st.Amount
					}
					if s != pl.Total || pl.Total < 0 {
						t.Fatalf("seats %d q %d bp %d: steps %d != line %d", seats, q, bp, s, pl.Total)
					}
					sum += pl.Total
				}
				if sum != total.Amount || total.Currency != "EUR" {
					t.Fatalf("lines %d != total %v", sum, total)
				}
			}
		}
	}
}

func TestPriceBasketRefusesBadLines(t *testing.T) {
	p := pricingProduct()
	big := p
	big.ID = 2
	big.MaxSeats = 0
	big.Prices = []Price{{"business", 12, math.MaxInt64/2 + 1}, {"business", 24, 1}, {"enterprise", 12, 1}, {"enterprise", 24, 1}}
	off := p
	off.ID, off.Active = 3, false
	usd := p
	usd.ID, usd.Currency = 4, "USD"
	prods := map[uint64]Product{1: p, 2: big, 3: off, 4: usd}
	cases := []struct {
		lines []BasketLine
		field string
	}{
		{nil, "lines"},
		{[]BasketLine{{1, "gold", 1, 12, 1}}, "lines[0].edition"},
		{[]BasketLine{{1, "business", 1, 6, 1}}, "lines[0].period_months"},
		{[]BasketLine{{1, "business", 0, 12, 1}}, "lines[0].seats"},
		{[]BasketLine{{1, "business", 501, 12, 1}}, "lines[0].seats"},
		{[]BasketLine{{1, "business", 1, 12, 0}}, "lines[0].quantity"},
		{[]BasketLine{{1, "business", 1, 12, -3}}, "lines[0].quantity"},
		{[]BasketLine{{1, "business", 1, 12, 600}, {1, "enterprise", 1, 12, 600}}, "lines"},
		{[]BasketLine{{9, "business", 1, 12, 1}}, "lines[0].product_id"},
		{[]BasketLine{{3, "business", 1, 12, 1}}, "lines[0].product_id"},
		{[]BasketLine{{1, "business", 1, 12, 1}, {4, "business", 1, 12, 1}}, "lines[1].product_id"},
		{[]BasketLine{{2, "business", 3, 12, 1}}, "lines[0].quantity"},                            // overflows int64
		{[]BasketLine{{2, "business", 1, 12, 1}, {2, "business", 1, 12, 1}}, "lines[1].quantity"}, // the sum overflows
	}
	for _, c := range cases {
		_, _, err := PriceBasket(prods, c.lines, PricingTerms{})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%+v: %v, want a validation error on %s", c.lines, err, c.field)
		}
	}
}

func TestBpOfHalfUpLargeAmounts(t *testing.T) {
	if got := bpOfHalfUp(math.MaxInt64, 10000); got != math.MaxInt64 {
		t.Errorf("100%% of max = %d", got)
	}
	if got := bpOfHalfUp(math.MaxInt64, 5000); got != math.MaxInt64/2+1 {
		t.Errorf("50%% of max = %d", got)
	}
}

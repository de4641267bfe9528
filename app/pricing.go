package app

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Pricing (F2, F3, F4, F17). A basket line is priced in steps, each one a
// line of its own, rounded once, half-up, in integer minor units:
//
//	list      per-seat price × seats × quantity
//	bulk      − tier discount of the list amount (F2)
//	partner   − partner discount of what is left (F3)
//	special   − special-price discount of what is left (F4)
//	total     list − bulk − partner − special
//
// Each discount applies to the amount after the steps before it, so the
// discounts compound and the total can never go below zero. Because the
// total is the list amount minus the rounded discounts, the shown lines
// always add up to it; the basket total is the sum of its line totals.

// MaxOrderLicenses bounds the licenses one order makes (one transaction).
const MaxOrderLicenses = 1000

// BasketLine is one thing to buy: quantity licenses of a product's
// edition, each with seats seats for period_months.
type BasketLine struct {
	ProductID    uint64 `json:"product_id"`
	Edition      string `json:"edition"`
	Seats        int    `json:"seats"`
	PeriodMonths int    `json:"period_months"`
	Quantity     int    `json:"quantity"`
}

// PricingTerms are the discounts that apply to every line of a basket.
type PricingTerms struct {
	PartnerBP int    // the partner's discount, basis points
	SpecialBP int    // a special price's extra discount, basis points
	Special   string // the special price's reason, shown on its line
}

// PriceStep is one line of a priced line's breakdown.
type PriceStep struct {
	Kind   string `json:"kind"` // list, bulk, partner, special
	Label  string `json:"label"`
	BP     int    `json:"bp,omitempty"` // the discount, basis points
	Amount int64  `json:"amount"`       // minor units; discounts are negative
}

// PricedLine is a basket line with its price.
type PricedLine struct {
	BasketLine
	ProductName string      `json:"product_name"`
	EditionName string      `json:"edition_name"`
	Currency    string      `json:"currency"`
	PerSeat     int64       `json:"per_seat"`
	List        int64       `json:"list"`
	Steps       []PriceStep `json:"steps"`
	Total       int64       `json:"total"`
}

// UnitPrices splits the line total over its licenses: each gets the total
// divided by the quantity, the first ones a minor unit more until the
// remainder is used up, so the licenses' prices add up to the line total.
func (l PricedLine) UnitPrices() []int64 {
	q := int64(l.Quantity)
	if q <= 0 {
		return nil
	}
	out := make([]int64, q)
	base, rest := l.Total/q, l.Total%q
	for i := range out {
		out[i] = base
		if int64(i) < rest {
			out[i]++
		}
	}
	return out
}

// bulkTier returns the best tier a purchase of n licenses reaches.
func bulkTier(tiers []BulkTier, n int) (BulkTier, bool) {
	var best BulkTier
	found := false
	for _, t := range tiers {
		if n >= t.MinQuantity && (!found || t.MinQuantity > best.MinQuantity) {
			best, found = t, true
		}
	}
	return best, found
}

// findEdition matches an edition by code or by name, in any case
// ("business" or "Business").
func findEdition(p Product, s string) (Edition, bool) {
	s = strings.TrimSpace(s)
	for _, e := range p.Editions {
		if strings.EqualFold(e.Code, s) || strings.EqualFold(e.Name, s) {
			return e, true
		}
	}
	return Edition{}, false
}

// checkBasketLine checks a line against its product; field prefixes the
// field names ("lines[0]").
func checkBasketLine(field string, p Product, l BasketLine) (Edition, int64, error) {
	if !p.Active {
		return Edition{}, 0, Invalid(field+".product_id", "%s is not on sale", p.Name)
	}
	ed, ok := findEdition(p, l.Edition)
	if !ok {
		return Edition{}, 0, Invalid(field+".edition", "%s has no edition %q", p.Name, l.Edition)
	}
	perSeat, ok := p.PriceFor(ed.Code, l.PeriodMonths)
	if !ok {
		return Edition{}, 0, Invalid(field+".period_months", "%s is not offered for %s", periodText(l.PeriodMonths), p.Name)
	}
	if l.Seats < p.MinSeats || p.MaxSeats > 0 && l.Seats > p.MaxSeats {
		return Edition{}, 0, Invalid(field+".seats", "%s takes %s seats", p.Name, seatRange(p))
	}
	if l.Quantity < 1 || l.Quantity > MaxOrderLicenses {
		return Edition{}, 0, Invalid(field+".quantity", "buy 1 to %d licenses in one order", MaxOrderLicenses)
	}
	return ed, perSeat, nil
}

func periodText(months int) string {
	if months < 1 {
		return fmt.Sprintf("%d months", months)
	}
	return PeriodLabel(months)
}

// PriceLine prices one line. tierQty is the number of licenses of the
// product in the whole purchase, which picks the bulk tier (F2).
func PriceLine(field string, p Product, l BasketLine, tierQty int, t PricingTerms) (PricedLine, error) {
	ed, perSeat, err := checkBasketLine(field, p, l)
	if err != nil {
		return PricedLine{}, err
	}
	l.Edition = ed.Code
	out := PricedLine{BasketLine: l, ProductName: p.Name, EditionName: ed.Name, Currency: p.Currency, PerSeat: perSeat}
	list, ok := mulChecked(perSeat, int64(l.Seats), int64(l.Quantity))
	if !ok {
		return PricedLine{}, Invalid(field+".quantity", "the price of this line is too large to compute")
	}
	out.List = list
	out.Steps = append(out.Steps, PriceStep{Kind: "list", Label: fmt.Sprintf("%s × %s × %d", FormatAmount(perSeat, p.Currency), SeatsText(l.Seats), l.Quantity), Amount: list})
	left := list
	discount := func(kind, label string, bp int) {
		if bp <= 0 {
			return
		}
		off := bpOfHalfUp(left, bp)
		left -= off
		out.Steps = append(out.Steps, PriceStep{Kind: kind, Label: label, BP: bp, Amount: -off})
	}
	if tier, ok := bulkTier(p.BulkTiers, tierQty); ok {
		discount("bulk", fmt.Sprintf("Bulk tier %d+ licenses −%s%%", tier.MinQuantity, FormatBP(tier.DiscountBP)), tier.DiscountBP)
	}
	discount("partner", fmt.Sprintf("Partner discount −%s%%", FormatBP(t.PartnerBP)), t.PartnerBP)
	label := "Special price"
	if t.Special != "" {
		label += " (" + t.Special + ")"
	}
	discount("special", fmt.Sprintf("%s −%s%%", label, FormatBP(t.SpecialBP)), t.SpecialBP)
	out.Total = left
	return out, nil
}

// PriceBasket prices every line; the bulk tier of a line counts every
// license of its product in the basket. All lines must share one currency.
func PriceBasket(products map[uint64]Product, lines []BasketLine, t PricingTerms) ([]PricedLine, Money, error) {
	if len(lines) == 0 {
		return nil, Money{}, Invalid("lines", "add at least one line to buy")
	}
	perProduct := map[uint64]int{}
	count := 0
	for i, l := range lines {
		if l.Quantity < 1 || l.Quantity > MaxOrderLicenses {
			return nil, Money{}, Invalid(fmt.Sprintf("lines[%d].quantity", i), "buy 1 to %d licenses in one order", MaxOrderLicenses)
		}
		perProduct[l.ProductID] += l.Quantity
		count += l.Quantity
	}
	if count > MaxOrderLicenses {
		return nil, Money{}, Invalid("lines", "one order makes at most %d licenses; this one would make %d", MaxOrderLicenses, count)
	}
	var out []PricedLine
	var total Money
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		p, ok := products[l.ProductID]
		if !ok {
			return nil, Money{}, Invalid(field+".product_id", "choose a product from the catalogue")
		}
		pl, err := PriceLine(field, p, l, perProduct[l.ProductID], t)
		if err != nil {
			return nil, Money{}, err
		}
		if i == 0 {
			total.Currency = pl.Currency
		} else if pl.Currency != total.Currency {
			return nil, Money{}, Invalid(field+".product_id", "%s is priced in %s and the rest of the order in %s; buy them in separate orders", p.Name, pl.Currency, total.Currency)
		}
		if total.Amount > math.MaxInt64-pl.Total {
			return nil, Money{}, Invalid(field+".quantity", "the order total is too large to compute")
		}
		total.Amount += pl.Total
		out = append(out, pl)
	}
	return out, total, nil
}

// mulChecked multiplies non-negative factors, reporting overflow.
func mulChecked(fs ...int64) (int64, bool) {
	r := int64(1)
	for _, f := range fs {
		if f < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(uint64(r), uint64(f))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		r = int64(lo)
	}
	return r, true
}

// bpOfHalfUp is bp basis points of a non-negative amount, rounded half-up,
// computed in 128 bits so no amount overflows.
func bpOfHalfUp(amount int64, bp int) int64 {
	if amount <= 0 || bp <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(bp))
	lo, carry := bits.Add64(lo, 5000, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, 10000) // bp ≤ 10000, so q ≤ amount: no overflow
	return int64(q)
}

// SeatPrice is the per-seat list price of an edition and period, 0 when
// the product does not offer it (for the product grid).
func (p Product) SeatPrice(edition string, months int) int64 {
	n, _ := p.PriceFor(edition, months)
	return n
}

// SeatsText is "1 seat" or "5 seats".
func SeatsText(n int) string {
	if n == 1 {
		return "1 seat"
	}
	return fmt.Sprintf("%d seats", n)
}

package app

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// zeroDecimal lists currencies without minor units.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true}

// decimals is the number of minor-unit digits of a currency.
func decimals(cur string) int {
	if zeroDecimal[cur] {
		return 0
	}
	return 2
}

func validCurrency(field, c string) error {
	if len(c) != 3 || strings.ToUpper(c) != c || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Invalid(field, "must be a three-letter ISO currency code such as EUR or USD, not %q", c)
	}
	return nil
}

// FormatAmount renders minor units as a decimal string: 123456 EUR → "1,234.56".
func FormatAmount(amount int64, cur string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	d := decimals(cur)
	whole, frac := amount, int64(0)
	if d > 0 {
		whole, frac = amount/100, amount%100
	}
	w := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := b.String()
	if d > 0 {
		s += fmt.Sprintf(".%02d", frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String renders "1,234.56 EUR".
func (m Money) String() string { return FormatAmount(m.Amount, m.Currency) + " " + m.Currency }

// ParseAmount reads a decimal amount ("12", "12.5", "1,234.56", "-3.10")
// into minor units of cur, refusing more decimals than the currency has.
func ParseAmount(field, s, cur string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, Invalid(field, "is required")
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, hasFrac := strings.Cut(s, ".")
	d := decimals(cur)
	if whole == "" && !hasFrac || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || hasFrac && frac == "" {
		return 0, Invalid(field, "%q is not an amount like 12.50", s)
	}
	if len(frac) > d {
		return 0, Invalid(field, "%s has %d decimal places at most", cur, d)
	}
	for len(frac) < d {
		frac += "0"
	}
	if len(whole) > 13 {
		return 0, Invalid(field, "is too large")
	}
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	if neg {
		n = -n
	}
	return n, nil
}

// FormatBP renders basis points as a percentage: 3000 → "30", 1250 → "12.5".
func FormatBP(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// ParsePercent reads "30", "12.5" or "7.25%" into basis points (0–100%).
func ParsePercent(field, s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	if s == "" {
		return 0, nil
	}
	n, err := ParseAmount(field, s, "EUR") // two decimals, same grammar
	if err != nil {
		return 0, Invalid(field, "%q is not a percentage like 30 or 12.5", s)
	}
	if n < 0 || n > 10000 {
		return 0, Invalid(field, "must be between 0 and 100 percent")
	}
	return int(n), nil
}

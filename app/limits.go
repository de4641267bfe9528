package app

import (
	"errors"
	"math"
	"math/bits"
)

// Bounds on every amount and count the desk accepts, documented in the
// API reference. They sit far above any real price or order and far
// below where int64 arithmetic on them could overflow: the largest
// license total (MaxAmount × MaxSeats × MaxCreate = 10^21) does not fit,
// so totals use the checked helpers below.
const (
	MaxAmount      = 1_000_000_000_000   // minor units in one price or balance entry (10 billion in major units)
	MaxBalance     = 100_000_000_000_000 // minor units a balance may reach (a trillion in major units)
	MaxSeats       = 1_000_000           // seats on one license, and a product's min/max seats
	MaxMinQuantity = 1_000_000           // a bulk tier's minimum quantity
)

// ErrOverflow is a money sum or product beyond what the desk represents.
var ErrOverflow = errors.New("the amount is too large")

// addMoney is a + b, or ErrOverflow when it leaves int64.
func addMoney(a, b int64) (int64, error) {
	s := a + b
	if (s > a) != (b > 0) {
		return 0, ErrOverflow
	}
	return s, nil
}

// mulMoney is amount × n, or ErrOverflow when it leaves int64.
func mulMoney(amount int64, n int64) (int64, error) {
	if amount == 0 || n == 0 {
		return 0, nil
	}
	neg := (amount < 0) != (n < 0)
	ua, un := absU(amount), absU(n)
	hi, lo := bits.Mul64(ua, un)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, ErrOverflow
	}
	if neg {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// checkAmount refuses an amount whose magnitude exceeds MaxAmount.
func checkAmount(field string, v int64) error {
	if v > MaxAmount || v < -MaxAmount {
		return Invalid(field, "must be at most %s in minor units (cents), not %d", FormatAmount(MaxAmount, "JPY"), v)
	}
	return nil
}

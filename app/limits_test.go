package app

import (
	"errors"
	"math"
	"testing"
)

func TestCheckedMoneyArithmetic(t *testing.T) {
	for _, c := range []struct {
		a, b     int64
		sum, mul int64
		sumErr   bool
		mulErr   bool
	}{
		{1999, 3, 2002, 5997, false, false},
		{-5, 7, 2, -35, false, false},
		{math.MaxInt64, 1, 0, math.MaxInt64, true, false},
		{math.MaxInt64, 2, 0, 0, true, true},
		{math.MinInt64 + 1, -1, math.MinInt64, math.MaxInt64, false, false},
		{math.MinInt64, -1, 0, 0, true, true},
		{MaxAmount, MaxSeats * 1000, MaxAmount + MaxSeats*1000, 0, false, true},
		{0, math.MaxInt64, math.MaxInt64, 0, false, false},
	} {
		s, err := addMoney(c.a, c.b)
		if c.sumErr != errors.Is(err, ErrOverflow) || !c.sumErr && s != c.sum {
			t.Errorf("addMoney(%d, %d) = %d, %v", c.a, c.b, s, err)
		}
		m, err := mulMoney(c.a, c.b)
		if c.mulErr != errors.Is(err, ErrOverflow) || !c.mulErr && m != c.mul {
			t.Errorf("mulMoney(%d, %d) = %d, %v", c.a, c.b, m, err)
		}
	}
}

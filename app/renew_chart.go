package app

import (
	"fmt"
	"time"

	"licensedesk/storage"
)

// CoverWeeks counts the active licenses expiring in each of the next
// weeks by renewal cover (B6, F32): auto-renew the balance covers,
// auto-renew it does not, and manual renewal. Week i starts at Weeks[i]
// (a Monday, 00:00 UTC).
type CoverWeeks struct {
	Weeks   []time.Time `json:"weeks"`
	Covered []int64     `json:"auto_renew_covered"`
	Short   []int64     `json:"auto_renew_short"`
	Manual  []int64     `json:"manual"`
}

// Total is the number of licenses counted.
func (c CoverWeeks) Total() int64 {
	var n int64
	for i := range c.Weeks {
		n += c.Covered[i] + c.Short[i] + c.Manual[i]
	}
	return n
}

// RenewalCoverByWeek counts the active licenses (a partner's own, or all
// for the operator) whose period ends in each of the next weeks (1 to
// 26) by renewal cover. It reads the licenses due in the window through
// the expiry-sorted list index; the auto-renew ones are priced once per
// kind (product, edition, seats, period, partner) and, per partner in
// expiry order, covered by the balance as the auto-renew job would.
func (s *Service) RenewalCoverByWeek(a Actor, weeks int) (CoverWeeks, error) {
	var partner uint64
	switch {
	case a.IsOperator():
	case a.Role == RolePartner && a.PartnerID != 0:
		partner = a.PartnerID
	default:
		return CoverWeeks{}, ErrForbidden
	}
	if weeks < 1 || weeks > 26 {
		return CoverWeeks{}, Invalid("weeks", "must be 1 to 26, not %d", weeks)
	}
	now := s.now()
	y, m, d := now.Date()
	from := time.Date(y, m, d-(int(now.Weekday())+6)%7, 0, 0, 0, 0, time.UTC) // this week's Monday
	out := CoverWeeks{Weeks: make([]time.Time, weeks), Covered: make([]int64, weeks), Short: make([]int64, weeks), Manual: make([]int64, weeks)}
	for i := range out.Weeks {
		out.Weeks[i] = from.AddDate(0, 0, 7*i)
	}
	const week = 7 * 24 * 60 * 60
	start, end := from.Unix(), from.Unix()+int64(weeks)*week
	mask := byte(maskStatus)
	if partner != 0 {
		mask |= maskPartner
	}
	prefix := validPrefix(mask, partner, StatusActive, 0)
	type auto struct {
		week int64
		cost int64
		ok   bool
	}
	err := s.db.View(func(tx *storage.Tx) error {
		costs := map[string]auto{}
		perPartner := map[uint64][]auto{}
		lk := newRenewLookup()
		var order []uint64
		var err error
		tx.EachFrom(storage.LicenseIndex, appendSortID(prefix, start, 0), func(k, _ []byte) bool {
			if len(k) != len(prefix)+16 || string(k[:len(prefix)]) != string(prefix) {
				return false
			}
			at, id := decodeSortID(k)
			if at >= end {
				return false
			}
			w := (at - start) / week
			var l License
			if l, err = getLicense(tx, id); err != nil {
				return false
			}
			if !l.AutoRenew {
				out.Manual[w]++
				return true
			}
			months := l.PeriodMonths
			if l.AutoRenewMonths > 0 {
				months = l.AutoRenewMonths
			}
			kind := fmt.Sprintf("%d|%s|%d|%d|%d", l.ProductID, l.Edition, l.Seats, months, l.PartnerID)
			c, seen := costs[kind]
			if !seen {
				pl, perr := s.planRenewal(tx, autoRenewActor, l, RenewInput{Periods: 1}, 1, true, lk)
				c = auto{cost: pl.line.Total, ok: perr == nil}
				costs[kind] = c
			}
			c.week = w
			if _, ok := perPartner[l.PartnerID]; !ok {
				order = append(order, l.PartnerID)
			}
			perPartner[l.PartnerID] = append(perPartner[l.PartnerID], c)
			return true
		})
		if err != nil {
			return err
		}
		for _, pid := range order {
			left, short := balance(tx, pid), false
			for _, c := range perPartner[pid] {
				if c.ok && !short && c.cost <= left {
					left -= c.cost
					out.Covered[c.week]++
					continue
				}
				short = true
				out.Short[c.week]++
			}
		}
		return nil
	})
	return out, err
}

package app

import (
	"time"

	"licensedesk/storage"
)

// ExpiringWeeks counts licenses by the week their period ends, by status:
// what will need renewing soon. Week i starts at Weeks[i] (a Monday,
// 00:00 UTC).
type ExpiringWeeks struct {
	Weeks     []time.Time `json:"weeks"`
	Active    []int64     `json:"active"`
	Suspended []int64     `json:"suspended"`
}

// Total is the number of licenses counted.
func (e ExpiringWeeks) Total() int64 {
	var n int64
	for i := range e.Weeks {
		n += e.Active[i] + e.Suspended[i]
	}
	return n
}

// ExpiringByWeek counts the active and suspended licenses whose period
// ends in each of the next weeks (1 to 104), from the start of this
// week. A partner counts its own licenses. It reads the list index's
// keys, not the records.
func (s *Service) ExpiringByWeek(a Actor, weeks int) (ExpiringWeeks, error) {
	var partner uint64
	switch {
	case a.IsOperator():
	case a.Role == RolePartner && a.PartnerID != 0:
		partner = a.PartnerID
	default:
		return ExpiringWeeks{}, ErrForbidden
	}
	if weeks < 1 || weeks > 104 {
		return ExpiringWeeks{}, Invalid("weeks", "must be 1 to 104, not %d", weeks)
	}
	now := s.now()
	y, m, d := now.Date()
	from := time.Date(y, m, d-(int(now.Weekday())+6)%7, 0, 0, 0, 0, time.UTC) // this week's Monday
	out := ExpiringWeeks{Weeks: make([]time.Time, weeks), Active: make([]int64, weeks), Suspended: make([]int64, weeks)}
	for i := range out.Weeks {
		out.Weeks[i] = from.AddDate(0, 0, 7*i)
	}
	err := s.db.View(func(tx *storage.Tx) error {
		countExpiringWeeks(tx, partner, StatusActive, from, out.Active)
		countExpiringWeeks(tx, partner, StatusSuspended, from, out.Suspended)
		return nil
	})
	return out, err
}

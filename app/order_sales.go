package app

import (
	"slices"
	"time"

	"licensedesk/storage"
)

// Sales is net sales (purchases, renewals and monthly charges less refunds) per
// calendar month (UTC), oldest first, one row of amounts per currency.
type Sales struct {
	Months   []time.Time        `json:"months"`
	Amounts  map[string][]int64 `json:"amounts"` // currency -> one amount per month, minor units
	Currency []string           `json:"currencies"`
}

// SalesByMonth returns the last months of sales up to this one: the
// desk's for the operator, its own for a partner (dashboard, B6).
func (s *Service) SalesByMonth(a Actor, months int) (Sales, error) {
	if months < 1 || months > 120 {
		return Sales{}, Invalid("months", "show 1 to 120 months")
	}
	partner := uint64(0)
	if !a.IsOperator() {
		if a.PartnerID == 0 {
			return Sales{}, ErrForbidden
		}
		partner = a.PartnerID
	}
	now := s.now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(months - 1), 0)
	out := Sales{Amounts: map[string][]int64{}}
	err := s.db.View(func(tx *storage.Tx) error {
		for i := range months {
			m := first.AddDate(0, i, 0)
			out.Months = append(out.Months, m)
			for cur, v := range salesOf(tx, partner, m.Format("2006-01")) {
				if _, ok := out.Amounts[cur]; !ok {
					out.Amounts[cur] = make([]int64, months)
					out.Currency = append(out.Currency, cur)
				}
				out.Amounts[cur][i] = v
			}
		}
		return nil
	})
	slices.Sort(out.Currency)
	return out, err
}

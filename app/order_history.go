package app

import (
	"math"

	"licensedesk/storage"
)

// TimelineEntry is one event in a partner's order history (F23): a
// purchase, a payment or a refund (renewals, migrations and monthly
// charges join it when they exist), with the use of the licenses it
// concerns: used (activated at some point) and not yet activated are
// counted apart, so the page can colour them.
type TimelineEntry struct {
	OrderEvent
	OrderID  uint64 `json:"order_id"`
	Number   string `json:"number"`
	Currency string `json:"currency"`
	Product  string `json:"product"`
	Used     int    `json:"used"`     // licenses of the event activated at some point
	Unused   int    `json:"unused"`   // bought and not yet activated
	Ended    int    `json:"ended"`    // cancelled or expired unused
	Licenses int    `json:"licenses"` // how many the event concerns
}

// Timeline is one page of a partner's order history: the events of one
// page of its orders, newest first. Total counts the partner's orders,
// PerPage the orders a page holds.
type Timeline struct {
	Entries []TimelineEntry `json:"entries"`
	Total   int             `json:"total"`
	Page    int             `json:"page"`
	PerPage int             `json:"per_page"`
}

// Pages is the number of pages of orders.
func (t Timeline) Pages() int {
	return Page[TimelineEntry]{Total: t.Total, PerPage: t.PerPage}.Pages()
}

// OrderHistory is the first page of a partner's timeline (F23), the
// events of its newest MaxPerPage orders.
func (s *Service) OrderHistory(a Actor, partnerID uint64) ([]TimelineEntry, error) {
	t, err := s.OrderHistoryPage(a, partnerID, ListParams{PerPage: MaxPerPage})
	return t.Entries, err
}

// OrderHistoryPage is one page of a partner's timeline, newest first
// (F23): the events of one page of its orders, each with the use of its
// licenses. Only that page's orders and licenses are read; the total
// walks the partner's order list keys without reading the orders, as the
// order list does. It takes no filter and no other order.
func (s *Service) OrderHistoryPage(a Actor, partnerID uint64, p ListParams) (Timeline, error) {
	if !a.canSeePartner(partnerID) {
		return Timeline{}, ErrNotFound
	}
	if err := p.fixedOrder("the order history", "-created", "the order history is listed newest first (-created)"); err != nil {
		return Timeline{}, err
	}
	p = p.norm()
	out := Timeline{Entries: []TimelineEntry{}, Page: p.Page, PerPage: p.PerPage}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := getPartner(tx, partnerID); err != nil {
			return err
		}
		skip := (p.Page - 1) * p.PerPage
		var ids []uint64
		eachOrderKey(tx, orderPrefix(orderMaskPartner, partnerID, "", 0), math.MinInt64+1, math.MaxInt64, true, func(id uint64) bool {
			if out.Total >= skip && len(ids) < p.PerPage {
				ids = append(ids, id)
			}
			out.Total++
			return true
		})
		for _, id := range ids {
			o, err := getOrder(tx, id)
			if err != nil {
				return err
			}
			for i := len(o.Events) - 1; i >= 0; i-- {
				ev := o.Events[i]
				e := TimelineEntry{OrderEvent: ev, OrderID: o.ID, Number: o.Number, Currency: o.Total.Currency,
					Product: o.ProductSummary(), Licenses: len(ev.Licenses)}
				for _, lid := range ev.Licenses {
					l, err := rawLicense(tx, lid)
					if err != nil {
						continue
					}
					switch {
					case l.ValidFrom != nil:
						e.Used++
					case l.Status == StatusOrdered:
						e.Unused++
					default:
						e.Ended++
					}
				}
				out.Entries = append(out.Entries, e)
			}
		}
		return nil
	})
	return out, err
}

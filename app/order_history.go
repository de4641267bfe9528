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

// MaxTimeline bounds the events one history page shows.
const MaxTimeline = 500

// OrderHistory is a partner's timeline, newest first (F23).
func (s *Service) OrderHistory(a Actor, partnerID uint64) ([]TimelineEntry, error) {
	if !a.canSeePartner(partnerID) {
		return nil, ErrNotFound
	}
	out := []TimelineEntry{}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := getPartner(tx, partnerID); err != nil {
			return err
		}
		var ids []uint64
		eachOrderKey(tx, orderPrefix(orderMaskPartner, partnerID, "", 0), math.MinInt64+1, math.MaxInt64, true, func(id uint64) bool {
			ids = append(ids, id)
			return len(ids) < MaxTimeline
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
				out = append(out, e)
			}
			if len(out) >= MaxTimeline {
				break
			}
		}
		return nil
	})
	return out, err
}

package app

import (
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// orderFilters lists the accepted filter names of the orders list (F20).
var orderFilters = []string{"from", "to", "number", "product_id", "partner_id", "state"}

// orderFilter is a parsed orders list request.
type orderFilter struct {
	partner    uint64
	hasPartner bool
	state      OrderState
	product    uint64
	from, to   int64 // created, unix seconds, [from, to)
	number     string
	desc       bool
}

func (f *orderFilter) mask() byte {
	var m byte
	if f.hasPartner {
		m |= orderMaskPartner
	}
	if f.state != "" {
		m |= orderMaskState
	}
	if f.product != 0 {
		m |= orderMaskProduct
	}
	return m
}

func (f *orderFilter) match(o *Order) bool {
	at := o.Created.Unix()
	if f.hasPartner && o.PartnerID != f.partner || f.state != "" && o.State != f.state || at < f.from || at >= f.to {
		return false
	}
	return f.product == 0 || slices.Contains(orderProducts(o), f.product)
}

// parseOrderFilter reads the list parameters. A partner is always
// limited to its own orders, whatever it asks for. Dates are UTC days,
// both ends included.
func parseOrderFilter(a Actor, p ListParams) (*orderFilter, error) {
	if err := p.only(orderFilters...); err != nil {
		return nil, err
	}
	f := &orderFilter{}
	get := p.Filter
	var err error
	if f.partner, f.hasPartner, err = listPartner(a, p); err != nil {
		return nil, err
	}
	if v := get("state"); v != "" {
		if !OrderState(v).Valid() {
			return nil, Invalid("state", "must be one of processed, unpaid, partly_refunded, refunded")
		}
		f.state = OrderState(v)
	}
	if v := get("product_id"); v != "" {
		n, err := parseUint("product_id", v)
		if err != nil {
			return nil, err
		}
		f.product = n
	}
	if f.from, f.to, err = dayRange(p); err != nil {
		return nil, err
	}
	f.number = strings.ToUpper(get("number"))
	if f.desc, err = newestFirst(p.Sort); err != nil {
		return nil, err
	}
	return f, nil
}

// CheckOrderFilter validates list parameters before an export streams.
func (s *Service) CheckOrderFilter(a Actor, p ListParams) error {
	_, err := parseOrderFilter(a, p)
	return err
}

// ListOrders returns one page of orders, newest first by default (F20).
func (s *Service) ListOrders(a Actor, p ListParams) (Page[OrderView], error) {
	f, err := parseOrderFilter(a, p)
	if err != nil {
		return Page[OrderView]{}, err
	}
	p = p.norm()
	out := Page[OrderView]{Page: p.Page, PerPage: p.PerPage, Items: []OrderView{}}
	err = s.db.View(func(tx *storage.Tx) error {
		var orders []Order
		if f.number != "" {
			id, ok := orderByNumber(tx, f.number)
			if !ok {
				return nil
			}
			o, err := getOrder(tx, id)
			if err != nil || !f.match(&o) {
				return nil
			}
			out.Total = 1
			if p.Page == 1 {
				orders = append(orders, o)
			}
		} else {
			skip := (p.Page - 1) * p.PerPage
			var ids []uint64
			eachOrderKey(tx, orderPrefix(f.mask(), f.partner, f.state, f.product), f.from, f.to, f.desc, func(id uint64) bool {
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
				orders = append(orders, o)
			}
		}
		for _, o := range orders {
			out.Items = append(out.Items, orderView(tx, o))
		}
		return nil
	})
	return out, err
}

// orderView counts the order's licenses by use: those the order's
// partner still has (one handed over to another partner is that
// partner's to use, not this order's).
func orderView(tx *storage.Tx, o Order) OrderView {
	v := newOrderView(o)
	for _, it := range o.Items {
		l, err := getLicense(tx, it.LicenseID)
		if err != nil || !o.owns(&l) {
			continue
		}
		v.count(l.Status)
	}
	return v
}

// newOrderView is o's view before its licenses are counted.
func newOrderView(o Order) OrderView {
	v := OrderView{Order: o, LicenseIDList: o.LicenseIDs(), Due: o.Due()}
	if v.Items == nil {
		v.Items = []OrderItem{}
	}
	if v.Events == nil {
		v.Events = []OrderEvent{}
	}
	return v
}

// count adds a license of the order in status st to the view's counts.
func (v *OrderView) count(st Status) {
	switch st {
	case StatusActive:
		v.Active++
	case StatusOrdered:
		v.Available++
	}
}

// GetOrder returns an order the actor may see.
func (s *Service) GetOrder(a Actor, id uint64) (OrderView, error) {
	var v OrderView
	err := s.db.View(func(tx *storage.Tx) error {
		o, err := visibleOrder(tx, a, id)
		if err != nil {
			return err
		}
		v = orderView(tx, o)
		return nil
	})
	return v, err
}

// OrderLicense is one license of an order as its page and codes export
// show it: key, state and activation link.
type OrderLicense struct {
	LicenseView
	Price          int64      `json:"price"`
	Refunded       *time.Time `json:"refunded,omitempty"`
	ActivationPath string     `json:"activation_path"` // "" when the key is used or its link revoked
	// Transferred: the license belongs to another partner now. The
	// order's partner sees only its id and the order line it was bought
	// on; the operator sees it whole.
	Transferred bool `json:"transferred,omitempty"`
}

// OrderLicenses lists an order's licenses with their keys and links. A
// license handed over to another partner since is, for a partner, only
// "transferred to another partner" (see transferredLicense); one deleted
// since is, for a partner, only "deleted" (see deletedLicense), and the
// operator sees it whole with its deleted time and no activation link.
func (s *Service) OrderLicenses(a Actor, id uint64) ([]OrderLicense, error) {
	var out []OrderLicense
	err := s.db.View(func(tx *storage.Tx) error {
		o, err := visibleOrder(tx, a, id)
		if err != nil {
			return err
		}
		out = make([]OrderLicense, 0, len(o.Items))
		for _, it := range o.Items {
			l, err := rawLicense(tx, it.LicenseID)
			if err != nil {
				continue
			}
			if !o.owns(&l) && !a.IsOperator() {
				out = append(out, transferredLicense(&o, it))
				continue
			}
			if l.Deleted != nil && !a.IsOperator() { // not the partner's any more, as GET /api/v1/licenses/{id} says
				out = append(out, deletedLicense(&o, it, l.Deleted))
				continue
			}
			// The live activation link of an unused key (F34); "" once used or revoked, or deleted.
			var path string
			if l.Deleted == nil {
				if path, err = s.activationPathTx(tx, &l); err != nil {
					return err
				}
			}
			out = append(out, OrderLicense{LicenseView: l.view(), Price: it.Price, Refunded: it.Refunded, ActivationPath: path, Transferred: !o.owns(&l)})
		}
		return nil
	})
	return out, err
}

package app

import (
	"errors"
	"strings"

	"licensedesk/storage"
)

// MaxIdempotencyKey bounds an Idempotency-Key header.
const MaxIdempotencyKey = 200

// buyer resolves whose order this is: a partner buys for itself, the
// operator names the partner.
func (s *Service) buyer(tx *storage.Tx, a Actor, in OrderInput, need bool) (Partner, bool, error) {
	id := in.PartnerID
	if !a.IsOperator() {
		if id != 0 && id != a.PartnerID {
			return Partner{}, false, Invalid("partner_id", "partners buy for themselves only")
		}
		id = a.PartnerID
	}
	if id == 0 {
		if need {
			return Partner{}, false, Invalid("partner_id", "name the partner the order is for")
		}
		return Partner{}, false, nil
	}
	p, err := cachedByID(&s.partnerCache, tx, storage.Partners, id)
	if errors.Is(err, ErrNotFound) {
		return Partner{}, false, Invalid("partner_id", "there is no partner %d", id)
	}
	if err != nil {
		return Partner{}, false, err
	}
	if p.Disabled {
		return Partner{}, false, Invalid("partner_id", "%s is disabled and cannot buy", p.Name)
	}
	return p, true, nil
}

// priceOrder prices in for partner p (none: list prices) in tx. It also
// returns the basket's products (read-only: shared with the cache).
func (s *Service) priceOrder(tx *storage.Tx, in OrderInput, p Partner, hasPartner bool) ([]PricedLine, Money, *SpecialPrice, map[uint64]Product, error) {
	prods := map[uint64]Product{}
	for _, l := range in.Lines {
		if _, ok := prods[l.ProductID]; ok {
			continue
		}
		if prod, err := cachedByID(&s.productCache, tx, storage.Products, l.ProductID); err == nil {
			prods[l.ProductID] = prod
		}
	}
	terms := PricingTerms{PartnerBP: p.DiscountBP}
	var sp *SpecialPrice
	if code := strings.TrimSpace(in.SpecialPrice); code != "" {
		if !hasPartner {
			return nil, Money{}, nil, nil, Invalid("partner_id", "name the partner the special price is for")
		}
		got, err := checkSpecialPrice(tx, code, p.ID, s.now())
		if err != nil {
			return nil, Money{}, nil, nil, err
		}
		sp = &got
		terms.SpecialBP, terms.Special = got.DiscountBP, got.Reason
	}
	lines, total, err := PriceBasket(prods, in.Lines, terms)
	if err != nil {
		return nil, Money{}, nil, nil, err
	}
	if hasPartner && total.Currency != p.Currency {
		return nil, Money{}, nil, nil, Invalid("lines[0].product_id", "this is priced in %s and %s's account is in %s", total.Currency, p.Name, p.Currency)
	}
	return lines, total, sp, prods, nil
}

// QuoteOrder prices a basket without buying anything (F17).
func (s *Service) QuoteOrder(a Actor, in OrderInput) (Quote, error) {
	var q Quote
	err := s.db.View(func(tx *storage.Tx) error {
		p, has, err := s.buyer(tx, a, in, false)
		if err != nil {
			return err
		}
		lines, total, sp, _, err := s.priceOrder(tx, in, p, has)
		if err != nil {
			return err
		}
		q = Quote{PartnerID: p.ID, Lines: lines, Total: total}
		if has {
			q.Balance = &Money{balance(tx, p.ID), p.Currency}
		}
		if sp != nil {
			v := sp.view()
			q.SpecialPrice = &v
		}
		return nil
	})
	return q, err
}

// sameOrderRequest reports whether in asks for what order o, placed
// under the same idempotency key, bought: the same partner, payment,
// special price and lines. A retry sends the same request; a different
// one under a used key is a client's mistake, refused rather than
// answered with an order it did not ask for.
func sameOrderRequest(a Actor, in OrderInput, o *Order) bool {
	partner := in.PartnerID
	if !a.IsOperator() {
		partner = a.PartnerID
	}
	pay := strings.ToLower(strings.TrimSpace(in.Payment))
	if pay == "" && (o.Payment == PayBalance || o.Payment == PayMonthly) {
		pay = o.Payment // the default for the partner's program
	}
	if partner != o.PartnerID || pay != o.Payment || !strings.EqualFold(strings.TrimSpace(in.SpecialPrice), o.SpecialPrice) ||
		len(in.Lines) != len(o.Lines) {
		return false
	}
	for i, l := range in.Lines {
		was := o.Lines[i]
		ed := strings.TrimSpace(l.Edition)
		if l.ProductID != was.ProductID || l.Seats != was.Seats || l.PeriodMonths != was.PeriodMonths || l.Quantity != was.Quantity ||
			!strings.EqualFold(ed, was.Edition) && !strings.EqualFold(ed, was.EditionName) {
			return false
		}
	}
	return true
}

// PlaceOrder buys: the order, its licenses (ordered, period not started,
// F7), the balance entry or the unpaid state, the special price's use and
// the history, all in one transaction. With an idempotency key, a second
// request with the same key returns the first order and buys nothing; a
// different request under that key is refused (ErrConflict).
// The second result reports whether this call created the order.
func (s *Service) PlaceOrder(a Actor, in OrderInput, idemKey string) (OrderView, bool, error) {
	if _, ok := paymentMethods[strings.ToLower(strings.TrimSpace(in.Payment))]; !ok && strings.TrimSpace(in.Payment) != "" {
		return OrderView{}, false, Invalid("payment", "pay by balance or invoice, not %q", in.Payment)
	}
	idemKey = strings.TrimSpace(idemKey)
	if len(idemKey) > MaxIdempotencyKey {
		return OrderView{}, false, Invalid("Idempotency-Key", "must be at most %d characters", MaxIdempotencyKey)
	}
	if idemKey != "" {
		idemKey = uintStr(a.UserID) + "|" + a.Email + "|" + idemKey
	}
	var o Order
	var created bool
	var made []License // in item order: for the mail and the answer
	err := s.update(func(tx *storage.Tx) error {
		o, created, made = Order{}, false, made[:0] // fn may run again (batched writes)
		if idemKey != "" {
			if id, ok := orderByIdempotency(tx, idemKey); ok {
				prev, err := getOrder(tx, id)
				if err != nil {
					return err
				}
				if !sameOrderRequest(a, in, &prev) {
					return Conflict("Idempotency-Key", "this idempotency key was already used for order %s, which bought something else: nothing was bought now. Use a new key (or reload the form) for a new order", prev.Number)
				}
				o = prev
				return nil
			}
		}
		p, _, err := s.buyer(tx, a, in, true)
		if err != nil {
			return err
		}
		payment, method, err := paymentFor(in.Payment, p)
		if err != nil {
			return err
		}
		lines, total, sp, prods, err := s.priceOrder(tx, in, p, true)
		if err != nil {
			return err
		}
		id, err := nextOrderID(tx)
		if err != nil {
			return err
		}
		now := s.now()
		// The order number comes from the gap-free sequence, inside this
		// transaction: a failed purchase burns none, none is reused.
		n, err := nextNumber(tx, SeqOrder, now.Year())
		if err != nil {
			return err
		}
		o = Order{ID: id, Number: FormatNumber("O-", now.Year(), n), PartnerID: p.ID, PartnerName: p.Name, User: a.Email, Created: now,
			Lines: lines, Total: total, Refunded: Money{0, total.Currency}, Kind: OrderPurchase, Payment: payment, IdempotencyKey: idemKey}
		var pay Payment
		o.State, pay = method.Start()
		if o.State == OrderProcessed {
			o.PaidAt = &now
		}
		if sp != nil {
			o.SpecialPrice = sp.Code
			if err := useSpecialPrice(tx, *sp, p.ID, o.Number, now); err != nil {
				return err
			}
		}
		for li, line := range lines {
			prod := prods[line.ProductID] // priced above: it is there
			cfg, err := licenseConfig(prod, nil)
			if err != nil {
				return err
			}
			for _, price := range line.UnitPrices() {
				lid, err := tx.NextID(storage.Licenses)
				if err != nil {
					return err
				}
				l := License{
					ID: lid, Name: prod.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: line.Edition,
					Seats: line.Seats, PeriodMonths: line.PeriodMonths, Status: StatusOrdered, Payment: pay,
					Purchased: now, ActivateBy: addMonths(now, ActivationWindow), PartnerID: p.ID,
					DistributorID: p.DistributorID, Config: cfg, OrderNumber: o.Number,
					Registrations: []Registration{}, Updated: now,
				}
				if len(l.Config) == 0 {
					l.Config = nil
				}
				if err := s.insertLicense(tx, &l); err != nil {
					return err
				}
				if err := s.writeHistory(tx, a, "purchase", nil, &l); err != nil {
					return err
				}
				o.Items = append(o.Items, OrderItem{LicenseID: lid, Line: li, Price: price})
				made = append(made, l)
			}
		}
		moved, err := method.Charge(s, tx, a, p, &o)
		if err != nil {
			return err
		}
		o.Events = []OrderEvent{{At: now, By: a.Email, Action: "purchase", Amount: moved, Licenses: o.LicenseIDs()}}
		if err := putOrder(tx, nil, &o); err != nil {
			return err
		}
		if payment != PayMonthly {
			if err := addSales(tx, p.ID, now, total.Currency, total.Amount); err != nil {
				return err
			}
		}
		if _, err := s.queueConfirmation(tx, a, p, &o, made, false); err != nil {
			return err
		}
		created = true
		return s.audit(tx, a, "order.create", o.Number, total.String()+" by "+payment)
	})
	if err != nil {
		return OrderView{}, false, err
	}
	if !created { // the first order of this idempotency key, as it is now
		v, err := s.GetOrder(a, o.ID)
		return v, false, err
	}
	// The order as committed, without reading it back.
	v := newOrderView(o)
	for _, l := range made {
		v.count(l.Status)
	}
	return v, true, nil
}

package app

import "fmt"

// demoOrders has each standard-program partner with a login buy from the
// catalogue in its own currency: one license paid by balance and a bulk
// order of 12 by invoice, so the orders list, the order history and the
// dashboard chart have something to show (and the outbox its
// confirmations).
// It returns the orders and the licenses they made.
func (s *Service) demoOrders(a Actor, partners []Partner, logins []DemoLogin) (int, int, error) {
	page, err := s.ListProducts(a, ListParams{PerPage: MaxPerPage, Sort: "id", Filters: map[string]string{"active": "true"}})
	if err != nil {
		return 0, 0, err
	}
	n, licenses := 0, 0
	for _, p := range partners {
		if p.Program != ProgramStandard {
			continue
		}
		var prod *Product
		for i := range page.Items {
			if page.Items[i].Currency == p.Currency {
				prod = &page.Items[i]
				break
			}
		}
		if prod == nil {
			continue
		}
		var as Actor
		for _, lg := range logins {
			if lg.Partner == p.Name {
				if err := s.withUser(lg.Email, func(u User) { as = toActor(u, "") }); err != nil {
					return n, licenses, err
				}
			}
		}
		if as.PartnerID == 0 {
			continue
		}
		line := BasketLine{ProductID: prod.ID, Edition: prod.Editions[0].Code, Seats: max(prod.MinSeats, 5), PeriodMonths: prod.Periods[0], Quantity: 1}
		if prod.MaxSeats > 0 {
			line.Seats = min(line.Seats, prod.MaxSeats)
		}
		for _, buy := range []struct {
			quantity int
			payment  string
		}{{1, PayBalance}, {12, PayInvoice}} {
			line.Quantity = buy.quantity
			o, _, err := s.PlaceOrder(as, OrderInput{Lines: []BasketLine{line}, Payment: buy.payment}, "")
			if err != nil {
				return n, licenses, fmt.Errorf("demo order of %s: %w", p.Name, err)
			}
			n++
			licenses += len(o.LicenseIDList)
		}
	}
	return n, licenses, nil
}

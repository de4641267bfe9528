package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Monthly billing for MSPs (F24). A partner on the monthly program uses
// licenses without paying per order. On the 1st of each month (UTC) the
// job "monthly-billing" bills the month before: one unpaid charge per
// partner (an order of kind monthly_charge, paid like an invoice order;
// issue 9's invoices can link it through InvoiceID).
//
// The rule (shown on the partner page): a license that was active on any
// day of the month, and not paid for at purchase (an order paid by
// balance or invoice), is billed for the whole month, per seat, at the
// product's one-month price for its edition, or, when the product sells
// no one-month period, at its own period's price divided by the months
// (rounded half-up per seat); the partner discount applies per line.
//
// Running twice bills once: each charge carries the key
// "monthly|<partner>|<month>", unique in the idempotency index, so a
// run for a month that was already billed writes nothing. After downtime
// the job runner runs each missed month in turn.
//
// A partner with an active seat the catalogue no longer prices in the
// partner's currency (a product repriced or moved to another currency,
// a license issued or taken over from elsewhere) is not billed for that
// month at all rather than billed short: one charge per partner and
// month holds every seat. The other partners are billed; the run fails
// naming each partner withheld and the seats to price, which the
// operator sees under Settings → Jobs, and the job tries again (a
// minute, doubling to an hour) until the price is there. Later months
// wait for that one, and are then caught up in turn.

// MonthlyBillingJob is the job's name on the settings page.
const MonthlyBillingJob = "monthly-billing"

func (s *Service) runMonthlyBilling(_ context.Context, period time.Time) error {
	month := time.Date(period.Year(), period.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	n, err := s.BillMonth(month)
	if n > 0 {
		s.log.Info("monthly charges billed", "month", month.Format("2006-01"), "partners", n)
	}
	return err
}

// BillMonth bills every monthly-program partner for the calendar month
// that starts at month (UTC). It returns how many charges it wrote; a
// month already billed for a partner is skipped.
func (s *Service) BillMonth(month time.Time) (int, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	var partners []uint64
	if err := s.db.View(func(tx *storage.Tx) error {
		tx.Each(storage.Partners, nil, func(k, v []byte) bool {
			var p Partner
			if jsonUnmarshal(v, &p) == nil && p.Program == ProgramMonthly {
				partners = append(partners, p.ID)
			}
			return true
		})
		return nil
	}); err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range partners {
		billed := false
		err := s.update(func(tx *storage.Tx) error {
			billed = false
			var err error
			billed, err = s.billPartnerMonth(tx, id, month)
			return err
		})
		if err != nil {
			// One partner's problem does not hold up the others' charges.
			errs = append(errs, fmt.Errorf("%s not billed: %w", month.Format("January 2006"), err))
			continue
		}
		if billed {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// monthlySeatPrice is the per-seat price of one month of a license.
func monthlySeatPrice(p Product, edition string, periodMonths int) (int64, bool) {
	if n, ok := p.PriceFor(edition, 1); ok {
		return n, true
	}
	n, ok := p.PriceFor(edition, periodMonths)
	if !ok || periodMonths < 1 {
		return 0, false
	}
	m := int64(periodMonths)
	return (n + m/2) / m, true
}

// activeIn reports whether l was active on any day of [from, to). A
// cancelled, suspended or expired license stopped being used when it
// left active use, as its history says (a license suspended and then
// expired stopped at its suspension); its Updated time moves with any
// later edit (a note), which is no use. A license transferred out to
// another desk stopped when the receipt came: it is read-only from then
// on, so its Updated time is that. (A license suspended through a month
// and enabled after it is billed for that month: billing reads what a
// license is now and when it got there, not every turn it took.)
func activeIn(tx *storage.Tx, l *License, from, to time.Time) bool {
	if l.ValidFrom == nil || !l.ValidFrom.Before(to) {
		return false
	}
	if l.ValidTo != nil && !l.ValidTo.After(from) {
		return false
	}
	switch l.Status {
	case StatusCancelled, StatusSuspended, StatusExpired:
		stopped, ok := stoppedUse(tx, l.ID)
		if !ok {
			if l.Status == StatusExpired {
				return true // its end date, checked above, says when
			}
			stopped = l.Updated
		}
		if stopped.Before(from) {
			return false
		}
	case StatusTransferredOut:
		if l.Updated.Before(from) {
			return false
		}
	}
	return true
}

func (s *Service) billPartnerMonth(tx *storage.Tx, partnerID uint64, month time.Time) (bool, error) {
	key := fmt.Sprintf("monthly|%d|%s", partnerID, month.Format("2006-01"))
	if _, ok := orderByIdempotency(tx, key); ok {
		return false, nil // billed already
	}
	p, err := getPartner(tx, partnerID)
	if err != nil {
		return false, err
	}
	end := month.AddDate(0, 1, 0)
	type group struct {
		product uint64
		edition string
		period  int
	}
	seats := map[group]int{}
	// A license bought on an order paid another way (the balance, an
	// invoice: bought outright, or before the partner joined the monthly
	// program) has its period paid; only what is used without paying is
	// billed each month. One lookup per order.
	paidOutright := map[string]bool{}
	outright := func(number string) bool {
		if number == "" {
			return false // issued or imported, with no order: billed monthly
		}
		v, seen := paidOutright[number]
		if !seen {
			if oid, ok := orderByNumber(tx, number); ok {
				if o, err := getOrder(tx, oid); err == nil {
					v = o.Payment != PayMonthly
				}
			}
			paidOutright[number] = v
		}
		return v
	}
	eachPartnerLicenseID(tx, partnerID, func(id uint64) bool {
		l, err := getLicense(tx, id)
		if err != nil {
			return true
		}
		if activeIn(tx, &l, month, end) && !outright(l.OrderNumber) {
			seats[group{l.ProductID, l.Edition, l.PeriodMonths}] += l.Seats
		}
		return true
	})
	if len(seats) == 0 {
		return false, nil
	}
	groups := make([]group, 0, len(seats))
	for g := range seats {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(cmp.Compare(a.product, b.product), cmp.Compare(a.edition, b.edition), cmp.Compare(a.period, b.period))
	})
	var lines []PricedLine
	var unpriced []string
	total := Money{0, p.Currency}
	for _, g := range groups {
		n := seats[g]
		var prod Product
		if err := tx.Get(storage.Products, storage.EncodeID(g.product), &prod); err != nil {
			unpriced = append(unpriced, fmt.Sprintf("%s of product #%d, which is gone", SeatsText(n), g.product))
			continue
		}
		per, ok := monthlySeatPrice(prod, g.edition, g.period)
		if !ok || prod.Currency != p.Currency {
			unpriced = append(unpriced, fmt.Sprintf("%s of %s %s (%d months)", SeatsText(n), prod.Name, g.edition, g.period))
			continue
		}
		list, ok := mulChecked(per, int64(n))
		if !ok {
			return false, fmt.Errorf("partner %s (%s): the charge for %s is too large", p.PublicID, p.Name, prod.Name)
		}
		ed, _ := prod.Edition(g.edition)
		l := PricedLine{BasketLine: BasketLine{ProductID: prod.ID, Edition: g.edition, Seats: n, PeriodMonths: 1, Quantity: 1},
			ProductName: prod.Name, EditionName: ed.Name, Currency: prod.Currency, PerSeat: per, List: list}
		l.Steps = []PriceStep{{Kind: "list", Label: fmt.Sprintf("%s × %s active in %s", FormatAmount(per, prod.Currency), SeatsText(n), month.Format("January 2006")), Amount: list}}
		off := bpOfHalfUp(list, p.DiscountBP)
		if off > 0 {
			l.Steps = append(l.Steps, PriceStep{Kind: "partner", Label: fmt.Sprintf("Partner discount −%s%%", FormatBP(p.DiscountBP)), BP: p.DiscountBP, Amount: -off})
		}
		l.Total = list - off
		if total.Amount > math.MaxInt64-l.Total {
			return false, fmt.Errorf("partner %s (%s): the month's charge is too large", p.PublicID, p.Name)
		}
		total.Amount += l.Total
		lines = append(lines, l)
	}
	if len(unpriced) > 0 {
		return false, fmt.Errorf("partner %s (%s) has active seats with no one-month or period price in %s: %s; price them in %s and the job bills the month on its next try",
			p.PublicID, p.Name, p.Currency, strings.Join(unpriced, ", "), p.Currency)
	}
	if len(lines) == 0 {
		return false, nil
	}
	id, err := nextOrderID(tx)
	if err != nil {
		return false, err
	}
	now := s.now()
	num, err := nextNumber(tx, SeqOrder, now.Year())
	if err != nil {
		return false, err
	}
	o := Order{ID: id, Number: FormatNumber("O-", now.Year(), num), PartnerID: p.ID, PartnerName: p.Name, User: System.Email,
		Created: now, Lines: lines, Total: total, Refunded: Money{0, total.Currency}, Kind: OrderMonthly,
		BillingMonth: month.Format("2006-01"), Payment: PayInvoice, State: OrderUnpaid, IdempotencyKey: key,
		Events: []OrderEvent{{At: now, By: System.Email, Action: "monthly", Reason: "seats active in " + month.Format("January 2006")}}}
	if err := putOrder(tx, nil, &o); err != nil {
		return false, err
	}
	if err := addSales(tx, p.ID, now, total.Currency, total.Amount); err != nil {
		return false, err
	}
	return true, s.audit(tx, System, "order.monthly", o.Number, total.String()+" for "+o.BillingMonth)
}

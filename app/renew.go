package app

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Renewals (F29–F31). A renewal moves a license's valid_to on by whole
// periods, priced by the same pricing steps as a purchase, and is
// recorded as an order (so it joins the order timeline, F23) in the same
// transaction as the license change, its history and the balance entry.
// The key never changes.

// Renewal bases: where the new period of a renewed license starts.
const (
	BasisFromExpiry  = "from_expiry"  // where the old period ends, also when renewed early
	BasisFromRenewal = "from_renewal" // on the day of the renewal
)

// Renewal payment methods.
const (
	RenewPayBalance = PayBalance // paid from the balance now
	RenewPayInvoice = PayInvoice // on a new invoice (renew_invoice.go); with pay_now paid from the balance at once
	RenewPayOrder   = "order"    // added to an open (unpaid) order of the partner
	RenewPayCoupon  = "coupon"   // an unused license of the same kind is used up (F30)
)

// Bounds of a renewal.
const (
	MaxRenewPeriods = 10   // periods one renewal adds
	MaxGraceDays    = 3650 // a product's grace days
)

// checkRenewalRule checks and normalises a product's renewal settings.
func checkRenewalRule(p *Product) error {
	p.RenewalBasis = strings.ToLower(strings.TrimSpace(p.RenewalBasis))
	switch p.RenewalBasis {
	case "":
		p.RenewalBasis = BasisFromExpiry
	case BasisFromExpiry, BasisFromRenewal:
	default:
		return Invalid("renewal_basis", "must be from_expiry or from_renewal")
	}
	if p.GraceDays < 0 || p.GraceDays > MaxGraceDays {
		return Invalid("grace_days", "must be 0 to %d days", MaxGraceDays)
	}
	return nil
}

// Basis is the product's renewal basis (from_expiry when unset).
func (p Product) Basis() string {
	if p.RenewalBasis == "" {
		return BasisFromExpiry
	}
	return p.RenewalBasis
}

// RenewalStart is where the new period of a license that ends at validTo
// starts when it is renewed at now (F29):
//
//   - from_renewal: on the renewal date;
//   - from_expiry: where the old period ends, also when renewed early or
//     on the day; an expired license renewed within graceDays of its
//     expiry still counts from that expiry, after that from the renewal date.
func RenewalStart(basis string, graceDays int, validTo, now time.Time) time.Time {
	if basis == BasisFromRenewal {
		return now
	}
	if !validTo.Before(now) || !now.After(validTo.AddDate(0, 0, graceDays)) {
		return validTo
	}
	return now
}

// RenewEnd is the end of periods periods of months months from start:
// calendar months, clamped to the month's end (31 January + 1 month is
// the last day of February), counted in one step so 31 January + 2 ×
// 1 month is 31 March.
func RenewEnd(start time.Time, months, periods int) time.Time {
	return addMonths(start, months*periods)
}

// MigrationCredit is the remaining value of the current period, credited
// pro rata by day when a license migrates to another edition (F31).
type MigrationCredit struct {
	PeriodValue  Money  `json:"period_value"`   // what the current period costs at today's prices
	DaysLeft     int    `json:"days_left"`      // whole days from now to the end of the period
	DaysInPeriod int    `json:"days_in_period"` // days of the current period
	Amount       Money  `json:"amount"`         // credited: value × days left / days in period, half-up
	FromEdition  string `json:"from_edition"`
	ToEdition    string `json:"to_edition"`
}

// ProRata is value × part / whole, rounded half-up, in 128 bits.
func ProRata(value int64, part, whole int) int64 {
	if value <= 0 || part <= 0 || whole <= 0 {
		return 0
	}
	if part >= whole {
		return value
	}
	hi, lo := bits.Mul64(uint64(value), uint64(part))
	lo, carry := bits.Add64(lo, uint64(whole)/2, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, uint64(whole)) // part < whole, so q < value: no overflow
	return int64(q)
}

// RenewInput is a renewal request; the shape scripts rely on.
type RenewInput struct {
	Periods      int    `json:"periods"`       // how many periods, 1 to MaxRenewPeriods
	PeriodMonths int    `json:"period_months"` // the period's length; default the license's
	Payment      string `json:"payment"`       // balance (default), invoice, order
	PayNow       bool   `json:"pay_now"`       // with payment invoice: pay the new invoice from the balance at once
	OrderID      uint64 `json:"order_id"`      // the open order, for payment "order"
	Coupon       bool   `json:"coupon"`        // renew with the best-fitting unused license (F30)
	CouponID     uint64 `json:"coupon_id"`     // or with this one
	Edition      string `json:"edition"`       // migrate to this edition (F31)
}

// RenewalQuote is what a renewal would cost and do, without writing.
type RenewalQuote struct {
	LicenseID uint64           `json:"license_id"`
	Key       string           `json:"key"`
	Lines     []PricedLine     `json:"lines"`
	Credit    *MigrationCredit `json:"credit,omitempty"`
	Total     Money            `json:"total"`
	Balance   *Money           `json:"balance,omitempty"`
	// InvoiceTax is the tax an invoice adds to Total when the renewal is
	// put on one (the partner's invoice tax rate; absent when it is 0).
	InvoiceTax *Money       `json:"invoice_tax,omitempty"`
	Basis      string       `json:"basis"`
	OldEnd     *time.Time   `json:"old_valid_to,omitempty"`
	Start      time.Time    `json:"new_period_from"`
	NewEnd     time.Time    `json:"valid_to"`
	Edition    string       `json:"edition"`
	Coupon     *LicenseView `json:"coupon,omitempty"`
}

// RenewResult is a renewed license and the renewal's record.
type RenewResult struct {
	LicenseView
	Renewal RenewalRecord `json:"renewal"`
}

// RenewalRecord names the order a renewal is recorded on.
type RenewalRecord struct {
	OrderID     uint64 `json:"order_id"`
	OrderNumber string `json:"order_number"`
	Charged     Money  `json:"charged"`
	Payment     string `json:"payment"`
	Coupon      string `json:"coupon,omitempty"` // the key used up

	InvoiceID     uint64 `json:"invoice_id,omitempty"` // the invoice it is billed on (payment invoice)
	InvoiceNumber string `json:"invoice_number,omitempty"`
	Invoiced      *Money `json:"invoiced,omitempty"` // the invoice's total: the quote plus the partner's invoice tax
}

// renewPlan is a priced, checked renewal of one license, in a transaction.
type renewPlan struct {
	old     License
	prod    Product
	partner Partner
	edition Edition
	months  int
	periods int
	line    PricedLine
	credit  *MigrationCredit
	coupon  *License
	start   time.Time
	end     time.Time
}

func (pl renewPlan) total() Money { return Money{pl.line.Total, pl.line.Currency} }

func (pl renewPlan) quote() RenewalQuote {
	q := RenewalQuote{LicenseID: pl.old.ID, Key: pl.old.Key, Lines: []PricedLine{pl.line}, Credit: pl.credit,
		Total: pl.total(), Basis: pl.prod.Basis(), OldEnd: pl.old.ValidTo, Start: pl.start, NewEnd: pl.end, Edition: pl.edition.Code}
	if pl.coupon != nil {
		v := pl.coupon.view()
		q.Coupon = &v
	}
	return q
}

// renewLookup holds what planning many renewals in one transaction
// reads again and again: products, partners and priced lines (a bulk
// renewal of 1,000 licenses of one product reads each once).
type renewLookup struct {
	products map[uint64]Product
	partners map[uint64]Partner
	lines    map[renewLineKey]PricedLine
}

type renewLineKey struct {
	product                      uint64
	edition                      string
	seats, months, periods, tier int
	partnerBP                    int
}

func newRenewLookup() *renewLookup {
	return &renewLookup{products: map[uint64]Product{}, partners: map[uint64]Partner{}, lines: map[renewLineKey]PricedLine{}}
}

func (lk *renewLookup) partner(tx *storage.Tx, id uint64) (Partner, error) {
	if p, ok := lk.partners[id]; ok {
		return p, nil
	}
	p, err := getPartner(tx, id)
	if err == nil {
		lk.partners[id] = p
	}
	return p, err
}

func (lk *renewLookup) product(tx *storage.Tx, id uint64) (Product, error) {
	if p, ok := lk.products[id]; ok {
		return p, nil
	}
	var p Product
	err := tx.Get(storage.Products, storage.EncodeID(id), &p)
	if err == nil {
		lk.products[id] = p
	}
	return p, err
}

// priceLine prices a renewal line once per kind; the copy handed out has
// its own steps, so a caller may append to them.
func (lk *renewLookup) priceLine(prod Product, bl BasketLine, tier int, terms PricingTerms) (PricedLine, error) {
	k := renewLineKey{prod.ID, bl.Edition, bl.Seats, bl.PeriodMonths, bl.Quantity, tier, terms.PartnerBP}
	line, ok := lk.lines[k]
	if !ok {
		var err error
		if line, err = PriceLine("renewal", prod, bl, tier, terms); err != nil {
			return line, err
		}
		// The list step ends "× quantity"; for a renewal that is periods.
		// (Replacing the first "× N" hit the seats when they begin with N.)
		if suffix := fmt.Sprintf(" × %d", bl.Quantity); strings.HasSuffix(line.Steps[0].Label, suffix) {
			line.Steps[0].Label += " " + plural(bl.Quantity, "period", "periods")
		}
		lk.lines[k] = line
	}
	line.Steps = slices.Clone(line.Steps)
	return line, nil
}

// planRenewal checks and prices renewing l as in asks, at now. tierQty
// is the number of licenses of the product renewed together (bulk tier).
// auto renews for the auto-renew job: always counted from the old expiry.
// lk caches lookups across the plans of one transaction (nil: none).
func (s *Service) planRenewal(tx *storage.Tx, a Actor, l License, in RenewInput, tierQty int, auto bool, lk *renewLookup) (renewPlan, error) {
	if lk == nil {
		lk = newRenewLookup()
	}
	now := s.now()
	pl := renewPlan{old: l, periods: in.Periods}
	if err := CanRenew(l.Status); err != nil {
		return pl, err
	}
	if l.ValidTo == nil {
		return pl, Invalid("status", "the license has no period to renew yet; activate it first")
	}
	if in.Periods < 1 || in.Periods > MaxRenewPeriods {
		return pl, Invalid("periods", "renew for 1 to %d periods", MaxRenewPeriods)
	}
	if l.PartnerID == 0 {
		return pl, Invalid("partner_id", "the license belongs to no partner; assign it to one before renewing")
	}
	if err := renewalClaim(tx, l, false); err != nil {
		return pl, err
	}
	// A license being handed over is renewed by its next owner: renewed
	// now, its new time would go to the other partner on approval, paid
	// by this one and no longer refundable by either.
	if busy, err := s.inOpenTransfer(tx, l.ID); err != nil {
		return pl, err
	} else if busy {
		return pl, Conflict("transfer", "license %s is in an open transfer: its next owner renews it, or cancel the transfer first; nothing was renewed", l.Key)
	}
	p, err := lk.partner(tx, l.PartnerID)
	if err != nil {
		return pl, err
	}
	pl.partner = p
	if pl.prod, err = lk.product(tx, l.ProductID); err != nil {
		return pl, Invalid("product_id", "the license's product is no longer in the catalogue")
	}
	prod := pl.prod
	if !prod.Active {
		return pl, Invalid("product_id", "%s is no longer sold and cannot be renewed", prod.Name)
	}
	cur, ok := prod.Edition(l.Edition)
	if !ok {
		return pl, Invalid("edition", "%s no longer has the license's edition %q", prod.Name, l.Edition)
	}
	pl.edition = cur
	migrate := false
	if e := strings.TrimSpace(in.Edition); e != "" {
		to, ok := findEdition(prod, e)
		if !ok {
			return pl, Invalid("edition", "%s has no edition %q", prod.Name, e)
		}
		if to.Code != cur.Code {
			if !upgradeReachable(prod, cur.Code, to.Code) {
				return pl, Invalid("edition", "%s is not on the upgrade path from %s", to.Name, cur.Name)
			}
			pl.edition, migrate = to, true
		}
	}
	if (in.Coupon || in.CouponID != 0) && migrate {
		return pl, Invalid("coupon", "a coupon renews the same edition; migrate with a payment instead")
	}
	pl.months = in.PeriodMonths
	if pl.months == 0 {
		pl.months = l.PeriodMonths
		if auto && l.AutoRenewMonths > 0 {
			pl.months = l.AutoRenewMonths
		}
	}
	if p.Currency != prod.Currency {
		return pl, Invalid("product_id", "%s is priced in %s and %s's account is in %s", prod.Name, prod.Currency, p.Name, p.Currency)
	}
	if in.Coupon || in.CouponID != 0 {
		c, err := s.pickCoupon(tx, a, l, in.CouponID, now)
		if err != nil {
			return pl, err
		}
		pl.coupon = &c
		pl.months = c.PeriodMonths
		pl.line = PricedLine{BasketLine: BasketLine{ProductID: prod.ID, Edition: cur.Code, Seats: l.Seats, PeriodMonths: c.PeriodMonths, Quantity: in.Periods},
			ProductName: prod.Name, EditionName: cur.Name, Currency: prod.Currency,
			Steps: []PriceStep{{Kind: "coupon", Label: "Coupon " + c.Key + " (" + PeriodLabel(c.PeriodMonths) + ")"}}}
		if in.Periods != 1 {
			return pl, Invalid("periods", "a coupon renews for its own period: ask for 1 period")
		}
	} else {
		if _, ok := prod.PriceFor(pl.edition.Code, pl.months); !ok {
			return pl, Invalid("period_months", "%s %s is not offered for %s", prod.Name, pl.edition.Name, periodText(pl.months))
		}
		if l.Seats < prod.MinSeats || prod.MaxSeats > 0 && l.Seats > prod.MaxSeats {
			return pl, Invalid("seats", "%s takes %s seats; change the license's seats first", prod.Name, seatRange(prod))
		}
		terms := PricingTerms{PartnerBP: p.DiscountBP}
		line, err := lk.priceLine(prod, BasketLine{ProductID: prod.ID, Edition: pl.edition.Code, Seats: l.Seats,
			PeriodMonths: pl.months, Quantity: in.Periods}, max(tierQty, 1), terms)
		if err != nil {
			return pl, err
		}
		pl.line = line
	}
	switch {
	case migrate:
		pl.start = now
		if l.ValidTo.After(now) {
			cr, err := migrationCredit(prod, l, cur, pl.edition, partnerTerms(p), now)
			if err != nil {
				return pl, err
			}
			if cr.Amount.Amount > pl.line.Total {
				if cr.DaysLeft > cr.DaysInPeriod {
					// Paid periods ahead would be lost: ask for as many.
					return pl, Invalid("periods", "license %s is paid %d days ahead, worth %s: more than %s for %d period(s) costs (%s). Migrate for more periods, or nearer the end of the paid time; nothing was charged",
						l.Key, cr.DaysLeft, cr.Amount, pl.edition.Name, in.Periods, Money{pl.line.Total, prod.Currency})
				}
				cr.Amount.Amount = pl.line.Total // within one period: a credit lowers the price, never below zero
			}
			pl.credit = &cr
			if cr.Amount.Amount > 0 {
				label := fmt.Sprintf("Credit: %d of %d days left of %s %s at %s", cr.DaysLeft, cr.DaysInPeriod, prod.Name, cur.Name, cr.PeriodValue)
				if cr.DaysLeft > cr.DaysInPeriod {
					label = fmt.Sprintf("Credit: %d days paid ahead of %s %s at %s a period of %d days", cr.DaysLeft, prod.Name, cur.Name, cr.PeriodValue, cr.DaysInPeriod)
				}
				pl.line.Steps = append(pl.line.Steps, PriceStep{Kind: "credit", Label: label, Amount: -cr.Amount.Amount})
				pl.line.Total -= cr.Amount.Amount
			}
		}
	case auto:
		pl.start = *l.ValidTo
	default:
		pl.start = RenewalStart(prod.Basis(), prod.GraceDays, *l.ValidTo, now)
	}
	pl.end = RenewEnd(pl.start, pl.months, pl.periods)
	if pl.end.After(LatestValidTo) {
		return pl, Invalid("periods", "the license would run to %s, past %s, the latest date a license may run to",
			pl.end.Format(time.DateOnly), LatestValidTo.Format(time.DateOnly))
	}
	return pl, nil
}

func partnerTerms(p Partner) PricingTerms { return PricingTerms{PartnerBP: p.DiscountBP} }

// upgradeReachable reports whether edition to lies on from's upgrade path
// (directly or through other editions).
func upgradeReachable(p Product, from, to string) bool {
	next := map[string][]string{}
	for _, e := range p.Editions {
		next[e.Code] = e.UpgradesTo
	}
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, n := range next[c] {
			if n == to {
				return true
			}
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return false
}

// migrationCredit is the remaining value of l's paid time: the price of
// one period of its edition at today's prices (with the partner's
// discount), times the whole days left over the days of the period. A
// license renewed ahead has more than a period left: each whole period
// counts in full.
func migrationCredit(prod Product, l License, from, to Edition, t PricingTerms, now time.Time) (MigrationCredit, error) {
	cr := MigrationCredit{FromEdition: from.Code, ToEdition: to.Code, Amount: Money{0, prod.Currency}, PeriodValue: Money{0, prod.Currency}}
	end := *l.ValidTo
	start := addMonths(end, -l.PeriodMonths)
	if l.ValidFrom != nil && l.ValidFrom.After(start) && l.ValidFrom.Before(end) {
		start = *l.ValidFrom
	}
	cr.DaysInPeriod = int(math.Round(end.Sub(start).Hours() / 24))
	cr.DaysLeft = int(end.Sub(now).Hours() / 24)
	if _, ok := prod.PriceFor(from.Code, l.PeriodMonths); !ok || cr.DaysInPeriod <= 0 {
		return cr, nil // the current period has no price today: nothing to credit
	}
	line, err := PriceLine("renewal", prod, BasketLine{ProductID: prod.ID, Edition: from.Code, Seats: l.Seats, PeriodMonths: l.PeriodMonths, Quantity: 1}, 1, t)
	if err != nil {
		return cr, nil
	}
	cr.PeriodValue.Amount = line.Total
	whole, err := mulMoney(line.Total, int64(max(cr.DaysLeft, 0)/cr.DaysInPeriod))
	if err != nil {
		return cr, Invalid("edition", "the time left on this license is worth too much to compute a credit")
	}
	if cr.Amount.Amount, err = addMoney(whole, ProRata(line.Total, max(cr.DaysLeft, 0)%cr.DaysInPeriod, cr.DaysInPeriod)); err != nil {
		return cr, Invalid("edition", "the time left on this license is worth too much to compute a credit")
	}
	return cr, nil
}

// QuoteRenewal prices renewing a license without writing anything.
func (s *Service) QuoteRenewal(a Actor, id uint64, in RenewInput) (RenewalQuote, error) {
	var q RenewalQuote
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		pl, err := s.planRenewal(tx, a, l, in, 1, false, nil)
		if err != nil {
			return err
		}
		q = pl.quote()
		q.Balance = &Money{balance(tx, pl.partner.ID), pl.partner.Currency}
		billing, err := getBilling(tx, pl.partner.ID)
		if err != nil {
			return err
		}
		if tax := bpOfHalfUp(q.Total.Amount, billing.TaxBP); tax != 0 {
			q.InvoiceTax = &Money{tax, q.Total.Currency}
		}
		return nil
	})
	return q, err
}

// RenewLicense renews one license (F29, coupon F30, migration F31) in one
// transaction: the license, its history, the order that records the
// renewal, the balance entry or the coupon's cancellation. Two renewals
// racing for one license each add their periods and each is charged once.
func (s *Service) RenewLicense(a Actor, id uint64, in RenewInput) (RenewResult, error) {
	var res RenewResult
	err := s.update(func(tx *storage.Tx) error {
		res = RenewResult{} // fn may run again (batched writes)
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		pl, err := s.planRenewal(tx, a, l, in, 1, false, nil)
		if err != nil {
			return err
		}
		got, rec, err := s.applyRenewals(tx, a, []renewPlan{pl}, in, "renew")
		if err != nil {
			return err
		}
		res = RenewResult{LicenseView: s.decorate(got[0]), Renewal: rec}
		return nil
	})
	if err == nil {
		s.mailRenewalInvoice(res.Renewal.InvoiceID, 1)
	}
	return res, err
}

// renewMailInlineLines is the largest renewal invoice whose mail (and
// PDF) is made right after the renewal; a bigger one is left to the
// invoice-mail job, which queues it within a minute (its marker was
// written with the invoice). A 1,000-line PDF takes ~70 ms of CPU: a
// bulk renewal's answer does not wait for it.
const renewMailInlineLines = 100

// mailRenewalInvoice queues the mail with a new renewal invoice's PDF of
// lines lines, as a checkout does; the invoice-mail job sends it when
// this fails or the invoice is big.
func (s *Service) mailRenewalInvoice(id uint64, lines int) {
	if id == 0 || lines > renewMailInlineLines {
		return
	}
	if err := s.mailSoon(id); err != nil {
		s.log.Error("invoice mail not queued yet; the invoice-mail job retries", "invoice", id, "err", err)
	}
}

// BulkRenewInput renews ticked licenses of one partner together.
type BulkRenewInput struct {
	LicenseIDs []uint64 `json:"license_ids"`
	Periods    int      `json:"periods"`
	Payment    string   `json:"payment"`
	PayNow     bool     `json:"pay_now"`
	OrderID    uint64   `json:"order_id"`
}

// BulkRenewResult is what a bulk renewal did.
type BulkRenewResult struct {
	Renewed     int    `json:"renewed"`
	OrderID     uint64 `json:"order_id"`
	OrderNumber string `json:"order_number"`
	Charged     Money  `json:"charged"`

	InvoiceID     uint64 `json:"invoice_id,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
	Invoiced      *Money `json:"invoiced,omitempty"`
}

// quoteBulk plans renewing every license of in, each for in.Periods of
// its own period, with the bulk tier of the licenses of each product.
func (s *Service) planBulk(tx *storage.Tx, a Actor, in BulkRenewInput) ([]renewPlan, error) {
	if len(in.LicenseIDs) == 0 {
		return nil, Invalid("license_ids", "tick at least one license to renew")
	}
	if len(in.LicenseIDs) > MaxOrderLicenses {
		return nil, Invalid("license_ids", "renew at most %d licenses at a time", MaxOrderLicenses)
	}
	ids := slices.Clone(in.LicenseIDs)
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(in.LicenseIDs) {
		return nil, Invalid("license_ids", "a license is ticked twice")
	}
	ls := make([]License, len(in.LicenseIDs))
	perProduct := map[uint64]int{}
	for i, id := range in.LicenseIDs {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return nil, Invalid("license_ids", "there is no license %d", id)
		}
		if i > 0 && l.PartnerID != ls[0].PartnerID {
			return nil, Invalid("license_ids", "renew one partner's licenses at a time")
		}
		ls[i] = l
		perProduct[l.ProductID]++
	}
	plans := make([]renewPlan, len(ls))
	lk := newRenewLookup()
	for i, l := range ls {
		pl, err := s.planRenewal(tx, a, l, RenewInput{Periods: in.Periods}, perProduct[l.ProductID], false, lk)
		if err != nil {
			return nil, prefixErr(err, fmt.Sprintf("license %s: ", l.Key))
		}
		plans[i] = pl
	}
	return plans, nil
}

// prefixErr puts a prefix on a validation error's message.
func prefixErr(err error, prefix string) error {
	if ve, ok := err.(*ValidationError); ok {
		return &ValidationError{Field: ve.Field, Message: prefix + ve.Message}
	}
	return err
}

// QuoteBulkRenewal prices a bulk renewal without writing.
func (s *Service) QuoteBulkRenewal(a Actor, in BulkRenewInput) ([]RenewalQuote, Money, error) {
	var qs []RenewalQuote
	var total Money
	err := s.db.View(func(tx *storage.Tx) error {
		plans, err := s.planBulk(tx, a, in)
		if err != nil {
			return err
		}
		qs, total = nil, Money{0, plans[0].partner.Currency}
		for _, pl := range plans {
			qs = append(qs, pl.quote())
			if total.Amount > math.MaxInt64-pl.line.Total {
				return Invalid("license_ids", "the renewal total is too large to compute")
			}
			total.Amount += pl.line.Total
		}
		return nil
	})
	return qs, total, err
}

// RenewLicenses renews ticked licenses in one transaction and one order:
// all of them, or none when one cannot be (the error names it).
func (s *Service) RenewLicenses(a Actor, in BulkRenewInput) (BulkRenewResult, error) {
	var res BulkRenewResult
	err := s.update(func(tx *storage.Tx) error {
		res = BulkRenewResult{}
		plans, err := s.planBulk(tx, a, in)
		if err != nil {
			return err
		}
		got, rec, err := s.applyRenewals(tx, a, plans, RenewInput{Payment: in.Payment, PayNow: in.PayNow, OrderID: in.OrderID}, "renew")
		if err != nil {
			return err
		}
		res = BulkRenewResult{Renewed: len(got), OrderID: rec.OrderID, OrderNumber: rec.OrderNumber, Charged: rec.Charged,
			InvoiceID: rec.InvoiceID, InvoiceNumber: rec.InvoiceNumber, Invoiced: rec.Invoiced}
		return nil
	})
	if err == nil {
		s.mailRenewalInvoice(res.InvoiceID, res.Renewed)
	}
	return res, err
}

// applyRenewals writes planned renewals of one partner's licenses: each
// license and its history, the coupons used up, and one order recording
// them, paid as in.Payment says.
func (s *Service) applyRenewals(tx *storage.Tx, a Actor, plans []renewPlan, in RenewInput, action string) ([]License, RenewalRecord, error) {
	now := s.now()
	p := plans[0].partner
	payment := strings.ToLower(strings.TrimSpace(in.Payment))
	if payment == "" {
		payment = RenewPayBalance
	}
	if plans[0].coupon != nil {
		payment = RenewPayCoupon
	} else if payment != RenewPayBalance && payment != RenewPayInvoice && payment != RenewPayOrder {
		return nil, RenewalRecord{}, Invalid("payment", "pay by balance, invoice or order, not %q", in.Payment)
	}
	if in.PayNow && payment != RenewPayInvoice {
		return nil, RenewalRecord{}, Invalid("pay_now", "pay now pays a new invoice: it goes with payment invoice")
	}
	total := Money{0, p.Currency}
	lines := make([]PricedLine, 0, len(plans))
	items := make([]OrderItem, 0, len(plans))
	out := make([]License, 0, len(plans))
	olds := make([]License, 0, len(plans))
	migrate := false
	for _, pl := range plans {
		l := pl.old
		l.Config = cloneMap(pl.old.Config)
		end := pl.end
		l.ValidTo = &end
		if pl.start.After(*pl.old.ValidTo) {
			start := pl.start
			l.ValidFrom = &start // a gap: the license was lapsed in between
		}
		l.Status = renewedStatus(pl.old.Status)
		if l.Edition != pl.edition.Code {
			migrate = true
		}
		l.Edition = pl.edition.Code
		l.PeriodMonths = pl.months
		l.Updated = now
		if total.Amount > math.MaxInt64-pl.line.Total {
			return nil, RenewalRecord{}, Invalid("license_ids", "the renewal total is too large to compute")
		}
		total.Amount += pl.line.Total
		items = append(items, OrderItem{LicenseID: l.ID, Line: len(lines), Price: pl.line.Total})
		lines = append(lines, pl.line)
		out = append(out, l)
		olds = append(olds, pl.old)
	}
	// The licenses' records and index keys in key order, in one pass.
	if err := putLicenses(tx, olds, out); err != nil {
		return nil, RenewalRecord{}, err
	}
	for i, pl := range plans {
		act := action
		if pl.old.Edition != pl.edition.Code {
			act = "migrate"
		}
		if err := s.writeHistory(tx, a, act, &olds[i], &out[i]); err != nil {
			return nil, RenewalRecord{}, err
		}
		if pl.coupon != nil {
			if err := s.useCoupon(tx, a, *pl.coupon, out[i]); err != nil {
				return nil, RenewalRecord{}, err
			}
		}
	}
	evAction, reason := "renewal", ""
	if migrate {
		evAction = "migration"
	}
	if plans[0].coupon != nil {
		reason = "coupon " + plans[0].coupon.Key
	} else if len(plans) == 1 {
		reason = plans[0].old.Key
	}
	ids := make([]uint64, len(out))
	for i, l := range out {
		ids[i] = l.ID
	}
	rec := RenewalRecord{Charged: Money{0, p.Currency}, Payment: payment}
	if plans[0].coupon != nil {
		rec.Coupon = plans[0].coupon.Key
	}
	var o Order
	if payment == RenewPayOrder {
		prev, err := s.openOrder(tx, a, p, in.OrderID)
		if err != nil {
			return nil, RenewalRecord{}, err
		}
		if len(prev.Lines)+len(lines) > MaxOrderLicenses {
			return nil, RenewalRecord{}, Invalid("order_id", "order %s has %d lines and takes at most %d, as a purchase does; renew on another order or by invoice",
				prev.Number, len(prev.Lines), MaxOrderLicenses)
		}
		o = prev
		o.Lines = append(slices.Clone(prev.Lines), lines...)
		o.Items = slices.Clone(prev.Items)
		for _, it := range items {
			it.Line += len(prev.Lines)
			o.Items = append(o.Items, it)
		}
		if o.Total.Amount > math.MaxInt64-total.Amount {
			return nil, RenewalRecord{}, Invalid("order_id", "the order total would be too large")
		}
		o.Total.Amount += total.Amount
		o.Events = append(slices.Clone(prev.Events), OrderEvent{At: now, By: a.Email, Action: evAction, Licenses: ids, Reason: reason})
		if err := putOrder(tx, &prev, &o); err != nil {
			return nil, RenewalRecord{}, err
		}
	} else {
		oid, err := nextOrderID(tx)
		if err != nil {
			return nil, RenewalRecord{}, err
		}
		n, err := nextNumber(tx, SeqOrder, now.Year())
		if err != nil {
			return nil, RenewalRecord{}, err
		}
		o = Order{ID: oid, Number: FormatNumber("O-", now.Year(), n), PartnerID: p.ID, PartnerName: p.Name, User: a.Email, Created: now,
			Lines: lines, Total: total, Refunded: Money{0, total.Currency}, Payment: payment, Items: items}
		ev := OrderEvent{At: now, By: a.Email, Action: evAction, Licenses: ids, Reason: reason}
		switch payment {
		case RenewPayInvoice:
			o.State = OrderUnpaid // until its invoice is paid
		default:
			o.State, o.PaidAt = OrderProcessed, &now
			ev.Amount = -total.Amount
		}
		o.Events = []OrderEvent{ev}
		if payment == RenewPayBalance && total.Amount > 0 {
			if _, err := s.addLedger(tx, a, p, -total.Amount, LedgerPurchase, evAction+" "+o.Number); err != nil {
				return nil, RenewalRecord{}, err
			}
			rec.Charged = total
		}
		var inv Invoice
		if payment == RenewPayInvoice {
			var err error
			if inv, err = s.billRenewals(tx, a, p, &o, plans, out, in.PayNow); err != nil {
				return nil, RenewalRecord{}, err
			}
			rec.InvoiceID, rec.InvoiceNumber, rec.Invoiced = inv.ID, inv.Number, &inv.Total
		}
		if err := putOrder(tx, nil, &o); err != nil {
			return nil, RenewalRecord{}, err
		}
		if in.PayNow {
			// Pay now: the invoice is paid from the balance in this same
			// transaction, by the path PayInvoice takes; a short balance
			// refuses it all with the shortfall, and nothing is written.
			if err := s.payFromBalance(tx, a, inv); err != nil {
				return nil, RenewalRecord{}, err
			}
			rec.Charged = inv.Total
		}
	}
	// A renewal is a sale of its month, as a purchase is (its refund
	// takes it off again); a coupon's costs nothing.
	if total.Amount != 0 {
		if err := addSales(tx, p.ID, now, total.Currency, total.Amount); err != nil {
			return nil, RenewalRecord{}, err
		}
	}
	rec.OrderID, rec.OrderNumber = o.ID, o.Number
	return out, rec, s.audit(tx, a, "license."+evAction, o.Number, fmt.Sprintf("%d licenses, %s by %s", len(out), total, payment))
}

// openOrder is the partner's unpaid order a renewal may be added to.
func (s *Service) openOrder(tx *storage.Tx, a Actor, p Partner, id uint64) (Order, error) {
	if id == 0 {
		return Order{}, Invalid("order_id", "choose the open order to add the renewal to")
	}
	o, err := visibleOrder(tx, a, id)
	if err != nil || o.PartnerID != p.ID {
		return Order{}, Invalid("order_id", "there is no open order %d of %s", id, p.Name)
	}
	if o.State != OrderUnpaid || o.InvoiceID != 0 {
		return Order{}, Invalid("order_id", "order %s is %s; only an unpaid order not yet on an invoice takes more", o.Number, o.State)
	}
	if o.Total.Currency != p.Currency {
		return Order{}, Invalid("order_id", "order %s is in %s", o.Number, o.Total.Currency)
	}
	return o, nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// UpgradeTargets lists the editions a license of edition from may migrate
// to along the product's upgrade path (F31).
func UpgradeTargets(p Product, from string) []Edition {
	var out []Edition
	for _, e := range p.Editions {
		if e.Code != from && upgradeReachable(p, from, e.Code) {
			out = append(out, e)
		}
	}
	return out
}

package app

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"licensedesk/storage"
)

// MaxCheckout bounds how many licenses one checkout bills.
const MaxCheckout = 50000

// CheckoutInput is a checkout request: the ticked license ids, or the
// license list's filter ("select all N matching"), and the version of
// the terms the user accepted.
type CheckoutInput struct {
	LicenseIDs   []uint64          `json:"license_ids"`
	Filter       map[string]string `json:"filter"`
	TermsVersion string            `json:"terms_version"`
}

// CheckoutResult is what a checkout made: one invoice per partner and
// currency, the first of them also at the top level.
type CheckoutResult struct {
	InvoiceView
	Invoices []InvoiceView `json:"invoices"`
}

// LicenseProblem says why one license cannot be checked out.
type LicenseProblem struct {
	LicenseID uint64 `json:"license_id"`
	Key       string `json:"key,omitempty"`
	Reason    string `json:"reason"`
}

// CheckoutError refuses a checkout, naming each license and its reason.
// Nothing was written.
type CheckoutError struct {
	Kind     error // ErrNotFound, ErrConflict (in an open invoice) or nil (invalid)
	Licenses []LicenseProblem
}

func (e *CheckoutError) Error() string {
	var b strings.Builder
	b.WriteString("cannot check out: ")
	for i, p := range e.Licenses {
		if i == 20 {
			fmt.Fprintf(&b, "; and %d more", len(e.Licenses)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		name := p.Key
		if name == "" {
			name = "license " + uintStr(p.LicenseID)
		}
		b.WriteString(name + " " + p.Reason)
	}
	return b.String()
}

func (e *CheckoutError) Unwrap() error { return e.Kind }

// checkoutIDs resolves the request to license ids: the ticked ones, or
// those the list filter matches with payment pending.
func (s *Service) checkoutIDs(a Actor, in CheckoutInput) ([]uint64, error) {
	if len(in.LicenseIDs) > 0 && len(in.Filter) > 0 {
		return nil, Invalid("filter", "send license_ids or a filter, not both")
	}
	ids := slices.Clone(in.LicenseIDs)
	if len(in.Filter) > 0 {
		filters := map[string]string{}
		for k, v := range in.Filter {
			filters[k] = v
		}
		switch filters["payment_status"] {
		case "", string(PaymentPending):
			filters["payment_status"] = string(PaymentPending)
		default:
			return nil, Invalid("filter.payment_status", "only licenses with payment pending are checked out")
		}
		delete(filters, "group")
		var err error
		if ids, err = s.matchingLicenseIDs(a, ListParams{Filters: filters}); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, Invalid("filter", "no license with payment pending matches this filter")
		}
		// "Select all matching" bills what is not on an open invoice yet.
		_ = s.db.View(func(tx *storage.Tx) error {
			ids = slices.DeleteFunc(ids, func(id uint64) bool { _, taken := invoiceClaim(tx, id); return taken })
			return nil
		})
		if len(ids) == 0 {
			return nil, Invalid("filter", "every license with payment pending that matches is already on an open invoice")
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 && ids[0] == 0 {
		return nil, Invalid("license_ids", "0 is not a license id")
	}
	switch {
	case len(ids) == 0:
		return nil, Invalid("license_ids", "tick at least one license to check out")
	case len(ids) > MaxCheckout:
		return nil, Invalid("license_ids", "one checkout bills at most %d licenses; this one has %d", MaxCheckout, len(ids))
	}
	return ids, nil
}

// matchingLicenseIDs lists every license the list filter matches.
func (s *Service) matchingLicenseIDs(a Actor, p ListParams) ([]uint64, error) {
	f, err := s.parseLicenseFilter(a, p)
	if err != nil {
		return nil, err
	}
	var cand []uint64
	if f.q != "" {
		// Every match of the search (never capped), outside a transaction.
		hits, err := s.searchHits(f)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			cand = append(cand, h.id)
		}
	}
	var ids []uint64
	err = s.db.View(func(tx *storage.Tx) error {
		if f.q == "" {
			f.scan(tx, false, func(_ int64, id uint64) bool { cand = append(cand, id); return true })
		}
		slices.Sort(cand)
		for _, id := range cand {
			l, err := getLicense(tx, id)
			if errors.Is(err, ErrNotFound) {
				continue // deleted since the search
			}
			if err != nil {
				return err
			}
			if f.match(&l) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	return ids, err
}

// Checkout bills pending licenses (F26): it checks every license, prices
// each as a line with the partner's discount and the product's bulk tier,
// and makes one invoice per partner and currency, numbered from the
// gap-free invoice sequence, with the terms' acceptance — all in one
// transaction. A license already on an open invoice is refused with the
// others named, so two racing checkouts never bill one license twice.
func (s *Service) Checkout(a Actor, in CheckoutInput) (CheckoutResult, error) {
	if a.Role == "" {
		return CheckoutResult{}, ErrUnauthorized
	}
	if !a.IsOperator() && a.PartnerID == 0 {
		return CheckoutResult{}, ErrForbidden
	}
	ids, err := s.checkoutIDs(a, in)
	if err != nil {
		return CheckoutResult{}, err
	}
	accepted := strings.TrimSpace(in.TermsVersion)
	var made []uint64
	err = s.update(func(tx *storage.Tx) error {
		made = made[:0] // fn may run again (batched writes)
		terms, err := currentTerms(tx)
		if err != nil {
			return err
		}
		if accepted == "" {
			return Invalid("terms_version", "read and accept the terms (version %s) to check out", terms.Version)
		}
		if accepted != terms.Version {
			return Invalid("terms_version", "the terms changed: read and accept version %s (you accepted %s)", terms.Version, accepted)
		}
		ls, err := s.checkoutLicenses(tx, a, ids)
		if err != nil {
			return err
		}
		groups, err := s.priceCheckout(tx, ls)
		if err != nil {
			return err
		}
		for _, g := range groups {
			inv, err := s.issueInvoice(tx, a, terms, g.inv, g.lines)
			if err != nil {
				return err
			}
			made = append(made, inv.ID)
		}
		return nil
	})
	if err != nil {
		return CheckoutResult{}, err
	}
	var out CheckoutResult
	for _, id := range made {
		if err := s.mailSoon(id); err != nil {
			s.log.Error("invoice mail not queued yet; the invoice-mail job retries", "invoice", id, "err", err)
		}
		v, err := s.GetInvoice(a, id)
		if err != nil {
			return CheckoutResult{}, err
		}
		out.Invoices = append(out.Invoices, v)
	}
	out.InvoiceView = out.Invoices[0]
	return out, nil
}

// issueInvoice numbers and stores a priced invoice in the caller's
// transaction: its id, its number from the gap-free invoice sequence,
// the terms' acceptance, the seller's details, its lines and the claim on
// each line's license, the audit entry and the marker that has its mail
// with the PDF queued after the commit (mailSoon, or the invoice-mail job
// after a crash). Checkout and renewals on an invoice both make theirs here.
func (s *Service) issueInvoice(tx *storage.Tx, a Actor, terms Terms, inv Invoice, lines []InvoiceLine) (Invoice, error) {
	now := s.now()
	var err error
	if inv.ID, err = nextInvoiceID(tx); err != nil {
		return Invoice{}, err
	}
	n, err := nextNumber(tx, SeqInvoice, now.Year())
	if err != nil {
		return Invoice{}, err
	}
	inv.Number = FormatNumber("", now.Year(), n)
	inv.Created, inv.User, inv.State = now, a.Email, InvoiceOpen
	inv.Terms = TermsAcceptance{Version: terms.Version, At: now, By: a.Email}
	inv.Seller, inv.PaymentInfo = s.invoiceCfg.seller(), s.invoiceCfg.PaymentInstructions
	inv.Payments = []InvoicePayment{}
	if err := putInvoice(tx, nil, &inv); err != nil {
		return Invoice{}, err
	}
	if err := putInvoiceLines(tx, inv.ID, lines); err != nil {
		return Invoice{}, err
	}
	for _, l := range lines {
		if err := claimInvoiceLicense(tx, l.LicenseID, inv.ID); err != nil {
			return Invoice{}, err
		}
	}
	if err := s.audit(tx, a, "invoice.create", inv.Number, fmt.Sprintf("%d licenses, %s, terms %s", inv.LineCount, inv.Total, terms.Version)); err != nil {
		return Invoice{}, err
	}
	return inv, markInvoiceMail(tx, inv.ID)
}

// checkoutLicenses loads the licenses and checks each can be billed:
// the actor's own, payment pending, not cancelled, not on an open
// invoice, not billed by an unpaid order. Every problem is named.
func (s *Service) checkoutLicenses(tx *storage.Tx, a Actor, ids []uint64) ([]License, error) {
	var missing, taken, invalid []LicenseProblem
	ls := make([]License, 0, len(ids))
	numbers := map[uint64]string{}
	for _, id := range ids {
		l, err := visibleLicense(tx, a, id)
		if errors.Is(err, ErrNotFound) {
			missing = append(missing, LicenseProblem{LicenseID: id, Reason: "was not found"})
			continue
		}
		if err != nil {
			return nil, err
		}
		bad := func(reason string) { invalid = append(invalid, LicenseProblem{id, l.Key, reason}) }
		switch {
		case l.PartnerID == 0:
			bad("belongs to no partner")
			continue
		case l.Status == StatusCancelled:
			bad("is cancelled")
			continue
		case l.Payment != PaymentPending:
			bad("is already " + string(l.Payment))
			continue
		}
		if invID, ok := invoiceClaim(tx, id); ok {
			num, seen := numbers[invID]
			if !seen {
				if inv, err := getInvoice(tx, invID); err == nil {
					num = inv.Number
				}
				numbers[invID] = num
			}
			taken = append(taken, LicenseProblem{id, l.Key, "is already on open invoice " + num})
			continue
		}
		if l.OrderNumber != "" {
			if oid, ok := orderByNumber(tx, l.OrderNumber); ok {
				if o, err := getOrder(tx, oid); err == nil && o.State == OrderUnpaid {
					bad("is billed on unpaid order " + o.Number)
					continue
				}
			}
		}
		ls = append(ls, l)
	}
	switch {
	case len(missing) > 0:
		return nil, &CheckoutError{Kind: ErrNotFound, Licenses: missing}
	case len(taken) > 0:
		return nil, &CheckoutError{Kind: ErrConflict, Licenses: append(taken, invalid...)}
	case len(invalid) > 0:
		return nil, &CheckoutError{Licenses: invalid}
	}
	return ls, nil
}

// checkoutGroup is one invoice to make: a partner's licenses in one currency.
type checkoutGroup struct {
	inv   Invoice
	lines []InvoiceLine
}

// priceCheckout prices every license as one line, through the same
// pricing as orders (PriceLine), and groups the lines by partner and
// currency. The bulk tier counts the licenses of a product on the same
// invoice. Rounding is per line; totals are sums of lines.
func (s *Service) priceCheckout(tx *storage.Tx, ls []License) ([]checkoutGroup, error) {
	type groupKey struct {
		partner  uint64
		currency string
	}
	prods := map[uint64]Product{}
	partners := map[uint64]Partner{}
	byGroup := map[groupKey][]int{}
	var keys []groupKey
	var invalid []LicenseProblem
	for i, l := range ls {
		p, ok := prods[l.ProductID]
		if !ok {
			if err := tx.Get(storage.Products, storage.EncodeID(l.ProductID), &p); err != nil {
				if !errors.Is(err, ErrNotFound) {
					return nil, err
				}
				invalid = append(invalid, LicenseProblem{l.ID, l.Key, "has a product that no longer exists"})
				continue
			}
			// A license already made is billed even when its product
			// has since been taken off sale.
			p.Active = true
			prods[l.ProductID] = p
		}
		if _, ok := partners[l.PartnerID]; !ok {
			pa, err := getPartner(tx, l.PartnerID)
			if err != nil {
				return nil, err
			}
			if pa.Disabled {
				return nil, Invalid("license_ids", "%s is disabled: enable the partner before checking out its licenses", pa.Name)
			}
			partners[l.PartnerID] = pa
		}
		k := groupKey{l.PartnerID, p.Currency}
		if _, ok := byGroup[k]; !ok {
			keys = append(keys, k)
		}
		byGroup[k] = append(byGroup[k], i)
	}
	if len(invalid) > 0 {
		return nil, &CheckoutError{Licenses: invalid}
	}
	slices.SortFunc(keys, func(x, y groupKey) int {
		if x.partner != y.partner {
			return compareUint(x.partner, y.partner)
		}
		return strings.Compare(x.currency, y.currency)
	})
	type memoKey struct {
		product             uint64
		edition             string
		seats, months, tier int
	}
	var out []checkoutGroup
	for _, k := range keys {
		idx := byGroup[k]
		pa := partners[k.partner]
		billing, err := getBilling(tx, pa.ID)
		if err != nil {
			return nil, err
		}
		perProduct := map[uint64]int{}
		for _, i := range idx {
			perProduct[ls[i].ProductID]++
		}
		terms := PricingTerms{PartnerBP: pa.DiscountBP}
		memo := map[memoKey]InvoiceLine{}
		g := checkoutGroup{lines: make([]InvoiceLine, 0, len(idx))}
		for _, i := range idx {
			l := &ls[i]
			mk := memoKey{l.ProductID, l.Edition, l.Seats, l.PeriodMonths, perProduct[l.ProductID]}
			line, ok := memo[mk]
			if !ok {
				pl, err := PriceLine("license", prods[l.ProductID], BasketLine{ProductID: l.ProductID, Edition: l.Edition,
					Seats: l.Seats, PeriodMonths: l.PeriodMonths, Quantity: 1}, mk.tier, terms)
				if err != nil {
					var ve *ValidationError
					if errors.As(err, &ve) {
						invalid = append(invalid, LicenseProblem{l.ID, l.Key, "cannot be priced: " + ve.Message})
						continue
					}
					return nil, err
				}
				line = invoiceLine(pl)
				memo[mk] = line
			}
			line.LicenseID, line.Key, line.Customer = l.ID, l.Key, l.Customer
			if line.Customer == "" {
				line.Customer = l.CustomerEmail
			}
			g.lines = append(g.lines, line)
		}
		if g.inv, err = invoiceFor(pa, billing, k.currency, g.lines); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if len(invalid) > 0 {
		return nil, &CheckoutError{Licenses: invalid}
	}
	return out, nil
}

// invoiceLine is a priced line as an invoice prints it: the list price,
// the bulk tier and the partner discount taken off, the total.
func invoiceLine(pl PricedLine) InvoiceLine {
	line := InvoiceLine{ProductID: pl.ProductID, ProductName: pl.ProductName, Edition: pl.Edition, EditionName: pl.EditionName,
		Seats: pl.Seats, PeriodMonths: pl.PeriodMonths, List: pl.List, Total: pl.Total}
	for _, st := range pl.Steps {
		switch st.Kind {
		case "bulk":
			line.BulkBP, line.Bulk = st.BP, -st.Amount
		case "partner":
			line.PartnerBP, line.Partner = st.BP, -st.Amount
		}
	}
	return line
}

// invoiceFor is the unnumbered invoice of a partner billing lines in one
// currency: the sums of the lines, and the tax of the partner's billing
// details on their subtotal (rounded half-up once, on the subtotal).
func invoiceFor(pa Partner, billing PartnerBilling, cur string, lines []InvoiceLine) (Invoice, error) {
	var list, disc, sub int64
	for i := range lines {
		line := &lines[i]
		if list > math.MaxInt64-line.List || sub > math.MaxInt64-line.Total {
			return Invoice{}, Invalid("license_ids", "the invoice total is too large to compute; bill fewer licenses")
		}
		list, disc, sub = list+line.List, disc+line.Discount(), sub+line.Total
	}
	tax := bpOfHalfUp(sub, billing.TaxBP)
	if sub > math.MaxInt64-tax {
		return Invoice{}, Invalid("license_ids", "the invoice total is too large to compute; bill fewer licenses")
	}
	return Invoice{PartnerID: pa.ID, PartnerName: pa.Name, Currency: cur, LineCount: len(lines),
		ListTotal: Money{list, cur}, Discount: Money{disc, cur}, Subtotal: Money{sub, cur},
		TaxBP: billing.TaxBP, Tax: Money{tax, cur}, Total: Money{sub + tax, cur}, Paid: Money{0, cur},
		ReverseCharge: billing.TaxBP == 0 && billing.VATID != "", Billing: billingParty(pa, billing)}, nil
}

func compareUint(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// CheckoutPreview is what a checkout would bill, shown with the terms
// before the user accepts them. Nothing is written.
type CheckoutPreview struct {
	LicenseIDs []uint64         `json:"license_ids"`
	Invoices   []InvoiceSummary `json:"invoices"` // without number: not made yet
	Terms      Terms            `json:"terms"`
}

// PreviewCheckout prices a checkout without making it.
func (s *Service) PreviewCheckout(a Actor, in CheckoutInput) (CheckoutPreview, error) {
	if a.Role == "" {
		return CheckoutPreview{}, ErrUnauthorized
	}
	if !a.IsOperator() && a.PartnerID == 0 {
		return CheckoutPreview{}, ErrForbidden
	}
	ids, err := s.checkoutIDs(a, in)
	if err != nil {
		return CheckoutPreview{}, err
	}
	out := CheckoutPreview{LicenseIDs: ids}
	err = s.db.View(func(tx *storage.Tx) error {
		if out.Terms, err = currentTerms(tx); err != nil {
			return err
		}
		ls, err := s.checkoutLicenses(tx, a, ids)
		if err != nil {
			return err
		}
		groups, err := s.priceCheckout(tx, ls)
		if err != nil {
			return err
		}
		for _, g := range groups {
			out.Invoices = append(out.Invoices, g.inv.summary())
		}
		return nil
	})
	return out, err
}

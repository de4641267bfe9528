package app

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Views are the quick filters of the license list (F9).
const (
	ViewAll      = "all"
	ViewExpiring = "expiring" // active, ending within the expiring window
	ViewExpired  = "expired"
	ViewUnused   = "unused"  // bought, never activated: coupons
	ViewPending  = "pending" // payment pending: to check out (F26)
)

// LicensePage is one page of the license list.
type LicensePage struct {
	Page[LicenseView]
}

// licenseFilter is a parsed list request.
type licenseFilter struct {
	partner    uint64
	hasPartner bool
	status     Status
	product    uint64
	lo, hi     int64 // valid_to range, as sort values
	post       []func(*License) bool
	q          string
	terms      []search.Term

	// Post filters the in-memory copy also checks (license_views.go):
	// colPost counts them among post.
	editionLow string
	payment    uint8
	period     int32
	hasPeriod  bool
	colPost    int
}

func (f *licenseFilter) mask() byte {
	var m byte
	if f.hasPartner {
		m |= maskPartner
	}
	if f.status != "" {
		m |= maskStatus
	}
	if f.product != 0 {
		m |= maskProduct
	}
	return m
}

// match applies every filter to a loaded license.
func (f *licenseFilter) match(l *License) bool {
	if l.Deleted != nil || f.hasPartner && l.PartnerID != f.partner || f.status != "" && l.Status != f.status ||
		f.product != 0 && l.ProductID != f.product {
		return false
	}
	if v := validToSort(l); v < f.lo || v > f.hi {
		return false
	}
	for _, t := range f.terms {
		if t.Infix && !t.Matches(l.Key, l.IP, l.OrderNumber, l.Name, l.Notes, l.Customer, l.CustomerEmail) {
			return false
		}
	}
	for _, p := range f.post {
		if !p(l) {
			return false
		}
	}
	return true
}

func parseDay(field, v string, end bool) (time.Time, error) {
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, Invalid(field, "%q is not a date like 2026-12-31", v)
	}
	if end {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t, nil
}

func parseUint(field, v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, Invalid(field, "%q is not a number", v)
	}
	return n, nil
}

// licenseFilters lists the accepted filter names, for a clear error on a typo.
var licenseFilters = []string{"q", "view", "days", "id", "name", "key", "ip", "product_id", "edition", "period_months",
	"status", "payment_status", "customer", "distributor_id", "partner_id", "order_number",
	"valid_from_after", "valid_from_before", "valid_to_after", "valid_to_before", "purchased_after", "purchased_before", "group"}

// parseLicenseFilter turns list parameters into a filter. A partner is
// always limited to its own licenses; its partner_id, if any, must be
// its own (another partner's is not found).
func (s *Service) parseLicenseFilter(a Actor, p ListParams) (*licenseFilter, error) {
	f := &licenseFilter{lo: math.MinInt64, hi: noDate}
	for k := range p.Filters {
		if !slices.Contains(licenseFilters, k) {
			return nil, Invalid(k, "is not a license filter; use one of %s", strings.Join(licenseFilters, ", "))
		}
	}
	get := p.Filter
	if v := get("group"); v != "" && !slices.Contains(GroupBy, v) {
		return nil, Invalid("group", "group by %s, not %q", strings.Join(GroupBy, ", "), v)
	}
	if !a.IsOperator() {
		f.partner, f.hasPartner = a.PartnerID, true
		if a.PartnerID == 0 {
			return nil, ErrForbidden
		}
		if err := ownPartnerFilter(a, get("partner_id")); err != nil {
			return nil, err
		}
	} else if v := get("partner_id"); v != "" {
		n, err := parseUint("partner_id", v)
		if err != nil {
			return nil, err
		}
		f.partner, f.hasPartner = n, true
	}
	if v := get("status"); v != "" {
		if !Status(v).Valid() {
			return nil, Invalid("status", "must be one of %s", statusList())
		}
		f.status = Status(v)
	}
	if v := get("product_id"); v != "" {
		n, err := parseUint("product_id", v)
		if err != nil {
			return nil, err
		}
		f.product = n
	}
	now := s.now()
	switch view := get("view"); view {
	case "", ViewAll:
	case ViewExpiring:
		days := s.expiringDays
		if v := get("days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 3650 {
				return nil, Invalid("days", "must be a number of days from 1 to 3650")
			}
			days = n
		}
		if f.status == "" {
			f.status = StatusActive
		}
		f.lo, f.hi = now.Unix(), now.AddDate(0, 0, days).Unix()
	case ViewExpired:
		if f.status != "" && f.status != StatusExpired {
			return nil, Invalid("status", "the expired view shows expired licenses only")
		}
		f.status = StatusExpired
	case ViewUnused:
		if f.status != "" && f.status != StatusOrdered {
			return nil, Invalid("status", "the unused view shows unused (ordered) licenses only")
		}
		f.status = StatusOrdered
	case ViewPending:
		if v := get("payment_status"); v != "" && v != string(PaymentPending) {
			return nil, Invalid("payment_status", "the payment pending view shows licenses with payment pending only")
		}
		f.post = append(f.post, func(l *License) bool { return l.Payment == PaymentPending })
	default:
		return nil, Invalid("view", "must be expiring, expired, unused, pending or all")
	}
	for _, r := range []struct {
		name string
		end  bool
		lo   bool
	}{{"valid_to_after", false, true}, {"valid_to_before", true, false}} {
		if v := get(r.name); v != "" {
			t, err := parseDay(r.name, v, r.end)
			if err != nil {
				return nil, err
			}
			if r.lo {
				f.lo = max(f.lo, t.Unix())
			} else {
				f.hi = min(f.hi, t.Unix())
			}
			// A range on the end date holds only licenses that have one:
			// an unused key's period has not started.
			f.hi = min(f.hi, noDate-1)
		}
	}
	addPost := func(fn func(*License) bool) { f.post = append(f.post, fn) }
	text := func(name string, val func(*License) string) {
		if v := get(name); v != "" {
			addPost(func(l *License) bool { return containsFold(val(l), v) })
		}
	}
	text("name", func(l *License) string { return l.Name })
	text("ip", func(l *License) string { return l.IP })
	text("edition", func(l *License) string { return l.Edition })
	if v := get("edition"); v != "" {
		f.editionLow = strings.ToLower(v)
		f.colPost++
	}
	text("order_number", func(l *License) string { return l.OrderNumber })
	text("customer", func(l *License) string { return l.Customer + " " + l.CustomerEmail })
	if v := get("key"); v != "" {
		k := NormaliseKey(v)
		addPost(func(l *License) bool { return strings.Contains(NormaliseKey(l.Key), k) })
	}
	if v := get("id"); v != "" {
		n, err := parseUint("id", v)
		if err != nil {
			return nil, err
		}
		addPost(func(l *License) bool { return l.ID == n })
	}
	if v := get("period_months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, Invalid("period_months", "%q is not a number of months", v)
		}
		addPost(func(l *License) bool { return l.PeriodMonths == n })
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			f.period, f.hasPeriod = int32(n), true
			f.colPost++
		}
	}
	if v := get("payment_status"); v != "" {
		if !Payment(v).Valid() {
			return nil, Invalid("payment_status", "must be pending, paid or refunded")
		}
		addPost(func(l *License) bool { return string(l.Payment) == v })
		f.payment = paymentCode(Payment(v))
		f.colPost++
	}
	if v := get("distributor_id"); v != "" {
		n, err := parseUint("distributor_id", v)
		if err != nil {
			return nil, err
		}
		addPost(func(l *License) bool { return l.DistributorID == n })
	}
	for _, r := range []struct {
		name string
		end  bool
		get  func(*License) *time.Time
	}{
		{"valid_from_after", false, func(l *License) *time.Time { return l.ValidFrom }},
		{"valid_from_before", true, func(l *License) *time.Time { return l.ValidFrom }},
		{"purchased_after", false, func(l *License) *time.Time { return &l.Purchased }},
		{"purchased_before", true, func(l *License) *time.Time { return &l.Purchased }},
	} {
		if v := get(r.name); v != "" {
			t, err := parseDay(r.name, v, r.end)
			if err != nil {
				return nil, err
			}
			after := strings.HasSuffix(r.name, "_after")
			getT := r.get
			addPost(func(l *License) bool {
				lt := getT(l)
				if lt == nil {
					return false
				}
				// Whole seconds, as the valid_to range and the index
				// compare: a day's "until" (23:59:59) holds its last
				// second whatever fraction of it.
				if after {
					return lt.Unix() >= t.Unix()
				}
				return lt.Unix() <= t.Unix()
			})
		}
	}
	if q := get("q"); q != "" {
		if err := search.Check(q); err != nil {
			return nil, Invalid("q", "%s", err.Error())
		}
		f.q = q
		f.terms = search.Parse(q)
		if len(f.terms) == 0 {
			f.q = ""
		}
	}
	return f, nil
}

// licenseSorts are the columns a list can be sorted by.
var licenseSorts = map[string]func(*License) any{
	"valid_to":       func(l *License) any { return validToSort(l) },
	"id":             func(l *License) any { return l.ID },
	"purchased":      func(l *License) any { return l.ID },
	"valid_from":     func(l *License) any { return timeSort(l.ValidFrom) },
	"name":           func(l *License) any { return l.Name },
	"key":            func(l *License) any { return NormaliseKey(l.Key) }, // as typed or grouped alike
	"status":         func(l *License) any { return string(l.Status) },
	"payment_status": func(l *License) any { return string(l.Payment) },
	"customer":       func(l *License) any { return l.Customer },
	"product":        func(l *License) any { return l.ProductName },
	"edition":        func(l *License) any { return l.Edition },
	"seats":          func(l *License) any { return l.Seats },
	"period_months":  func(l *License) any { return l.PeriodMonths },
	"partner_id":     func(l *License) any { return l.PartnerID },
	"ip":             func(l *License) any { return l.IP },
	"order_number":   func(l *License) any { return l.OrderNumber },
}

func timeSort(t *time.Time) int64 {
	if t == nil {
		return noDate
	}
	return t.Unix()
}

func parseLicenseSort(s string) (string, bool, error) {
	if s == "" {
		s = "valid_to"
	}
	desc := strings.HasPrefix(s, "-")
	field := strings.TrimPrefix(s, "-")
	if _, ok := licenseSorts[field]; !ok {
		names := make([]string, 0, len(licenseSorts))
		for k := range licenseSorts {
			names = append(names, k)
		}
		slices.Sort(names)
		return "", false, Invalid("sort", "cannot sort by %q; use one of %s (prefix - for descending)", field, strings.Join(names, ", "))
	}
	return field, desc, nil
}

// ListLicenses answers the license list: filters, quick views, search,
// sort and paging (F8–F10). Partners see only their own licenses.
func (s *Service) ListLicenses(a Actor, p ListParams) (LicensePage, error) {
	p = p.norm()
	f, err := s.parseLicenseFilter(a, p)
	if err != nil {
		return LicensePage{}, err
	}
	field, desc, err := parseLicenseSort(p.Sort)
	if err != nil {
		return LicensePage{}, err
	}
	out := LicensePage{Page: Page[LicenseView]{Page: p.Page, PerPage: p.PerPage, Items: []LicenseView{}}}
	skip := (p.Page - 1) * p.PerPage
	var ids []uint64
	var hits []colHit
	pagedSearch := f.q != "" && len(f.post) == 0 && field == "valid_to"
	switch {
	case pagedSearch:
		// Every match is counted with its end date: the total is exact,
		// and only the page is kept and its records read.
		if ids, out.Total, err = s.searchPageByExpiry(f, desc, skip, p.PerPage); err != nil {
			return LicensePage{}, err
		}
	case f.q != "":
		// Before the read transaction: it may wait for the index.
		if hits, err = s.searchHits(f); err != nil {
			return LicensePage{}, err
		}
	}
	// Sorts other than by end date (which the bbolt index answers) come
	// from the in-memory copy once it is built (license_views.go).
	fromCols := false
	if len(f.post) == f.colPost && field != "valid_to" {
		if f.q == "" {
			s.waitIndexed() // the copy is fed by the indexer: see every committed write
		}
		ids, out.Total, fromCols = s.cols.sortedPage(f, hits, f.q != "", field, desc, skip, p.PerPage)
	}
	err = s.db.View(func(tx *storage.Tx) error {
		switch {
		case fromCols:
			// ids and the total are known; a row deleted since is left out.
			for _, id := range ids {
				if l, err := getLicense(tx, id); err == nil {
					out.Items = append(out.Items, l.view())
				}
			}
			return nil
		case pagedSearch:
			// ids and the total are known.
		case f.q != "":
			rows := make([]sortRow, 0, len(hits))
			for _, h := range hits {
				l, err := getLicense(tx, h.id)
				if err != nil {
					continue // deleted since it was found
				}
				if f.match(&l) {
					rows = append(rows, newSortRow(&l, field, 0))
				}
			}
			sortRows(rows, desc)
			out.Total = len(rows)
			for _, r := range rows[min(skip, len(rows)):min(skip+p.PerPage, len(rows))] {
				ids = append(ids, r.id)
			}
		case len(f.post) == 0 && field == "valid_to" && f.unbounded():
			// The total from the counters; keys only up to the page.
			out.Total = f.total(tx)
			n := 0
			f.scan(tx, desc, func(_ int64, id uint64) bool {
				if n >= skip {
					ids = append(ids, id)
				}
				n++
				return len(ids) < p.PerPage
			})
		case len(f.post) == 0 && field == "valid_to":
			// Keys only: count the range, load just the page.
			f.scan(tx, desc, func(_ int64, id uint64) bool {
				if out.Total >= skip && len(ids) < p.PerPage {
					ids = append(ids, id)
				}
				out.Total++
				return true
			})
		case len(f.post) == 0 && (field == "id" || field == "purchased"):
			var all []uint64
			f.scan(tx, false, func(_ int64, id uint64) bool { all = append(all, id); return true })
			slices.Sort(all)
			if desc {
				slices.Reverse(all)
			}
			out.Total = len(all)
			ids = all[min(skip, len(all)):min(skip+p.PerPage, len(all))]
		default:
			// Filters or a sort that need the record: load each candidate
			// and keep only its sort key, so memory stays small.
			// Records are read in id order, near-sequentially in the
			// file, rather than in the index's expiry order.
			var cand []uint64
			f.scan(tx, false, func(_ int64, id uint64) bool { cand = append(cand, id); return true })
			slices.Sort(cand)
			var rows []sortRow
			for _, id := range cand {
				l, err := getLicense(tx, id)
				if errors.Is(err, storage.ErrCorrupt) {
					s.corruptRecord("license", id, err)
					continue
				}
				if err != nil {
					return err
				}
				if f.match(&l) {
					rows = append(rows, newSortRow(&l, field, 0))
				}
			}
			_ = tx.ReleaseMapped() // a scan of many records: see the export
			sortRows(rows, desc)
			out.Total = len(rows)
			for _, r := range rows[min(skip, len(rows)):min(skip+p.PerPage, len(rows))] {
				ids = append(ids, r.id)
			}
		}
		for _, id := range ids {
			l, err := getLicense(tx, id)
			if errors.Is(err, storage.ErrCorrupt) {
				s.corruptRecord("license", id, err)
				continue
			}
			if err != nil {
				return err
			}
			out.Items = append(out.Items, l.view())
		}
		return nil
	})
	if err != nil {
		return LicensePage{}, err
	}
	s.addPartnerIDs(out.Items)
	return out, nil
}

// sortRow is one license's sort key, computed once: a case-folded string
// or a number, then the id to break ties. Comparing rows allocates nothing.
type sortRow struct {
	s  string
	n  int64
	id uint64
	i  int // position in the caller's slice
}

func newSortRow(l *License, field string, i int) sortRow {
	r := sortRow{id: l.ID, i: i}
	switch v := licenseSorts[field](l).(type) {
	case string:
		r.s = strings.ToLower(v)
	case int:
		r.n = int64(v)
	case int64:
		r.n = v
	case uint64:
		r.n = int64(v)
	}
	return r
}

func sortRows(rows []sortRow, desc bool) {
	slices.SortFunc(rows, func(x, y sortRow) int {
		c := cmp.Compare(x.s, y.s)
		if c == 0 {
			c = cmp.Compare(x.n, y.n)
		}
		if c == 0 {
			c = cmp.Compare(x.id, y.id)
		}
		if desc {
			return -c
		}
		return c
	})
}

// addPartnerIDs fills the public partner ID of each row.
func (s *Service) addPartnerIDs(items []LicenseView) {
	cache := map[uint64]string{}
	s.db.View(func(tx *storage.Tx) error {
		for i := range items {
			id := items[i].PartnerID
			if id == 0 {
				continue
			}
			pub, ok := cache[id]
			if !ok {
				if p, err := getPartner(tx, id); err == nil {
					pub = p.PublicID
				}
				cache[id] = pub
			}
			items[i].PartnerPublicID = pub
		}
		return nil
	})
}

package app

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Sorted and grouped views of the license list from the in-memory copy
// (licenseCols): a sort by any column is a walk of a cached order of
// every row, kept exact between rebuilds by merging the rows changed
// since (the copy's change log); a group is one pass counting rows by the
// column. Both read only the copy; the page's records come from bbolt.

// colDict interns the repeated texts of the copy: customers, editions
// and product names are few compared with licenses. Index 0 is "".
type colDict struct {
	vals, low []string
	idx       map[string]uint32
}

func newColDict() colDict {
	return colDict{vals: []string{""}, low: []string{""}, idx: map[string]uint32{"": 0}}
}

func (d *colDict) intern(s string) uint32 {
	if d.idx == nil {
		*d = newColDict()
	}
	if i, ok := d.idx[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := uint32(len(d.vals))
	d.vals = append(d.vals, s)
	d.low = append(d.low, strings.ToLower(s))
	d.idx[s] = i
	return i
}

func paymentCode(p Payment) uint8 {
	for i, x := range Payments {
		if x == p {
			return uint8(i + 1)
		}
	}
	return 0
}

// colOrder is every row of the copy sorted by one column, ascending, ties
// by id, as of position at in the change log.
type colOrder struct {
	ids []uint32
	at  int
	gen uint64
}

// smallResult is the most search hits sorted on their own rather than
// by walking a column's order.
const smallResult = 20000

// maxOrderLag is how many changes a cached order absorbs by merging
// before it is sorted again.
const maxOrderLag = 20000

// colSegment is the i-th text of a row's search string (0 key, 1 IP,
// 2 order number).
func colSegment(all string, i int) string {
	for ; i > 0; i-- {
		j := strings.IndexByte(all, 0)
		if j < 0 {
			return ""
		}
		all = all[j+1:]
	}
	if j := strings.IndexByte(all, 0); j >= 0 {
		return all[:j]
	}
	return all
}

// keyFunc returns the sort key of a row for a column of licenseSorts, as
// newSortRow computes it from the record. Call with c.mu held.
func (c *licenseCols) keyFunc(field string) func(id uint64) sortRow {
	rows, dict := c.rows, &c.dict
	num := func(f func(r *colRow) int64) func(uint64) sortRow {
		return func(id uint64) sortRow { return sortRow{n: f(&rows[id]), id: id} }
	}
	str := func(f func(r *colRow) string) func(uint64) sortRow {
		return func(id uint64) sortRow { return sortRow{s: f(&rows[id]), id: id} }
	}
	switch field {
	case "valid_to":
		return num(func(r *colRow) int64 { return r.validTo })
	case "valid_from":
		return num(func(r *colRow) int64 { return r.validFrom })
	case "seats":
		return num(func(r *colRow) int64 { return int64(r.seats) })
	case "period_months":
		return num(func(r *colRow) int64 { return int64(r.period) })
	case "partner_id":
		return num(func(r *colRow) int64 { return int64(r.partner) })
	case "name":
		return str(func(r *colRow) string { return r.nameLow })
	case "customer":
		return str(func(r *colRow) string { return dict.low[r.cust] })
	case "product":
		return str(func(r *colRow) string { return dict.low[r.prodName] })
	case "edition":
		return str(func(r *colRow) string { return dict.low[r.edition] })
	case "status":
		return str(func(r *colRow) string { return string(allStatuses[r.status-1]) })
	case "payment_status":
		return str(func(r *colRow) string {
			if r.payment == 0 {
				return ""
			}
			return string(Payments[r.payment-1])
		})
	case "key":
		return str(func(r *colRow) string { return strings.ToLower(r.all[:r.keyLen]) })
	case "ip":
		return str(func(r *colRow) string { return strings.ToLower(colSegment(r.all, 1)) })
	case "order_number":
		return str(func(r *colRow) string { return strings.ToLower(colSegment(r.all, 2)) })
	}
	return num(func(*colRow) int64 { return 0 }) // id, purchased: the id alone
}

func compareSortRows(x, y sortRow) int {
	c := cmp.Compare(x.s, y.s)
	if c == 0 {
		c = cmp.Compare(x.n, y.n)
	}
	if c == 0 {
		c = cmp.Compare(x.id, y.id)
	}
	return c
}

// order returns the cached order of field, sorting every row again when
// there is none or it lags too far. The rows' keys are taken under the
// read lock and sorted without it, so writes are not held up; the order
// is exact as of the change-log position taken with them. nil when the
// copy is not built.
func (c *licenseCols) order(field string) *colOrder {
	c.ordersMu.Lock()
	defer c.ordersMu.Unlock() // one sort at a time
	c.mu.RLock()
	if !c.ready {
		c.mu.RUnlock()
		return nil
	}
	if o := c.orders[field]; o != nil && len(c.changed)-o.at <= maxOrderLag {
		c.mu.RUnlock()
		return o
	}
	key := c.keyFunc(field)
	rows := make([]sortRow, 0, c.packed+len(c.dirty))
	for id := range c.rows {
		if c.rows[id].status != 0 {
			rows = append(rows, key(uint64(id)))
		}
	}
	at, gen := len(c.changed), c.gen
	c.mu.RUnlock()
	// Sorted in parallel chunks, then merged.
	parts := runtime.GOMAXPROCS(0)
	if len(rows) < 50000 {
		parts = 1
	}
	size := (len(rows) + parts - 1) / parts
	var wg sync.WaitGroup
	var chunks [][]sortRow
	for p := range parts {
		ch := rows[min(p*size, len(rows)):min((p+1)*size, len(rows))]
		chunks = append(chunks, ch)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slices.SortFunc(ch, compareSortRows)
		}()
	}
	wg.Wait()
	ids := make([]uint32, 0, len(rows))
	pos := make([]int, len(chunks))
	for len(ids) < len(rows) {
		best := -1
		for i, ch := range chunks {
			if pos[i] < len(ch) && (best < 0 || compareSortRows(ch[pos[i]], chunks[best][pos[best]]) < 0) {
				best = i
			}
		}
		ids = append(ids, uint32(chunks[best][pos[best]].id))
		pos[best]++
	}
	o := &colOrder{ids: ids, at: at, gen: gen}
	c.mu.Lock() // the copy may have been rebuilt meanwhile
	if c.gen == gen {
		if c.orders == nil {
			c.orders = map[string]*colOrder{}
		}
		c.orders[field] = o
	}
	c.mu.Unlock()
	return o
}

// prebuildOrders sorts the columns users sort by most, in the background
// after the copy is built, so the first of these sorts is quick.
func (c *licenseCols) prebuildOrders(stop <-chan struct{}) {
	for _, f := range []string{"name", "customer", "product"} {
		select {
		case <-stop:
			return
		default:
		}
		c.order(f)
	}
}

// colMemo is a count or group result, valid while the copy has not
// changed since (at, gen).
type colMemo struct {
	at  int
	gen uint64
	v   any
}

// memoGet returns a remembered result. Call with c.mu held.
func (c *licenseCols) memoGet(key string) (any, bool) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	m, ok := c.memo[key]
	if !ok || m.at != len(c.changed) || m.gen != c.gen {
		return nil, false
	}
	return m.v, true
}

// memoPut remembers a result. Call with c.mu held.
func (c *licenseCols) memoPut(key string, v any) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	if c.memo == nil || len(c.memo) > 256 {
		c.memo = map[string]colMemo{}
	}
	c.memo[key] = colMemo{at: len(c.changed), gen: c.gen, v: v}
}

// memoKey names the copy's part of a filter; "" when a search is part of
// it (not remembered).
func memoKey(kind string, f *licenseFilter, searched bool) string {
	if searched {
		return ""
	}
	return fmt.Sprint(kind, "|", f.hasPartner, f.partner, "|", f.status, "|", f.product, "|", f.lo, "|", f.hi,
		"|", f.payment, "|", f.hasPeriod, f.period, "|", f.editionLow)
}

// colPass is the part of a filter the copy checks: partner, status,
// product and end-date range, and (when in is set) the search's hits.
type colPass struct {
	f    *licenseFilter
	st   uint8
	in   []uint64 // a bit per id; nil for every row
	dict *colDict
}

func (c *licenseCols) newPass(f *licenseFilter, hits []colHit, searched bool) colPass {
	p := colPass{f: f, st: statusCode(f.status), dict: &c.dict}
	if searched {
		p.in = make([]uint64, len(c.rows)/64+1)
		for _, h := range hits {
			if h.id < uint64(len(c.rows)) {
				p.in[h.id/64] |= 1 << (h.id % 64)
			}
		}
	}
	return p
}

func (p *colPass) ok(r *colRow, id uint64) bool {
	f := p.f
	if r.status == 0 || p.st != 0 && r.status != p.st || f.hasPartner && r.partner != f.partner ||
		f.product != 0 && r.product != f.product || r.validTo < f.lo || r.validTo > f.hi ||
		f.payment != 0 && r.payment != f.payment || f.hasPeriod && r.period != f.period ||
		f.editionLow != "" && !strings.Contains(p.dict.low[r.edition], f.editionLow) {
		return false
	}
	return p.in == nil || p.in[id/64]&(1<<(id%64)) != 0
}

// count counts the rows that pass, in parallel chunks.
func (c *licenseCols) count(p *colPass) int {
	parts := runtime.GOMAXPROCS(0)
	if len(c.rows) < 50000 {
		parts = 1
	}
	size := (len(c.rows) + parts - 1) / parts
	counts := make([]int, parts)
	var wg sync.WaitGroup
	for part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for id := min(part*size, len(c.rows)); id < min((part+1)*size, len(c.rows)); id++ {
				if p.ok(&c.rows[id], uint64(id)) {
					n++
				}
			}
			counts[part] = n
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return total
}

// sortedPage answers a list page sorted by field from the copy: the ids
// of rows skip..skip+n in (field, id) order, and the total that pass. ok
// is false while the copy is not built.
func (c *licenseCols) sortedPage(f *licenseFilter, hits []colHit, searched bool, field string, desc bool, skip, n int) (ids []uint64, total int, ok bool) {
	var o *colOrder
	if !searched || len(hits) > smallResult {
		if o = c.order(field); o == nil {
			return nil, 0, false
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready || o != nil && o.gen != c.gen {
		return nil, 0, false
	}
	p := c.newPass(f, hits, searched)
	mk := memoKey("count", f, searched)
	if v, ok := c.memoGet(mk); ok && mk != "" {
		total = v.(int)
	} else {
		total = c.count(&p)
		if mk != "" {
			c.memoPut(mk, total)
		}
	}
	if skip >= total {
		return []uint64{}, total, true
	}
	key := c.keyFunc(field)
	less := func(x, y sortRow) bool {
		if desc {
			return compareSortRows(x, y) > 0
		}
		return compareSortRows(x, y) < 0
	}
	// A small result is sorted on its own.
	if o == nil {
		rows := make([]sortRow, 0, len(hits))
		for _, h := range hits {
			if h.id < uint64(len(c.rows)) && p.ok(&c.rows[h.id], h.id) {
				rows = append(rows, key(h.id))
			}
		}
		slices.SortFunc(rows, func(x, y sortRow) int {
			if less(x, y) {
				return -1
			}
			return 1
		})
		for _, r := range rows[min(skip, len(rows)):min(skip+n, len(rows))] {
			ids = append(ids, r.id)
		}
		return ids, len(rows), true
	}
	// Rows changed since the order was made are left out of the walk and
	// merged in at their current place.
	moved := map[uint64]bool{}
	var extra []sortRow
	for _, id := range c.changed[o.at:] {
		if moved[id] {
			continue
		}
		moved[id] = true
		if id < uint64(len(c.rows)) && p.ok(&c.rows[id], id) {
			extra = append(extra, key(id))
		}
	}
	slices.SortFunc(extra, func(x, y sortRow) int {
		if less(x, y) {
			return -1
		}
		return 1
	})
	seen := 0
	emit := func(id uint64) bool {
		if seen >= skip {
			ids = append(ids, id)
		}
		seen++
		return len(ids) < n
	}
	step := func(id uint64) bool {
		if len(moved) > 0 && moved[id] || !p.ok(&c.rows[id], id) {
			return true
		}
		if len(extra) > 0 {
			k := key(id)
			for len(extra) > 0 && less(extra[0], k) {
				if !emit(extra[0].id) {
					return false
				}
				extra = extra[1:]
			}
		}
		return emit(id)
	}
	if desc {
		for i := len(o.ids) - 1; i >= 0; i-- {
			if !step(uint64(o.ids[i])) {
				return ids, total, true
			}
		}
	} else {
		for _, id := range o.ids {
			if !step(uint64(id)) {
				return ids, total, true
			}
		}
	}
	for _, r := range extra {
		if !emit(r.id) {
			break
		}
	}
	if ids == nil {
		ids = []uint64{}
	}
	return ids, total, true
}

package app

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// licenseCols is a compact in-memory copy of the license columns that
// search and the list's filters read: key, IP and order number, the text
// fields (name, notes, customer) lower-cased, and partner, status,
// product and end date.
//
// A search term of one or two characters (`*A*`) has no trigram to look
// up and, in Bleve, walks the postings of most of the index (seconds at a
// million licenses); here it is a scan of the rows in parallel chunks,
// tens of milliseconds.
// Every infix term is answered this way, so totals are exact and nothing
// is capped. The copy is derived data like the search index: built from
// bbolt at start-up in the background and kept current by the indexer,
// which refreshes each license the change log names. Until it is built,
// searches use Bleve.
//
// It is laid out by column so it can grow into the sort and group copy of
// the list (more columns, same rows, same refresh path).
type licenseCols struct {
	mu      sync.RWMutex
	ready   bool
	pending map[uint64]bool // changed while the copy was being built
	rows    []colRow        // by license id; a zero row is no license
	scans   []colScan       // by license id: what a search scan reads first
	pairs2  []pairBits      // by license id: the second hash of each row's pairs
	// common numbers the 64 pairs of adjacent characters found in the
	// most rows when the copy was built; commonBits says exactly which of
	// them each row holds (by license id).
	common     *commonPairs
	commonBits []uint64

	// Every row's text is a slice of one string made when the copy is
	// packed (packLocked), so a million rows' texts are one allocation
	// rather than a million. packed counts the rows then; rows changed
	// since (dirty) have their own text, and when a quarter of them have,
	// the copy is packed again.
	packed int
	dirty  map[uint64]bool

	stop  chan struct{}
	done  chan struct{}
	built chan struct{} // closed when a build ends (ready or failed)

	// The sort and group columns (license_views.go): dict interns the
	// repeated texts (customer, edition, product name) that rows point
	// into; changed logs every id refreshed since the build, so a cached
	// sort order knows which rows moved; gen counts builds.
	dict     colDict
	changed  []uint64
	gen      uint64
	ordersMu sync.Mutex
	orders   map[string]*colOrder // by column; see order
	memoMu   sync.Mutex
	memo     map[string]colMemo // counts and groups by filter, while nothing changes
}

// colRow is one license. status 0 means none (deleted or never stored).
type colRow struct {
	// all is the key (without dashes), then the IP, order number, name,
	// notes, customer and customer e-mail, upper case, separated by 0x00
	// (which no search term holds): one string searched once per term.
	// keyLen is where the key ends.
	all     string
	validTo int64 // validToSort
	partner uint64
	product uint64
	keyLen  uint8
	status  uint8 // 1 + index in allStatuses

	// Sort and group columns.
	nameLow   string // name, lower-cased
	validFrom int64  // timeSort
	cust      uint32 // customer, in the dict
	edition   uint32 // edition, in the dict
	prodName  uint32 // product name, in the dict
	seats     int32
	period    int32
	payment   uint8 // 1 + index in Payments
}

func statusCode(st Status) uint8 {
	for i, s := range allStatuses {
		if s == st {
			return uint8(i + 1)
		}
	}
	return 0
}

// colsChunk bounds the licenses read per transaction while building.
const colsChunk = 20000

// startCols builds the copy in the background.
func (s *Service) startCols() {
	c := &s.cols
	c.mu.Lock()
	c.ready = false
	c.pending = map[uint64]bool{}
	stop := make(chan struct{})
	c.stop = stop
	c.done = make(chan struct{})
	built := make(chan struct{})
	c.built = built
	c.mu.Unlock()
	go func() {
		defer close(c.done)
		err := s.buildCols()
		close(built)
		if err != nil {
			s.log.Error("in-memory license copy not built; searches use the index alone", "err", err)
			return
		}
		c.prebuildOrders(stop)
	}()
}

// waitCols waits, at most bound, for the copy to be built; it reports
// whether it is ready.
func (c *licenseCols) wait(bound time.Duration) bool {
	c.mu.RLock()
	ready, built := c.ready, c.built
	c.mu.RUnlock()
	if ready || built == nil {
		return ready
	}
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-built:
	case <-t.C:
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ready
}

// rebuildCols builds the copy again from the data (after a reindex: bulk
// loads write records without change-log entries).
func (s *Service) rebuildCols() {
	if s.cols.stop == nil {
		return // not started yet: Open builds it
	}
	s.stopCols()
	s.startCols()
}

func (s *Service) stopCols() {
	if s.cols.stop == nil {
		return
	}
	close(s.cols.stop)
	<-s.cols.done
	s.cols.stop = nil
}

func (s *Service) buildCols() error {
	c := &s.cols
	var rows []colRow
	dict := newColDict()
	after := uint64(0)
	for {
		select {
		case <-c.stop:
			return nil
		default:
		}
		n := 0
		err := s.db.View(func(tx *storage.Tx) error {
			var err error
			tx.EachFrom(storage.Licenses, storage.EncodeID(after+1), func(k, v []byte) bool {
				id := storage.DecodeID(k)
				var l License
				if l, err = decodeLicense(v); err != nil {
					return false
				}
				for uint64(len(rows)) <= id {
					rows = append(rows, colRow{})
				}
				rows[id] = colRowOf(&l, &dict)
				after = id
				n++
				return n < colsChunk
			})
			_ = tx.ReleaseMapped()
			return err
		})
		if err != nil {
			return err
		}
		if n < colsChunk {
			break
		}
	}
	// The scan columns, before the lock: writes keep flowing meanwhile
	// (what they change is refreshed from pending below).
	scans, pairs2 := make([]colScan, len(rows)), make([]pairBits, len(rows))
	common := newCommonPairs(rows)
	commonBits := make([]uint64, len(rows))
	for id := range rows {
		scans[id], pairs2[id], commonBits[id] = scanOf(&rows[id]), rowPairs2(rows[id].all), common.bits(rows[id].all)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows, c.scans, c.pairs2, c.common, c.commonBits = rows, scans, pairs2, common, commonBits
	c.packLocked()
	c.dict, c.changed, c.orders, c.memo = dict, nil, nil, nil
	c.gen++
	err := s.db.View(func(tx *storage.Tx) error {
		for id := range c.pending {
			c.refreshLocked(tx, id, nil)
		}
		return nil
	})
	c.pending = nil
	c.ready = err == nil
	return err
}

// packLocked lays every row's text out again in one fresh arena, so no
// row is dirty. The build does it once; refresh again when a quarter of the
// rows changed since.
func (c *licenseCols) packLocked() {
	var b strings.Builder
	size := 0
	for id := range c.rows {
		if c.rows[id].status != 0 {
			size += len(c.rows[id].all)
		}
	}
	// One allocation of the exact size: grown by appending, the arena
	// would be copied a dozen times and keep up to twice its length.
	b.Grow(size)
	n := 0
	for id := range c.rows {
		if c.rows[id].status != 0 {
			b.WriteString(c.rows[id].all)
			n++
		}
	}
	arena, at := b.String(), 0
	for id := range c.rows {
		if r := &c.rows[id]; r.status != 0 {
			r.all = arena[at : at+len(r.all)] // shares the arena's memory
			at += len(r.all)
		}
	}
	c.packed, c.dirty = n, map[uint64]bool{}
}

// colRowOf makes the copy's row of l, its texts interned in d.
func colRowOf(l *License, d *colDict) colRow {
	if l.Deleted != nil {
		return colRow{}
	}
	key := NormaliseKey(l.Key)
	if len(key) > 255 {
		key = key[:255] // keys are 25 characters; never in practice
	}
	return colRow{
		all: strings.ToUpper(key + "\x00" + l.IP + "\x00" + l.OrderNumber + "\x00" + l.Name + "\x00" + l.Notes +
			"\x00" + l.Customer + "\x00" + l.CustomerEmail),
		validTo: validToSort(l), partner: l.PartnerID, product: l.ProductID,
		keyLen: uint8(len(key)), status: statusCode(l.Status),
		nameLow: strings.ToLower(l.Name), validFrom: timeSort(l.ValidFrom),
		cust: d.intern(l.Customer), edition: d.intern(l.Edition), prodName: d.intern(l.ProductName),
		seats: int32(min(max(l.Seats, math.MinInt32), math.MaxInt32)), period: int32(min(max(l.PeriodMonths, math.MinInt32), math.MaxInt32)),
		payment: paymentCode(l.Payment),
	}
}

// sameColRow reports whether two versions of a license make the same row
// of the copy (colRowOf, so a column added there is compared here too).
func sameColRow(a, b *License) bool {
	var d colDict
	return colRowOf(a, &d) == colRowOf(b, &d)
}

// refresh brings the rows of the given licenses up to their state in tx;
// ls, when not nil, holds for each id the license already read from tx
// (or nil: it is read here).
func (c *licenseCols) refresh(tx *storage.Tx, ids []uint64, ls []*License) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, id := range ids {
		if c.pending != nil {
			c.pending[id] = true
			continue
		}
		if c.ready {
			var l *License
			if ls != nil {
				l = ls[i]
			}
			c.refreshLocked(tx, id, l)
		}
	}
	if c.ready && len(c.dirty) > c.packed/4+1000 {
		c.packLocked()
	}
}

// reserve makes room for n more rows at the end of the copy at once, so
// a bulk load that adds them one refresh at a time does not copy every
// column over and over as it grows (each copy briefly holding the old
// and the new arrays: hundreds of MB at a million rows).
func (c *licenseCols) reserve(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready || n <= 0 || cap(c.rows)-len(c.rows) >= n {
		return
	}
	c.rows = slices.Grow(c.rows, n)
	c.scans = slices.Grow(c.scans, n)
	c.pairs2 = slices.Grow(c.pairs2, n)
	c.commonBits = slices.Grow(c.commonBits, n)
	c.changed = slices.Grow(c.changed, n)
}

func (c *licenseCols) refreshLocked(tx *storage.Tx, id uint64, l *License) {
	var r colRow
	if l != nil {
		r = colRowOf(l, &c.dict)
	} else if l, err := rawLicense(tx, id); err == nil {
		r = colRowOf(&l, &c.dict)
	}
	for uint64(len(c.rows)) <= id {
		c.rows = append(c.rows, colRow{})
		c.scans = append(c.scans, colScan{})
		c.pairs2 = append(c.pairs2, pairBits{})
		c.commonBits = append(c.commonBits, 0)
	}
	// Only a row that had a text can leave a dead stretch in the arena;
	// a new license (a bulk import's million) adds none, so it never
	// makes the copy pack again.
	if c.dirty != nil && c.rows[id].status != 0 {
		c.dirty[id] = true
	}
	c.rows[id] = r
	c.scans[id], c.pairs2[id], c.commonBits[id] = scanOf(&r), rowPairs2(r.all), c.common.bits(r.all)
	c.changed = append(c.changed, id)
}

// colHit is one license a search found, with its end date for sorting.
type colHit struct {
	validTo int64
	id      uint64
}

// match returns, in id order, the licenses that pass the filter's
// partner, status, product and end-date range and every infix term; when
// restricted, only among cand (sorted ids the index found for the other
// terms). ok is false while the copy is not built. The rows are
// scanned in parallel chunks, one per core.
func (c *licenseCols) match(f *licenseFilter, infix []search.Term, cand []uint64, restricted bool) (hits []colHit, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready {
		return nil, false
	}
	parts := c.scan(f, infix, cand, restricted, func() colSink { return &hitList{} })
	n := 0
	for _, p := range parts {
		n += len(p.(*hitList).hits)
	}
	hits = make([]colHit, 0, n)
	for _, p := range parts {
		hits = append(hits, p.(*hitList).hits...)
	}
	return hits, true // each part a stretch of ids, in order
}

// matchPage is match for one page of a list sorted by end date: it
// returns how many licenses match and the ids of the first k in end-date
// order (then id; reversed when desc), without collecting every match.
// A search for one character matches most of a million rows: counting
// them costs a scan, keeping them all would cost tens of megabytes a
// request.
func (c *licenseCols) matchPage(f *licenseFilter, infix []search.Term, cand []uint64, restricted, desc bool, k int) (top []colHit, total int, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready {
		return nil, 0, false
	}
	parts := c.scan(f, infix, cand, restricted, func() colSink { return newTopHits(k, desc) })
	all := newTopHits(k, desc)
	for _, p := range parts {
		t := p.(*topHits)
		total += t.seen
		for _, h := range t.heap {
			all.add(h)
		}
	}
	return all.sorted(), total, true
}

// colSink takes the hits of one part of a scan.
type colSink interface{ add(colHit) }

// hitList keeps every hit.
type hitList struct{ hits []colHit }

func (l *hitList) add(h colHit) { l.hits = append(l.hits, h) }

// scan passes every row that matches the filter and the infix terms to a
// sink, in id order: one sink a core, each over its own stretch of ids.
// c.mu is held for reading.
//
// Each row's signature (colSig) is checked first: it answers a term of
// one letter or digit exactly and rules out most rows for longer terms
// without reading their text.
func (c *licenseCols) scan(f *licenseFilter, infix []search.Term, cand []uint64, restricted bool, newSink func() colSink) []colSink {
	// A term is matched case-insensitively (upper case on both sides)
	// anywhere in the row; the key is stored without dashes, so a term
	// with a dash is also looked for without them, in the key alone.
	checks := make([]colCheck, len(infix))
	for i, t := range infix {
		ch := &checks[i]
		ch.up = strings.ToUpper(t.Core)
		ch.upSig, ch.upPairs2 = needleSig(ch.up), rowPairs2(ch.up)
		if strings.Contains(t.Core, "-") {
			ch.compact = NormaliseKey(t.Core)
			ch.compactSig, ch.compactPairs2 = needleSig(ch.compact), rowPairs2(ch.compact)
		}
		ch.exact = ch.compact == "" && len(ch.up) == 1 && sigExactChar(ch.up[0])
		if ch.compact == "" && len(ch.up) == 2 {
			ch.commonBit = c.common.bit(ch.up[0], ch.up[1])
		}
	}
	st := statusCode(f.status)
	partner, product := clampID(f.partner), clampID(f.product)
	pass := func(id uint64) bool {
		e := &c.scans[id]
		if e.status == 0 || st != 0 && e.status != st || f.hasPartner && e.partner != partner ||
			f.product != 0 && e.product != product || e.validTo < f.lo || e.validTo > f.hi {
			return false
		}
		if f.hasPartner && partner == math.MaxUint32 && c.rows[id].partner != f.partner ||
			f.product != 0 && product == math.MaxUint32 && c.rows[id].product != f.product {
			return false // ids past the compact columns' range
		}
		for i := range checks {
			ch := &checks[i]
			if ch.commonBit != 0 {
				if c.commonBits[id]&ch.commonBit == 0 {
					return false
				}
				continue
			}
			if e.sig.has(&ch.upSig) && (ch.exact || c.pairs2[id].has(&ch.upPairs2) && strings.Contains(c.rows[id].all, ch.up)) {
				continue
			}
			if ch.compact != "" && e.sig.has(&ch.compactSig) && c.pairs2[id].has(&ch.compactPairs2) &&
				strings.Contains(c.rows[id].all[:c.rows[id].keyLen], ch.compact) {
				continue
			}
			return false
		}
		return true
	}
	if restricted {
		sink := newSink()
		for _, id := range cand {
			if id < uint64(len(c.rows)) && pass(id) {
				sink.add(colHit{c.scans[id].validTo, id})
			}
		}
		return []colSink{sink}
	}
	n := len(c.rows)
	parts := runtime.GOMAXPROCS(0)
	if n < 50000 {
		parts = 1
	}
	sinks := make([]colSink, parts)
	size := (n + parts - 1) / parts
	var wg sync.WaitGroup
	for p := range parts {
		from, to := min(p*size, n), min((p+1)*size, n)
		sinks[p] = newSink()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sink := sinks[p]
			for id := uint64(from); id < uint64(to); id++ {
				if pass(id) {
					sink.add(colHit{c.scans[id].validTo, id})
				}
			}
		}()
	}
	wg.Wait()
	return sinks
}

// colCheck is one infix term as the scan looks for it: upper-cased, and
// without dashes for the key, each with its signature. exact is set when
// the signature alone answers it.
type colCheck struct {
	up, compact             string
	upSig, compactSig       colSig
	upPairs2, compactPairs2 pairBits
	exact                   bool
	// commonBit, when not zero, answers a two-character term exactly:
	// it is one of the common pairs (see commonPairs).
	commonBit uint64
}

// colScan is what a search scan reads of a row before its text: the
// filter columns and the text's signature, 64 bytes, so a scan of a
// million rows reads one dense slice front to back.
type colScan struct {
	sig     colSig
	validTo int64
	partner uint32 // clampID of the partner id
	product uint32 // clampID of the product id
	status  uint8  // 0: no license
}

// scanOf is the scan entry of a row.
func scanOf(r *colRow) colScan {
	return colScan{sig: rowSig(r.all), validTo: r.validTo, partner: clampID(r.partner), product: clampID(r.product), status: r.status}
}

// clampID narrows an id to the scan entry's 32 bits; an id past them is
// stored as the maximum and checked against the row.
func clampID(id uint64) uint32 { return uint32(min(id, math.MaxUint32)) }

// colSig is a row's signature: which characters its text holds (one bit
// for each letter and digit, the other bytes sharing the remaining bits)
// and which pairs of adjacent characters (hashed into 256 bits). A term
// can only be in the row if every bit of the term's own signature is set
// in the row's; for a single letter or digit that test is exact. At a
// million rows the signatures take 40 MB and let a search of one or two
// characters skip reading most of the text.
type colSig struct {
	chars uint64
	pairs pairBits
}

// pairBits is a set of pairs of adjacent bytes, hashed into 256 bits.
// Each row has two, by two unrelated hashes (colSig.pairs and
// licenseCols.pairs2, checked only when the first passes): a row of 120
// characters sets about a third of each, so a pair it lacks passes the
// first in a third of rows and both in a tenth.
type pairBits [4]uint64

func (p *pairBits) set(bit uint) { p[bit>>6] |= 1 << (bit & 63) }

// has reports whether every bit of n is set in p.
func (p *pairBits) has(n *pairBits) bool {
	return p[0]&n[0] == n[0] && p[1]&n[1] == n[1] && p[2]&n[2] == n[2] && p[3]&n[3] == n[3]
}

// sigChar is the bit of a byte in colSig.chars.
func sigChar(b byte) uint {
	switch {
	case b >= 'A' && b <= 'Z':
		return uint(b - 'A')
	case b >= '0' && b <= '9':
		return 26 + uint(b-'0')
	}
	return 36 + uint(b)%28
}

// sigExactChar reports whether a one-byte term is answered by its bit
// alone (no other byte shares it).
func sigExactChar(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// sigPair is the bit of two adjacent bytes in colSig.pairs.
func sigPair(a, b byte) uint {
	return uint((uint32(a)<<8|uint32(b))*0x9E3779B1) >> 24
}

// sigPair2 is the bit of two adjacent bytes in the second pair set.
func sigPair2(a, b byte) uint {
	return uint((uint32(a)<<8|uint32(b)^0x5bd1)*0x85EBCA77) >> 24
}

// rowPairs2 is the second pair set of a row's text.
func rowPairs2(text string) pairBits {
	var p pairBits
	for i := 1; i < len(text); i++ {
		p.set(sigPair2(text[i-1], text[i]))
	}
	return p
}

// rowSig is the signature of a row's text.
func rowSig(text string) colSig {
	var s colSig
	for i := 0; i < len(text); i++ {
		s.chars |= 1 << sigChar(text[i])
		if i > 0 {
			s.pairs.set(sigPair(text[i-1], text[i]))
		}
	}
	return s
}

// needleSig is the signature of a search term: what a row must have to
// hold it.
func needleSig(term string) colSig { return rowSig(term) }

// has reports whether every bit of n is set in s.
func (s *colSig) has(n *colSig) bool {
	return s.chars&n.chars == n.chars && s.pairs.has(&n.pairs)
}

// commonPairs numbers the pairs of adjacent characters found in the most
// rows. A two-character search for a pair found in a quarter of a million
// rows would otherwise confirm each of them by reading its text; for
// these 64 pairs each row has an exact bit instead (8 bytes a row).
type commonPairs struct {
	index [1 << 16]uint8 // 1 + the pair's bit; 0: not a common pair
}

// newCommonPairs counts in how many rows each pair occurs and keeps the
// 64 most frequent.
func newCommonPairs(rows []colRow) *commonPairs {
	var count [1 << 16]int32
	var seen [1 << 16]uint32 // the row (plus one) that last counted the pair
	for id := range rows {
		text, stamp := rows[id].all, uint32(id+1)
		for i := 1; i < len(text); i++ {
			p := uint16(text[i-1])<<8 | uint16(text[i])
			if seen[p] != stamp {
				seen[p] = stamp
				count[p]++
			}
		}
	}
	pairs := make([]uint16, 0, 1<<16)
	for p, n := range count {
		if n > 0 {
			pairs = append(pairs, uint16(p))
		}
	}
	slices.SortFunc(pairs, func(a, b uint16) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	cp := &commonPairs{}
	for i, p := range pairs[:min(64, len(pairs))] {
		cp.index[p] = uint8(i + 1)
	}
	return cp
}

// bit is the bit of the pair ab, zero when it is not a common pair (or
// there is no table yet).
func (cp *commonPairs) bit(a, b byte) uint64 {
	if cp == nil {
		return 0
	}
	if i := cp.index[uint16(a)<<8|uint16(b)]; i != 0 {
		return 1 << (i - 1)
	}
	return 0
}

// bits is which common pairs a row's text holds.
func (cp *commonPairs) bits(text string) uint64 {
	var m uint64
	if cp == nil {
		return 0
	}
	for i := 1; i < len(text); i++ {
		if b := cp.index[uint16(text[i-1])<<8|uint16(text[i])]; b != 0 {
			m |= 1 << (b - 1)
		}
	}
	return m
}

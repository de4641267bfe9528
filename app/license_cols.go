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

	// arena holds every row's text as built, one after another in id
	// order, each ended by '\n': a term is looked for in the whole arena
	// with one vectorised search rather than a call per row. starts[i] is
	// where the text of row ids[i] begins. Rows changed since the build
	// (dirty) have their own text and are checked one by one.
	arena  string
	starts []int
	ids    []uint64
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
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows = rows
	c.packLocked()
	c.dict, c.changed, c.orders, c.memo = dict, nil, nil, nil
	c.gen++
	err := s.db.View(func(tx *storage.Tx) error {
		for id := range c.pending {
			c.refreshLocked(tx, id)
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
	var starts []int
	var ids []uint64
	for id := range c.rows {
		if c.rows[id].status == 0 {
			continue
		}
		starts = append(starts, b.Len())
		ids = append(ids, uint64(id))
		b.WriteString(c.rows[id].all)
		b.WriteByte('\n')
	}
	arena := b.String()
	for i, id := range ids {
		end := len(arena)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		c.rows[id].all = arena[starts[i] : end-1] // shares the arena's memory
	}
	c.arena, c.starts, c.ids, c.dirty = arena, starts, ids, map[uint64]bool{}
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

// refresh brings the rows of the given licenses up to their state in tx.
func (c *licenseCols) refresh(tx *storage.Tx, ids []uint64) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if c.pending != nil {
			c.pending[id] = true
			continue
		}
		if c.ready {
			c.refreshLocked(tx, id)
		}
	}
	if c.ready && len(c.dirty) > len(c.ids)/4+1000 {
		c.packLocked()
	}
}

func (c *licenseCols) refreshLocked(tx *storage.Tx, id uint64) {
	var r colRow
	if l, err := rawLicense(tx, id); err == nil {
		r = colRowOf(&l, &c.dict)
	}
	for uint64(len(c.rows)) <= id {
		c.rows = append(c.rows, colRow{})
	}
	c.rows[id] = r
	if c.dirty != nil {
		c.dirty[id] = true
	}
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
	// A term is matched case-insensitively (upper case on both sides)
	// anywhere in the row; the key is stored without dashes, so a term
	// with a dash is also looked for without them, in the key alone.
	checks := make([]struct{ up, compact string }, len(infix))
	for i, t := range infix {
		checks[i].up = strings.ToUpper(t.Core)
		if strings.Contains(t.Core, "-") {
			checks[i].compact = NormaliseKey(t.Core)
		}
	}
	st := statusCode(f.status)
	// pass checks a row against the filter, the indexed terms and the
	// infix terms from skip on.
	pass := func(id uint64, skip int) bool {
		r := &c.rows[id]
		if r.status == 0 || st != 0 && r.status != st || f.hasPartner && r.partner != f.partner ||
			f.product != 0 && r.product != f.product || r.validTo < f.lo || r.validTo > f.hi {
			return false
		}
		for i := skip; i < len(checks); i++ {
			ch := &checks[i]
			if !strings.Contains(r.all, ch.up) && (ch.compact == "" || !strings.Contains(r.all[:r.keyLen], ch.compact)) {
				return false
			}
		}
		return true
	}
	if restricted {
		for _, id := range cand {
			if id < uint64(len(c.rows)) && pass(id, 0) {
				hits = append(hits, colHit{c.rows[id].validTo, id})
			}
		}
		return hits, true
	}
	parts := runtime.GOMAXPROCS(0)
	if len(c.ids) < 50000 {
		parts = 1
	}
	chunks := make([][]colHit, parts)
	size := (len(c.ids) + parts - 1) / parts
	var wg sync.WaitGroup
	for p := range parts {
		from, to := min(p*size, len(c.ids)), min((p+1)*size, len(c.ids))
		wg.Add(1)
		go func() {
			defer wg.Done()
			chunks[p] = c.scanArena(from, to, checks[:min(1, len(checks))], func(id uint64, skip int) bool {
				return !c.dirty[id] && pass(id, skip)
			})
		}()
	}
	wg.Wait()
	var extra []colHit
	for id := range c.dirty {
		if pass(id, 0) {
			extra = append(extra, colHit{c.rows[id].validTo, id})
		}
	}
	slices.SortFunc(extra, func(a, b colHit) int { return cmp.Compare(a.id, b.id) })
	n := len(extra)
	for _, ch := range chunks {
		n += len(ch)
	}
	hits = make([]colHit, 0, n)
	for _, ch := range chunks {
		hits = append(hits, ch...)
	}
	if len(extra) > 0 {
		hits = append(hits, extra...)
		slices.SortFunc(hits, func(a, b colHit) int { return cmp.Compare(a.id, b.id) })
	}
	return hits, true
}

// scanArena calls keep for the arena rows from..to (indexes into ids)
// whose built text holds the first term (every row when there is no term,
// or when the term has a dash: the key is stored without, so keep checks
// it), and returns those kept, in id order. keep is told how many terms
// are already matched.
func (c *licenseCols) scanArena(from, to int, first []struct{ up, compact string }, keep func(id uint64, skip int) bool) []colHit {
	var out []colHit
	skip := 0 // terms already matched
	add := func(i int) {
		if id := c.ids[i]; keep(id, skip) {
			out = append(out, colHit{c.rows[id].validTo, id})
		}
	}
	if len(first) == 0 || first[0].compact != "" || from >= to {
		for i := from; i < to; i++ {
			add(i)
		}
		return out
	}
	end := len(c.arena)
	if to < len(c.starts) {
		end = c.starts[to]
	}
	text := c.arena[:end]
	needle := first[0].up
	skip = 1
	i := from
	for pos := c.starts[from]; pos < end; {
		at := strings.Index(text[pos:], needle)
		if at < 0 {
			break
		}
		at += pos
		// The row holding at: the last start at or before it.
		j, found := slices.BinarySearch(c.starts[i:to], at)
		if !found {
			j--
		}
		i += j
		add(i)
		i++
		if i >= to {
			break
		}
		pos = c.starts[i]
	}
	return out
}

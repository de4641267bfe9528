package app

import (
	"strings"
	"sync"

	"licensedesk/search"
	"licensedesk/storage"
)

// licenseCols is a compact in-memory copy of the license columns that
// search and the list's filters read: key, IP and order number as typed
// for matching, the text fields as ids of distinct lower-cased values
// (names, notes and customers repeat: each distinct text is matched once
// per search), and partner, status, product and end date.
//
// A search term of one or two characters (`*A*`) has no trigram to look
// up and, in Bleve, walks the postings of most of the index (seconds at a
// million licenses); here it is a scan of the rows, a few milliseconds.
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
	texts   []string        // distinct lower-cased text values
	textIDs map[string]uint32

	stop chan struct{}
	done chan struct{}
}

// colRow is one license. status 0 means none (deleted or never stored).
type colRow struct {
	key     string // upper case, without dashes
	ipOrder string // upper-case IP, 0x00, upper-case order number
	validTo int64  // validToSort
	partner uint64
	product uint64
	text    [4]uint32 // name, notes, customer, customer e-mail
	status  uint8     // 1 + index in allStatuses
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
	c.textIDs = map[string]uint32{"": 0}
	c.texts = []string{""}
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	c.mu.Unlock()
	go func() {
		defer close(c.done)
		if err := s.buildCols(); err != nil {
			s.log.Error("in-memory license copy not built; searches use the index alone", "err", err)
		}
	}()
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
				c.mu.Lock()
				rows[id] = c.row(&l)
				c.mu.Unlock()
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

// row makes the copy's row of l; call with mu held (it interns texts).
func (c *licenseCols) row(l *License) colRow {
	if l.Deleted != nil {
		return colRow{}
	}
	return colRow{
		key:     NormaliseKey(l.Key),
		ipOrder: strings.ToUpper(l.IP) + "\x00" + strings.ToUpper(l.OrderNumber),
		validTo: validToSort(l), partner: l.PartnerID, product: l.ProductID,
		text:   [4]uint32{c.intern(l.Name), c.intern(l.Notes), c.intern(l.Customer), c.intern(l.CustomerEmail)},
		status: statusCode(l.Status),
	}
}

func (c *licenseCols) intern(s string) uint32 {
	s = strings.ToLower(s)
	if id, ok := c.textIDs[s]; ok {
		return id
	}
	id := uint32(len(c.texts))
	c.texts = append(c.texts, strings.Clone(s))
	c.textIDs[c.texts[id]] = id
	return id
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
}

func (c *licenseCols) refreshLocked(tx *storage.Tx, id uint64) {
	var r colRow
	if l, err := rawLicense(tx, id); err == nil {
		r = c.row(&l)
	}
	for uint64(len(c.rows)) <= id {
		c.rows = append(c.rows, colRow{})
	}
	c.rows[id] = r
}

// colHit is one license a search found, with its end date for sorting.
type colHit struct {
	validTo int64
	id      uint64
}

// match returns, in id order, the licenses that pass the filter's
// partner, status, product and end-date range and every term: infix
// terms checked here, the others by membership in indexed (nil when there
// are none). ok is false while the copy is not built.
func (c *licenseCols) match(f *licenseFilter, infix []search.Term, indexed map[uint64]bool) (hits []colHit, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready {
		return nil, false
	}
	st := statusCode(f.status)
	type termCheck struct {
		key, up, low string
		texts        []uint8 // per distinct text: 0 unknown, 1 no, 2 yes
	}
	checks := make([]termCheck, len(infix))
	for i, t := range infix {
		checks[i] = termCheck{key: NormaliseKey(t.Core), up: t.Core, low: strings.ToLower(t.Core), texts: make([]uint8, len(c.texts))}
	}
	for id := range c.rows {
		r := &c.rows[id]
		if r.status == 0 || st != 0 && r.status != st || f.hasPartner && r.partner != f.partner ||
			f.product != 0 && r.product != f.product || r.validTo < f.lo || r.validTo > f.hi {
			continue
		}
		if indexed != nil && !indexed[uint64(id)] {
			continue
		}
		all := true
		for i := range checks {
			ch := &checks[i]
			if strings.Contains(r.key, ch.key) || strings.Contains(r.ipOrder, ch.up) {
				continue
			}
			found := false
			for _, t := range r.text {
				m := ch.texts[t]
				if m == 0 {
					m = 1
					if t != 0 && strings.Contains(c.texts[t], ch.low) {
						m = 2
					}
					ch.texts[t] = m
				}
				if m == 2 {
					found = true
					break
				}
			}
			if !found {
				all = false
				break
			}
		}
		if all {
			hits = append(hits, colHit{r.validTo, uint64(id)})
		}
	}
	return hits, true
}

package app

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Search of the license list. Nothing is capped: the total is every
// match, an export or a group count reads every match, and only the page
// shown is cut.
//
// Infix terms (`*AB*`, `*A*`, `*O-11*`) are answered by the in-memory
// copy of the license columns; other terms (words, `ABC*` prefixes) by
// Bleve, whose ids the copy's scan then requires. Until the copy is built
// (the first seconds after start-up) Bleve answers every term and the
// records are verified.

// colsWaitBound is how long a search waits for the in-memory copy while
// it is being built (at start-up, after a rebuild).
const colsWaitBound = 10 * time.Second

// colsInfix reports whether the copy answers t: a term that starts with a
// star and has no wildcard inside.
func colsInfix(t search.Term) bool {
	return strings.HasPrefix(t.Raw, "*") && !strings.ContainsAny(t.Core, "*?")
}

// searchHits returns, in id order, every license the search and the
// filter's partner, status, product and end-date range match (the other
// filters are left to the caller). Call it outside a transaction.
func (s *Service) searchHits(f *licenseFilter) ([]colHit, error) {
	infix, cand, restricted, err := s.searchCandidates(f)
	if err != nil {
		return nil, err
	}
	if hits, ok := s.cols.match(f, infix, cand, restricted); ok {
		return hits, nil
	}
	return s.searchHitsFromIndex(f)
}

// searchPageByExpiry answers a search sorted by end date: how many
// licenses match (exactly) and the ids of the page after skip, n long.
// Only the page is kept, however many match.
func (s *Service) searchPageByExpiry(f *licenseFilter, desc bool, skip, n int) ([]uint64, int, error) {
	infix, cand, restricted, err := s.searchCandidates(f)
	if err != nil {
		return nil, 0, err
	}
	if top, total, ok := s.cols.matchPage(f, infix, cand, restricted, desc, skip+n); ok {
		return hitIDs(top, skip), total, nil
	}
	hits, err := s.searchHitsFromIndex(f)
	if err != nil {
		return nil, 0, err
	}
	return pageByExpiry(hits, desc, skip, n), len(hits), nil
}

// searchCandidates splits the search into the infix terms the copy scans
// for and, when Bleve narrows the search, the sorted candidate ids it
// found (restricted; cand may then be empty).
func (s *Service) searchCandidates(f *licenseFilter) (infix []search.Term, cand []uint64, restricted bool, err error) {
	s.waitIndexed()
	var other []string
	for _, t := range f.terms {
		if colsInfix(t) {
			infix = append(infix, t)
		} else {
			other = append(other, t.Raw)
		}
	}
	// The copy is built at start-up in a few seconds; a search in that
	// time waits for it rather than scanning most of the index in Bleve.
	s.cols.wait(colsWaitBound)
	// Bleve narrows the scan to the licenses that match every word or
	// prefix term (all its hits); the copy then checks each candidate
	// against every infix term.
	if len(other) > 0 {
		ids, err := s.searchAllIDs(f, strings.Join(other, " "))
		if err != nil {
			return nil, nil, false, err
		}
		slices.Sort(ids)
		cand, restricted = ids, true
	}
	return infix, cand, restricted, nil
}

// searchHitsFromIndex answers a search while the copy is being built:
// every term from Bleve, each record checked against the filter and the
// infix terms.
func (s *Service) searchHitsFromIndex(f *licenseFilter) ([]colHit, error) {
	ids, err := s.searchAllIDs(f, f.q)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	var hits []colHit
	err = s.db.View(func(tx *storage.Tx) error {
		for _, id := range ids {
			l, err := getLicense(tx, id)
			if err != nil {
				continue // deleted since it was indexed
			}
			if f.match(&l) {
				hits = append(hits, colHit{validToSort(&l), id})
			}
		}
		return nil
	})
	return hits, err
}

func docIDs(docs []string) []uint64 {
	ids := make([]uint64, 0, len(docs))
	for _, d := range docs {
		if _, id, ok := parseDocID(d); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Service) licenseQuery(f *licenseFilter, text string) search.Query {
	q := search.Query{Text: text, Type: "license", Status: string(f.status), NoGrams: true}
	if f.hasPartner {
		q.Owner = uintStr(f.partner)
	}
	if f.product != 0 {
		q.Product = uintStr(f.product)
	}
	return q
}

// searchAllIDs asks Bleve for every license matching text, limited to the
// filter's partner, status and product.
func (s *Service) searchAllIDs(f *licenseFilter, text string) ([]uint64, error) {
	docs, err := s.idx.SearchAll(s.licenseQuery(f, text))
	if err != nil {
		return nil, s.searchError(err)
	}
	return docIDs(docs), nil
}

// pageByExpiry returns the ids of one page of hits sorted by end date
// (then id), selecting the first skip+n without sorting them all.
func pageByExpiry(hits []colHit, desc bool, skip, n int) []uint64 {
	t := newTopHits(skip+n, desc)
	for _, h := range hits {
		t.add(h)
	}
	return hitIDs(t.sorted(), skip)
}

// hitIDs returns the ids of hits from skip on.
func hitIDs(hits []colHit, skip int) []uint64 {
	hits = hits[min(skip, len(hits)):]
	ids := make([]uint64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids
}

// topHits keeps the first k hits by end date (then id; reversed when
// desc) of those added, and counts them all: a max-heap whose root is the
// worst hit kept.
type topHits struct {
	k    int
	desc bool
	seen int
	heap []colHit
}

func newTopHits(k int, desc bool) *topHits {
	return &topHits{k: k, desc: desc, heap: make([]colHit, 0, min(k, 1024))}
}

// before reports whether a comes before b in the page order.
func (t *topHits) before(a, b colHit) bool {
	c := cmp.Compare(a.validTo, b.validTo)
	if c == 0 {
		c = cmp.Compare(a.id, b.id)
	}
	if t.desc {
		return c > 0
	}
	return c < 0
}

func (t *topHits) add(h colHit) {
	t.seen++
	if t.k <= 0 {
		return
	}
	hp := t.heap
	if len(hp) < t.k {
		hp = append(hp, h)
		for i := len(hp) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.before(hp[p], hp[i]) {
				break
			}
			hp[p], hp[i] = hp[i], hp[p]
			i = p
		}
		t.heap = hp
		return
	}
	if !t.before(h, hp[0]) {
		return
	}
	hp[0] = h
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(hp) && t.before(hp[m], hp[l]) {
			m = l
		}
		if r < len(hp) && t.before(hp[m], hp[r]) {
			m = r
		}
		if m == i {
			return
		}
		hp[i], hp[m] = hp[m], hp[i]
		i = m
	}
}

// sorted returns the hits kept, in page order.
func (t *topHits) sorted() []colHit {
	out := slices.Clone(t.heap)
	slices.SortFunc(out, func(a, b colHit) int {
		if t.before(a, b) {
			return -1
		}
		if t.before(b, a) {
			return 1
		}
		return 0
	})
	return out
}

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
	s.waitIndexed()
	var infix []search.Term
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
	// Candidates from Bleve narrow the scan to a list of ids: every word
	// or prefix term (all its hits), and an infix term of three or more
	// characters when its trigrams find few enough licenses (beyond
	// that, scanning the copy is cheaper than collecting Bleve's hits).
	// The copy then checks each candidate against every infix term.
	var cand []uint64
	restricted := false
	narrow := func(ids []uint64) {
		slices.Sort(ids)
		if !restricted {
			cand, restricted = ids, true
			return
		}
		cand = intersectSorted(cand, ids)
	}
	if len(other) > 0 {
		ids, err := s.searchAllIDs(f, strings.Join(other, " "))
		if err != nil {
			return nil, err
		}
		narrow(ids)
	}
	for _, t := range infix {
		if !t.Infix || restricted && len(cand) == 0 {
			continue // too short for trigrams
		}
		ids, more, err := s.searchSomeIDs(f, t.Raw, trigramCandidates)
		if err != nil {
			return nil, err
		}
		if !more {
			narrow(ids)
		}
	}
	if hits, ok := s.cols.match(f, infix, cand, restricted); ok {
		return hits, nil
	}
	// The copy is still being built: every term from Bleve, each record
	// checked against the filter and the infix terms.
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

// trigramCandidates is the most hits an infix term's trigram lookup may
// give and still be used to narrow a search.
const trigramCandidates = 20000

// searchSomeIDs is searchAllIDs for at most limit hits; more reports that
// there are others.
func (s *Service) searchSomeIDs(f *licenseFilter, text string, limit int) ([]uint64, bool, error) {
	q := s.licenseQuery(f, text)
	q.Limit = limit
	docs, more, err := s.idx.Search(q)
	if err != nil {
		return nil, false, s.searchError(err)
	}
	return docIDs(docs), more, nil
}

func intersectSorted(a, b []uint64) []uint64 {
	out := a[:0:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
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
	q := search.Query{Text: text, Type: "license", Status: string(f.status)}
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
	less := func(a, b colHit) bool {
		c := cmp.Compare(a.validTo, b.validTo)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if desc {
			return c > 0
		}
		return c < 0
	}
	k := skip + n
	var top []colHit
	if k >= len(hits)/4 {
		top = slices.Clone(hits)
	} else {
		// A max-heap (by less) of the k best seen so far.
		top = make([]colHit, 0, k)
		down := func(i int) {
			for {
				l, r, m := 2*i+1, 2*i+2, i
				if l < len(top) && less(top[m], top[l]) {
					m = l
				}
				if r < len(top) && less(top[m], top[r]) {
					m = r
				}
				if m == i {
					return
				}
				top[i], top[m] = top[m], top[i]
				i = m
			}
		}
		for _, h := range hits {
			if len(top) < k {
				top = append(top, h)
				for i := len(top) - 1; i > 0; {
					p := (i - 1) / 2
					if !less(top[p], top[i]) {
						break
					}
					top[p], top[i] = top[i], top[p]
					i = p
				}
				continue
			}
			if less(h, top[0]) {
				top[0] = h
				down(0)
			}
		}
	}
	slices.SortFunc(top, func(a, b colHit) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	top = top[min(skip, len(top)):min(k, len(top))]
	ids := make([]uint64, len(top))
	for i, h := range top {
		ids[i] = h.id
	}
	return ids
}

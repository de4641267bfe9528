package app

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"licensedesk/search"
)

// TestMatchPageAgreesWithEveryMatchSorted: on a copy of 120,000 rows
// (large enough to be scanned in parallel parts), some changed since the
// arena was packed, each search (letters, digits, pairs common and rare,
// longer terms, punctuation, a non-ASCII letter) must find exactly what a brute-force
// scan of the text finds, the row signatures ruling nothing out wrongly;
// a page of a search sorted by end date must be exactly
// the brute-force page, in both directions and at any depth, and its
// total every match; match must return every match in id order.
func TestMatchPageAgreesWithEveryMatchSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 120000
	c := &licenseCols{rows: make([]colRow, n+1)}
	letters := "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	frag := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	for id := 1; id <= n; id++ {
		if id%97 == 0 {
			continue // no license: a hole in the ids
		}
		key := frag(20)
		c.rows[id] = colRow{all: key + "\x00\x00O-" + frag(3) + "\x00NAME\x00" + frag(4),
			keyLen: uint8(len(key)), status: uint8(1 + id%3), partner: uint64(id % 5),
			validTo: int64(r.IntN(400))} // many ties: the id breaks them
		if id%50 == 0 {
			c.rows[id].validTo = math.MaxInt64 // no end date
		}
	}
	c.scans = make([]colScan, len(c.rows))
	c.pairs2 = make([]pairBits, len(c.rows))
	c.commonBits = make([]uint64, len(c.rows))
	c.common = newCommonPairs(c.rows)
	for id := range c.rows {
		c.scans[id], c.pairs2[id], c.commonBits[id] = scanOf(&c.rows[id]), rowPairs2(c.rows[id].all), c.common.bits(c.rows[id].all)
	}
	if c.common.bit('N', 'A') == 0 || c.common.bit('A', 'M') == 0 {
		t.Fatal("NA and AM, in every row, are not among the common pairs")
	}
	c.packLocked()
	c.ready = true
	// Rows changed since the pack: their arena text is stale.
	for id := 5; id <= n; id += 1013 {
		if c.rows[id].status != 0 {
			c.rows[id].all, c.rows[id].keyLen = "CHANGEDZZ\x00"+frag(6)+".é", 9
			c.scans[id], c.pairs2[id], c.commonBits[id] = scanOf(&c.rows[id]), rowPairs2(c.rows[id].all), c.common.bits(c.rows[id].all)
			c.dirty[uint64(id)] = true
		}
	}
	brute := func(f *licenseFilter, terms []string) []colHit {
		var out []colHit
		for id := range c.rows {
			row := c.rows[id]
			if row.status == 0 || f.status != "" && row.status != statusCode(f.status) || f.hasPartner && row.partner != f.partner {
				continue
			}
			ok := true
			for _, term := range terms {
				ok = ok && strings.Contains(row.all, term)
			}
			if ok {
				out = append(out, colHit{row.validTo, uint64(id)})
			}
		}
		return out
	}
	for _, q := range []string{"*A*", "*Z3*", "*ZZ*", "*" + c.rows[1].all[3:7] + "*", "*A* *B*", "*O-*", "*CHANGED*", "*QQQQQQQ*", "*.*", "*É*", "*\x00*", "*NA*", "*AM*", "*NA* *Z3*"} {
		for _, f := range []*licenseFilter{{hi: math.MaxInt64}, {hi: math.MaxInt64, partner: 3, hasPartner: true}} {
			var terms []string
			infix := search.Parse(q)
			for _, tm := range infix {
				terms = append(terms, tm.Core)
			}
			want := brute(f, terms)
			hits, ok := c.match(f, infix, nil, false)
			if !ok {
				t.Fatal("copy not ready")
			}
			if !slices.Equal(hits, want) {
				t.Fatalf("%s partner %d: match gives %d hits, brute force %d", q, f.partner, len(hits), len(want))
			}
			for _, desc := range []bool{false, true} {
				sorted := slices.Clone(want)
				slices.SortFunc(sorted, func(a, b colHit) int {
					x := cmp.Or(cmp.Compare(a.validTo, b.validTo), cmp.Compare(a.id, b.id))
					if desc {
						return -x
					}
					return x
				})
				for _, skip := range []int{0, 50, 950, len(want) - 10, len(want) + 5} {
					skip = max(skip, 0)
					name := fmt.Sprintf("%s partner %d desc %v skip %d", q, f.partner, desc, skip)
					top, total, ok := c.matchPage(f, infix, nil, false, desc, skip+50)
					if !ok || total != len(want) {
						t.Fatalf("%s: total %d, brute force %d", name, total, len(want))
					}
					got := hitIDs(top, skip)
					var wantIDs []uint64
					for _, h := range sorted[min(skip, len(sorted)):min(skip+50, len(sorted))] {
						wantIDs = append(wantIDs, h.id)
					}
					if !slices.Equal(got, wantIDs) && (len(got) > 0 || len(wantIDs) > 0) {
						t.Fatalf("%s: page %v, brute force %v", name, got, wantIDs)
					}
					if old := pageByExpiry(want, desc, skip, 50); !slices.Equal(old, got) {
						t.Fatalf("%s: pageByExpiry %v, matchPage %v", name, old, got)
					}
				}
			}
		}
	}
}

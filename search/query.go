package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is one search from the search box.
type Query struct {
	Text    string // words, `ABC*` prefixes, `*EFGH*` infixes; all must match
	Type    string // restrict to one document type
	Owner   string // restrict to one partner's records ("" = all)
	Status  string // restrict to one status ("" = all)
	Product string // restrict to one product ("" = all)
	Limit   int    // maximum ids returned (default 1000)
	// NoGrams: the documents searched have no trigrams (Doc.NoGrams), so
	// infix terms are wildcard scans of the dictionary, exact but slow at
	// scale; the caller answers them itself when it can.
	NoGrams bool
}

// Limits on one search, so a crafted query cannot keep a core busy: a
// wildcard term becomes an automaton whose cost grows steeply with its
// stars, and every term is one more clause over the whole index.
const (
	MaxTerms     = 8               // words in the search box
	MaxTermLen   = 64              // characters in one word
	MaxWildcards = 4               // `*` and `?` in one word
	Deadline     = 5 * time.Second // one search's time on the index
)

// QueryError is a search the desk refuses to run, or one that ran out of
// time: the user's query is at fault and the message says what to change.
type QueryError struct{ Message string }

func (e *QueryError) Error() string { return e.Message }

// Check refuses a search-box text that exceeds the limits, saying which.
func Check(text string) error {
	f := strings.Fields(text)
	if len(f) > MaxTerms {
		return &QueryError{fmt.Sprintf("use at most %d words in a search, not %d", MaxTerms, len(f))}
	}
	for _, w := range f {
		if n := strings.Count(w, "*") + strings.Count(w, "?"); n > MaxWildcards {
			return &QueryError{fmt.Sprintf("a search word may have at most %d wildcards (* or ?); %.20q… has %d", MaxWildcards, w, n)}
		}
		if n := utf8.RuneCountInString(w); n > MaxTermLen {
			return &QueryError{fmt.Sprintf("a search word may have at most %d characters; %.20q… has %d", MaxTermLen, w, n)}
		}
	}
	return nil
}

// maxTerms bounds a single query so a wildcard cannot expand without end.
const maxTerms = MaxTerms

// Term is one parsed word of the search box.
type Term struct {
	Raw string // as typed
	// Core is the text between leading and trailing stars, upper-cased.
	Core string
	// Infix is true for `*X*` and `*X` with Core long enough for trigrams:
	// such a term is answered from trigrams, which can over-match, so the
	// caller verifies each hit with Matches.
	Infix bool
}

// Parse splits the search box text into terms, dropping empties and
// dashes inside keys (7KQ2M-XR4PD matches the key however it is typed).
func Parse(text string) []Term {
	f := strings.Fields(text)
	if len(f) > maxTerms {
		f = f[:maxTerms]
	}
	out := make([]Term, 0, len(f))
	for _, raw := range f {
		core := strings.ToUpper(strings.Trim(raw, "*"))
		if core == "" {
			continue
		}
		t := Term{Raw: raw, Core: core}
		t.Infix = strings.HasPrefix(raw, "*") && !strings.ContainsAny(core, "*?") && len(compactKey(core)) >= gramLen
		out = append(out, t)
	}
	return out
}

func compactKey(s string) string { return strings.ReplaceAll(s, "-", "") }

// Matches verifies an infix term against a record's values: keyword
// values (key, IP, order) by substring, dashes ignored in the key; text
// values by case-insensitive substring.
func (t Term) Matches(key, ip, order string, text ...string) bool {
	c := t.Core
	if strings.Contains(compactKey(strings.ToUpper(key)), compactKey(c)) ||
		strings.Contains(strings.ToUpper(ip), c) || strings.Contains(strings.ToUpper(order), c) {
		return true
	}
	low := strings.ToLower(c)
	for _, s := range text {
		if strings.Contains(strings.ToLower(s), low) {
			return true
		}
	}
	return false
}

// gramsQuery is the conjunction of s's distinct trigrams, nil when s is
// too short to have any.
func gramsQuery(s string) query.Query {
	var conj []query.Query
	seen := map[string]bool{}
	for i := 0; i+gramLen <= len(s); i++ {
		g := s[i : i+gramLen]
		if seen[g] {
			continue
		}
		seen[g] = true
		q := bleve.NewTermQuery(g)
		q.SetField("grams")
		conj = append(conj, q)
	}
	if len(conj) == 0 {
		return nil
	}
	return bleve.NewConjunctionQuery(conj...)
}

func termQuery(t Term, noGrams bool) query.Query {
	var alts []query.Query
	if t.Infix && !noGrams {
		// Keyword fields through trigrams: every trigram of the term, in
		// its compact form (keys are stored without dashes) and as typed
		// (IPs and order numbers keep theirs).
		parts := []string{compactKey(t.Core)}
		if t.Core != parts[0] {
			parts = append(parts, t.Core)
		}
		for _, part := range parts {
			if q := gramsQuery(part); q != nil {
				alts = append(alts, q)
			}
		}
		for _, f := range textFields {
			q := bleve.NewWildcardQuery("*" + strings.ToLower(t.Core) + "*")
			q.SetField(f)
			alts = append(alts, q)
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	wild := strings.ContainsAny(t.Raw, "*?")
	up := strings.ToUpper(t.Raw)
	for _, f := range keywordFields {
		v := up
		if f == "key" {
			v = compactKey(up)
		}
		if wild {
			q := bleve.NewWildcardQuery(v)
			q.SetField(f)
			alts = append(alts, q)
		} else {
			q := bleve.NewTermQuery(v)
			q.SetField(f)
			alts = append(alts, q)
		}
	}
	for _, f := range textFields {
		if wild {
			q := bleve.NewWildcardQuery(strings.ToLower(t.Raw))
			q.SetField(f)
			alts = append(alts, q)
		} else {
			q := bleve.NewMatchQuery(t.Raw)
			q.SetField(f)
			q.SetOperator(query.MatchQueryOperatorAnd)
			alts = append(alts, q)
		}
	}
	return bleve.NewDisjunctionQuery(alts...)
}

func buildQuery(q Query) query.Query {
	var must []query.Query
	for _, t := range Parse(q.Text) {
		must = append(must, termQuery(t, q.NoGrams))
	}
	for f, v := range map[string]string{"type": q.Type, "owner": q.Owner, "status": q.Status, "product": q.Product} {
		if v != "" {
			t := bleve.NewTermQuery(v)
			t.SetField(f)
			must = append(must, t)
		}
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

// Search returns the ids of up to q.Limit matching documents, and more
// when there are others beyond them. Hits are unscored and in no
// particular order (callers sort by their own columns), which lets Bleve
// stop collecting as soon as it has enough.
//
// A query over the limits, or one that runs past Deadline, is a
// *QueryError. Any other error means the index could not be read (see
// ErrDamaged): the caller rebuilds it.
func (x *Index) Search(q Query) (ids []string, more bool, err error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	res, err := x.run(q, func() (int, error) { return q.Limit + 1, nil })
	if err != nil {
		return nil, false, err
	}
	n := min(len(res.Hits), q.Limit)
	ids = make([]string, n)
	for i, h := range res.Hits[:n] {
		ids[i] = h.ID
	}
	return ids, len(res.Hits) > q.Limit, nil
}

// run checks q against the limits and runs it, unscored, under the
// deadline, asking size (called with the index held) how many hits to
// collect. An index that cannot be read is ErrDamaged; a query over the
// limits or the deadline is a QueryError.
func (x *Index) run(q Query, size func() (int, error)) (*bleve.SearchResult, error) {
	if err := Check(q.Text); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.idx == nil {
		return nil, fmt.Errorf("%w: the index is closed", ErrDamaged)
	}
	n, err := size()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), n, 0, false)
	req.Score = bleve.ScoreNone
	res, err := guard(func() (*bleve.SearchResult, error) { return x.idx.SearchInContext(ctx, req) })
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return nil, &QueryError{fmt.Sprintf("the search took longer than %s; use longer fragments or fewer wildcards", Deadline)}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return res, nil
}

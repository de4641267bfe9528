package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is one search from the search box.
type Query struct {
	Text  string // words, `ABC*` prefixes, `*EFGH*` infixes; all must match
	Type  string // restrict to one document type
	Owner string // restrict to one partner's records ("" = all)
	Limit int    // maximum ids returned (default 1000)
}

// maxTerms bounds a single query so a wildcard cannot expand without end.
const maxTerms = 8

// Parse splits the search box text into terms, dropping empties.
func Parse(text string) []string {
	f := strings.Fields(text)
	if len(f) > maxTerms {
		f = f[:maxTerms]
	}
	return f
}

func termQuery(term string) query.Query {
	wild := strings.ContainsAny(term, "*?")
	var alts []query.Query
	up := strings.ToUpper(term)
	for _, f := range keywordFields {
		if wild {
			q := bleve.NewWildcardQuery(up)
			q.SetField(f)
			alts = append(alts, q)
		} else {
			q := bleve.NewTermQuery(up)
			q.SetField(f)
			alts = append(alts, q)
		}
	}
	low := strings.ToLower(term)
	for _, f := range textFields {
		if wild {
			q := bleve.NewWildcardQuery(low)
			q.SetField(f)
			alts = append(alts, q)
		} else {
			q := bleve.NewMatchQuery(term)
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
		must = append(must, termQuery(t))
	}
	if q.Type != "" {
		t := bleve.NewTermQuery(q.Type)
		t.SetField("type")
		must = append(must, t)
	}
	if q.Owner != "" {
		t := bleve.NewTermQuery(q.Owner)
		t.SetField("owner")
		must = append(must, t)
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

// Search returns the ids of matching documents, best first, and the total
// number of matches.
func (x *Index) Search(q Query) (ids []string, total uint64, err error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), q.Limit, 0, false)
	x.mu.RLock()
	defer x.mu.RUnlock()
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, 0, err
	}
	ids = make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, res.Total, nil
}

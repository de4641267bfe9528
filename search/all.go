package search

import "github.com/blevesearch/bleve/v2"

// SearchAll returns the ids of every matching document, in no particular
// order and unscored: for totals and exports, which must not be cut.
func (x *Index) SearchAll(q Query) ([]string, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n, err := x.idx.DocCount()
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), int(n)+1, 0, false)
	req.Score = bleve.ScoreNone
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

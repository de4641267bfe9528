package search

// SearchAll returns the ids of every matching document, in no particular
// order and unscored: for totals and exports, which must not be cut. It
// keeps Search's limits, deadline and damaged-index errors.
func (x *Index) SearchAll(q Query) ([]string, error) {
	res, err := x.run(q, func() (int, error) {
		n, err := x.idx.DocCount()
		return int(n) + 1, err
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

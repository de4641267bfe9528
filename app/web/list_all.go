package web

import "licensedesk/app"

// listAll reads every page of a list, MaxPerPage at a time, for a
// page's picker or name map: a select that held only the first page
// would silently leave out the rest (house rule: no hidden cap).
func listAll[T any](list func(app.ListParams) (app.Page[T], error), p app.ListParams) ([]T, error) {
	var out []T
	p.PerPage = app.MaxPerPage
	for p.Page = 1; p.Page <= app.MaxPage; p.Page++ {
		pg, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Items...)
		if len(pg.Items) < app.MaxPerPage || len(out) >= pg.Total {
			break
		}
	}
	return out, nil
}

// allPartners lists every partner the actor may see matching filters.
func (s *Server) allPartners(a app.Actor, filters map[string]string) ([]app.Partner, error) {
	return listAll(func(p app.ListParams) (app.Page[app.Partner], error) { return s.svc.ListPartners(a, p) }, app.ListParams{Filters: filters})
}

// allProducts lists every product matching filters, in sort order.
func (s *Server) allProducts(a app.Actor, filters map[string]string, sort string) ([]app.Product, error) {
	return listAll(func(p app.ListParams) (app.Page[app.Product], error) { return s.svc.ListProducts(a, p) }, app.ListParams{Filters: filters, Sort: sort})
}

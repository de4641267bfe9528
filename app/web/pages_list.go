package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// listView is the state of a list page as it lives in the URL: the
// search box, filters, sort and page. Templates build links from it.
type listView struct {
	Path    string
	Query   url.Values
	Sort    string
	Page    int
	Pages   int
	Total   int
	PerPage int
	First   int // 1-based number of the first row shown
	Last    int
}

const listPerPage = 25

// listRequest reads a list page's URL into service parameters, keeping
// only the filters the page offers; a bad page number is page 1.
func listRequest(c *fiber.Ctx, path string, filters ...string) (app.ListParams, listView) {
	q := url.Values{}
	p := app.ListParams{Filters: map[string]string{}, PerPage: listPerPage}
	for _, f := range filters {
		if v := strings.TrimSpace(c.Query(f)); v != "" {
			p.Filters[f] = v
			q.Set(f, v)
		}
	}
	if v := c.Query("sort"); v != "" {
		p.Sort = v
		q.Set("sort", v)
	}
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 {
		p.Page = n
	}
	return p, listView{Path: path, Query: q, Sort: p.Sort, Page: max(p.Page, 1), PerPage: p.PerPage}
}

// withPage records the page the service answered.
func withPage[T any](lv listView, pg app.Page[T]) listView {
	lv.Total, lv.Pages = pg.Total, pg.Pages()
	if pg.Total > 0 && len(pg.Items) > 0 {
		lv.First = (pg.Page-1)*pg.PerPage + 1
		lv.Last = lv.First + len(pg.Items) - 1
	}
	return lv
}

func (l listView) url(q url.Values) string {
	if e := q.Encode(); e != "" {
		return l.Path + "?" + e
	}
	return l.Path
}

func (l listView) clone() url.Values {
	q := url.Values{}
	for k, v := range l.Query {
		q[k] = append([]string(nil), v...)
	}
	return q
}

// Get is a filter's current value.
func (l listView) Get(name string) string { return l.Query.Get(name) }

// Filtered reports whether any filter or search is set.
func (l listView) Filtered() bool {
	for k := range l.Query {
		if k != "sort" {
			return true
		}
	}
	return false
}

// SortURL sorts by field, flipping the direction when it is already the sort.
func (l listView) SortURL(field, def string) string {
	cur := l.Sort
	if cur == "" {
		cur = def
	}
	q := l.clone()
	q.Del("page")
	if cur == field {
		q.Set("sort", "-"+field)
	} else {
		q.Set("sort", field)
	}
	return l.url(q)
}

// AriaSort is the aria-sort value of a column header.
func (l listView) AriaSort(field, def string) string {
	cur := l.Sort
	if cur == "" {
		cur = def
	}
	switch cur {
	case field:
		return "ascending"
	case "-" + field:
		return "descending"
	}
	return "none"
}

// PageURL links to page n with the same filters.
func (l listView) PageURL(n int) string {
	q := l.clone()
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	} else {
		q.Del("page")
	}
	return l.url(q)
}

// Without removes one filter ("remove filter").
func (l listView) Without(name string) string {
	q := l.clone()
	q.Del(name)
	q.Del("page")
	return l.url(q)
}

// Reset is the list with no filters.
func (l listView) Reset() string { return l.Path }

// Prev and Next are the neighbouring pages, 0 when there is none.
func (l listView) Prev() int {
	if l.Page > 1 {
		return l.Page - 1
	}
	return 0
}

func (l listView) Next() int {
	if l.Page < l.Pages {
		return l.Page + 1
	}
	return 0
}

// WithParam links to page 1 with one parameter set (removed when empty).
func (l listView) WithParam(name, value string) string {
	q := l.clone()
	q.Del("page")
	if value == "" {
		q.Del(name)
	} else {
		q.Set(name, value)
	}
	return l.url(q)
}

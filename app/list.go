package app

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// ListParams is one page request: paging, sort ("name", "-created") and
// filters named like the fields in snake_case.
type ListParams struct {
	Page    int
	PerPage int
	Sort    string
	Filters map[string]string
}

// MaxPerPage bounds a page.
const MaxPerPage = 500

// MaxPage bounds the page number, so (page-1)*per_page cannot overflow;
// a page past the last one is empty.
const MaxPage = 1_000_000_000

func (p ListParams) norm() ListParams {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Page > MaxPage {
		p.Page = MaxPage
	}
	if p.PerPage < 1 {
		p.PerPage = 50
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// Filter returns the trimmed filter value for name.
func (p ListParams) Filter(name string) string {
	return strings.TrimSpace(p.Filters[name])
}

// only refuses a filter the list does not know, naming it and the ones
// it does: a mistyped filter must not quietly return everything.
func (p ListParams) only(names ...string) error {
	for k := range p.Filters {
		if !slices.Contains(names, k) {
			return Invalid(k, "is not a filter of this list; use one of %s", strings.Join(names, ", "))
		}
	}
	return nil
}

// Page is one page of a list.
type Page[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// Pages is the number of pages.
func (p Page[T]) Pages() int {
	if p.PerPage == 0 {
		return 1
	}
	n := (p.Total + p.PerPage - 1) / p.PerPage
	return max(n, 1)
}

// sortKey extracts a comparable string or number for a sort field.
type sortKeys[T any] map[string]func(T) any

// paginate sorts all (small lists: catalogue, partners, users) and cuts
// the requested page. An unknown sort field is a validation error.
func paginate[T any](all []T, p ListParams, keys sortKeys[T], def string) (Page[T], error) {
	p = p.norm()
	field := p.Sort
	if field == "" {
		field = def
	}
	desc := strings.HasPrefix(field, "-")
	field = strings.TrimPrefix(field, "-")
	key, ok := keys[field]
	if !ok {
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		slices.Sort(names)
		return Page[T]{}, Invalid("sort", "cannot sort by %q; use one of %s (prefix - for descending)", field, strings.Join(names, ", "))
	}
	slices.SortStableFunc(all, func(a, b T) int {
		c := compareAny(key(a), key(b))
		if desc {
			return -c
		}
		return c
	})
	out := Page[T]{Total: len(all), Page: p.Page, PerPage: p.PerPage}
	start := (p.Page - 1) * p.PerPage
	if start < len(all) {
		out.Items = all[start:min(start+p.PerPage, len(all))]
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	return out, nil
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		return cmp.Compare(strings.ToLower(x), strings.ToLower(b.(string)))
	case int:
		return cmp.Compare(x, b.(int))
	case int64:
		return cmp.Compare(x, b.(int64))
	case uint64:
		return cmp.Compare(x, b.(uint64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case bool:
		return cmp.Compare(boolInt(x), boolInt(b.(bool)))
	case interface{ Compare(any) int }:
		return x.Compare(b)
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// containsFold reports whether s contains the filter value, ignoring case.
func containsFold(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

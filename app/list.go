package app

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
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

// fixedOrder refuses any filter and any sort but order, for a list that
// has no filters and one order: list names it in the message ("this
// list"), ordered says how it is listed.
func (p ListParams) fixedOrder(list, order, ordered string) error {
	if len(p.Filters) > 0 {
		return Invalid(slices.Sorted(maps.Keys(p.Filters))[0], "is not a filter of %s; it has none", list)
	}
	if p.Sort != "" && p.Sort != order {
		return Invalid("sort", "%s; there is no other order", ordered)
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

// listPartner is the partner a list is limited to: a partner's own
// always, or the operator's partner_id filter when given.
func listPartner(a Actor, p ListParams) (partner uint64, has bool, err error) {
	if !a.IsOperator() {
		if a.PartnerID == 0 {
			return 0, false, ErrForbidden
		}
		if err := ownPartnerFilter(a, p.Filter("partner_id")); err != nil {
			return 0, false, err
		}
		return a.PartnerID, true, nil
	}
	if v := p.Filter("partner_id"); v != "" {
		n, err := parseUint("partner_id", v)
		if err != nil {
			return 0, false, err
		}
		return n, true, nil
	}
	return 0, false, nil
}

// ownPartnerFilter checks a partner's partner_id filter: its own id (or
// none) lists its records; another partner's id is answered as asking
// for another partner's record is, not found, rather than silently
// listing the partner's own records as if they were the other's.
func ownPartnerFilter(a Actor, v string) error {
	if v == "" {
		return nil
	}
	n, err := parseUint("partner_id", v)
	if err != nil {
		return err
	}
	if n != a.PartnerID {
		return ErrNotFound
	}
	return nil
}

// dayRange reads the from and to filters, UTC days with both ends
// included, as unix seconds [from, to); a missing end is open.
func dayRange(p ListParams) (from, to int64, err error) {
	from, to = math.MinInt64+1, math.MaxInt64
	if v := p.Filter("from"); v != "" {
		t, err := parseDay("from", v, false)
		if err != nil {
			return 0, 0, err
		}
		from = t.Unix()
	}
	if v := p.Filter("to"); v != "" {
		t, err := parseDay("to", v, true)
		if err != nil {
			return 0, 0, err
		}
		to = t.Unix() + 1
	}
	if from >= to {
		return 0, 0, Invalid("to", "must not be before from")
	}
	return from, to, nil
}

// newestFirst reads a list's sort by created or number: descending by
// default and with a leading -.
func newestFirst(sort string) (bool, error) {
	switch sort {
	case "", "-created", "-number":
		return true, nil
	case "created", "number":
		return false, nil
	}
	return false, Invalid("sort", "sort by created or number, newest first with a leading -")
}

// keyMoves says how a record's index entries move when it changes from
// the keys olds to news: the keys to add (in news' order) and those to
// delete. A key in both stays where it is.
func keyMoves(olds, news [][]byte) (puts, dels [][]byte) {
	stay := make(map[string]bool, len(olds))
	for _, k := range olds {
		stay[string(k)] = true
	}
	for _, k := range news {
		if stay[string(k)] {
			delete(stay, string(k))
			continue
		}
		puts = append(puts, k)
	}
	for _, k := range olds {
		if stay[string(k)] {
			delete(stay, string(k))
			dels = append(dels, k)
		}
	}
	return puts, dels
}

// moveIndexKeys moves a record's entries in a list index bucket from the
// keys olds to news (keyMoves).
func moveIndexKeys(tx *storage.Tx, bucket string, olds, news [][]byte) error {
	puts, dels := keyMoves(olds, news)
	for _, k := range puts {
		if err := tx.PutRaw(bucket, k, nil); err != nil {
			return err
		}
	}
	for _, k := range dels {
		if err := tx.Delete(bucket, k); err != nil {
			return err
		}
	}
	return nil
}

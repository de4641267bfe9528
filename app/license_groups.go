package app

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"licensedesk/storage"
)

// Group is one group of the license list with its count (F13).
type Group struct {
	Value string `json:"value"` // the group's value (an id for product and partner)
	Label string `json:"label"`
	Count int    `json:"count"`
	// Filter holds the list filters that open the group; empty when no
	// filter selects it alone (no customer, no end date).
	Filter map[string]string `json:"filter,omitempty"`
}

// GroupBy are the columns the list groups by.
var GroupBy = []string{"product", "edition", "status", "payment", "customer", "partner", "period", "expiry_month"}

// GroupSorts are the orders of groups: largest first (count), smallest
// first (-count), by name (name, -name).
var GroupSorts = []string{"count", "-count", "name", "-name"}

// GroupPage is one page of groups.
type GroupPage struct {
	Page[Group]
	Licenses int    `json:"licenses"` // licenses in every group
	Sort     string `json:"sort"`
}

// denseCodes bounds the group codes counted in a slice.
const denseCodes = 1 << 20

// groupAcc counts one group and keeps its first row for the labels.
type groupAcc struct {
	n      int
	sample colRow
}

// groupCode is the group of a row as a number.
func groupCode(by string, r *colRow) uint64 {
	switch by {
	case "product":
		return r.product
	case "edition":
		return uint64(r.edition)
	case "status":
		return uint64(r.status)
	case "payment":
		return uint64(r.payment)
	case "customer":
		return uint64(r.cust)
	case "partner":
		return r.partner
	case "period":
		return uint64(uint32(r.period))
	case "expiry_month":
		if r.validTo == noDate {
			return 0
		}
		t := time.Unix(r.validTo, 0).UTC()
		return uint64(max(t.Year()*12+int(t.Month())-1, 0)) + 1
	}
	return 0
}

func addGroup(m map[uint64]*groupAcc, by string, r *colRow) {
	code := groupCode(by, r)
	g := m[code]
	if g == nil {
		g = &groupAcc{sample: *r}
		m[code] = g
	}
	g.n++
}

// groups counts the rows that pass by the column, in parallel chunks. ok
// is false while the copy is not built.
func (c *licenseCols) groups(f *licenseFilter, hits []colHit, searched bool, by string) (out []Group, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.ready {
		return nil, false
	}
	mk := memoKey("group "+by, f, searched)
	if v, ok := c.memoGet(mk); ok && mk != "" {
		return slices.Clone(v.([]Group)), true
	}
	p := c.newPass(f, hits, searched)
	parts := runtime.GOMAXPROCS(0)
	if len(c.rows) < 50000 {
		parts = 1
	}
	size := (len(c.rows) + parts - 1) / parts
	// Each chunk counts in a slice by code (codes are small: ids, dict
	// indexes, months), keeping the first row id of each group; a code
	// beyond denseCodes goes to a map.
	type tally struct {
		n     []int32
		first []uint32
		big   map[uint64]*groupAcc
	}
	tallies := make([]tally, parts)
	var wg sync.WaitGroup
	for part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := tally{big: map[uint64]*groupAcc{}}
			for id := min(part*size, len(c.rows)); id < min((part+1)*size, len(c.rows)); id++ {
				r := &c.rows[id]
				if !p.ok(r, uint64(id)) {
					continue
				}
				code := groupCode(by, r)
				if code >= denseCodes {
					addGroup(t.big, by, r)
					continue
				}
				if code >= uint64(len(t.n)) {
					t.n = append(t.n, make([]int32, int(code)+1-len(t.n))...)
					t.first = append(t.first, make([]uint32, int(code)+1-len(t.first))...)
				}
				if t.n[code] == 0 {
					t.first[code] = uint32(id)
				}
				t.n[code]++
			}
			tallies[part] = t
		}()
	}
	wg.Wait()
	all := map[uint64]*groupAcc{}
	for _, t := range tallies {
		for code, n := range t.n {
			if n == 0 {
				continue
			}
			if a := all[uint64(code)]; a != nil {
				a.n += int(n)
			} else {
				all[uint64(code)] = &groupAcc{n: int(n), sample: c.rows[t.first[code]]}
			}
		}
		for k, g := range t.big {
			if a := all[k]; a != nil {
				a.n += g.n
			} else {
				all[k] = g
			}
		}
	}
	out = describeGroups(all, by, &c.dict)
	if mk != "" {
		c.memoPut(mk, slices.Clone(out))
	}
	return out, true
}

// describeGroups turns counts into groups with their value, label and
// filter (partner labels are added by the caller).
func describeGroups(m map[uint64]*groupAcc, by string, d *colDict) []Group {
	out := make([]Group, 0, len(m))
	for code, g := range m {
		r := &g.sample
		gr := Group{Count: g.n}
		set := func(val, label, filter string) {
			gr.Value, gr.Label = val, label
			if filter != "" && val != "" {
				gr.Filter = map[string]string{filter: val}
			}
		}
		switch by {
		case "product":
			set(uintStr(r.product), d.vals[r.prodName], "product_id")
		case "edition":
			set(d.vals[r.edition], cmp.Or(d.vals[r.edition], "(no edition)"), "edition")
		case "status":
			st := ""
			if r.status > 0 {
				st = string(allStatuses[r.status-1])
			}
			set(st, st, "status")
		case "payment":
			pay := ""
			if r.payment > 0 {
				pay = string(Payments[r.payment-1])
			}
			set(pay, cmp.Or(pay, "(none)"), "payment_status")
		case "customer":
			set(d.vals[r.cust], cmp.Or(d.vals[r.cust], "(no customer)"), "customer")
		case "partner":
			set(uintStr(r.partner), "(operator stock)", "partner_id")
		case "period":
			set(strconv.Itoa(int(r.period)), PeriodLabel(int(r.period)), "period_months")
		case "expiry_month":
			if code == 0 {
				set("", "(no end date)", "")
				break
			}
			t := time.Unix(r.validTo, 0).UTC()
			first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			last := first.AddDate(0, 1, -1)
			gr.Value, gr.Label = first.Format("2006-01"), first.Format("January 2006")
			gr.Filter = map[string]string{"valid_to_after": first.Format("2006-01-02"), "valid_to_before": last.Format("2006-01-02")}
		}
		out = append(out, gr)
	}
	return out
}

// groupLicenses counts the filtered licenses by a column: from the
// in-memory copy when it is built and the filter is one it answers, else
// from the records.
func (s *Service) groupLicenses(a Actor, p ListParams, by string) ([]Group, error) {
	if !slices.Contains(GroupBy, by) {
		return nil, Invalid("group", "group by %s", strings.Join(GroupBy, ", "))
	}
	if by == "partner" && !a.IsOperator() {
		return nil, Invalid("group", "group by product, edition, status, payment, customer, period or expiry_month")
	}
	f, err := s.parseLicenseFilter(a, p)
	if err != nil {
		return nil, err
	}
	var out []Group
	ok := false
	if len(f.post) == f.colPost {
		var hits []colHit
		if f.q != "" {
			if hits, err = s.searchHits(f); err != nil {
				return nil, err
			}
		} else {
			s.waitIndexed()
		}
		out, ok = s.cols.groups(f, hits, f.q != "", by)
	}
	if !ok {
		m := map[uint64]*groupAcc{}
		d := newColDict()
		err = s.exportScan(f, nil, func(_ *storage.Tx, l *License) error {
			r := colRowOf(l, &d)
			addGroup(m, by, &r)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = describeGroups(m, by, &d)
	}
	if by == "partner" {
		_ = s.db.View(func(tx *storage.Tx) error {
			for i := range out {
				if id, _ := strconv.ParseUint(out[i].Value, 10, 64); id != 0 {
					if pt, err := getPartner(tx, id); err == nil {
						out[i].Label = pt.Name + " (" + pt.PublicID + ")"
					}
				}
			}
			return nil
		})
	}
	return out, nil
}

// sortGroups orders groups: by count (largest first) or by name, ties by
// label then value, so pages never repeat or skip a group.
func sortGroups(gs []Group, order string) {
	type keyed struct {
		low string
		g   Group
	}
	ks := make([]keyed, len(gs))
	for i, g := range gs {
		ks[i] = keyed{strings.ToLower(g.Label), g}
	}
	byName := func(x, y keyed) int {
		if c := cmp.Compare(x.low, y.low); c != 0 {
			return c
		}
		return cmp.Compare(x.g.Value, y.g.Value)
	}
	slices.SortFunc(ks, func(x, y keyed) int {
		switch order {
		case "-count":
			if x.g.Count != y.g.Count {
				return cmp.Compare(x.g.Count, y.g.Count)
			}
		case "name":
			return byName(x, y)
		case "-name":
			return -byName(x, y)
		default:
			if x.g.Count != y.g.Count {
				return cmp.Compare(y.g.Count, x.g.Count)
			}
		}
		return byName(x, y)
	})
	for i := range ks {
		gs[i] = ks[i].g
	}
}

// GroupLicenses counts the filtered licenses per group, every group,
// largest first (F13).
func (s *Service) GroupLicenses(a Actor, p ListParams, by string) ([]Group, error) {
	out, err := s.groupLicenses(a, p, by)
	if err != nil {
		return nil, err
	}
	sortGroups(out, "count")
	return out, nil
}

// GroupLicensesPage is one page of groups (p.Page, p.PerPage: 50 by
// default) in the given order (GroupSorts; "" is count).
func (s *Service) GroupLicensesPage(a Actor, p ListParams, by, order string) (GroupPage, error) {
	if order == "" {
		order = "count"
	}
	if !slices.Contains(GroupSorts, order) {
		return GroupPage{}, Invalid("sort", "sort groups by %s", strings.Join(GroupSorts, ", "))
	}
	p = p.norm()
	out, err := s.groupLicenses(a, p, by)
	if err != nil {
		return GroupPage{}, err
	}
	sortGroups(out, order)
	gp := GroupPage{Page: Page[Group]{Total: len(out), Page: p.Page, PerPage: p.PerPage}, Sort: order}
	for _, g := range out {
		gp.Licenses += g.Count
	}
	from := min((p.Page-1)*p.PerPage, len(out))
	gp.Items = out[from:min(from+p.PerPage, len(out))]
	return gp, nil
}

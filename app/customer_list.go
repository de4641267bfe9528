package app

import (
	"cmp"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"

	"licensedesk/storage"
)

// CustomerRow is a customer in the list, with its number of licenses.
type CustomerRow struct {
	Customer
	Licenses int `json:"licenses"`
}

// customerFilter is a parsed customer list filter.
type customerFilter struct {
	q          string // words, each a case-insensitive substring of name, company or email
	country    string
	partner    uint64
	hasPartner bool
	sort       string
	desc       bool
}

// customerSorts are the columns the list sorts by.
var customerSorts = []string{"name", "company", "email", "country", "created"}

func (s *Service) parseCustomerFilter(a Actor, p ListParams) (customerFilter, error) {
	var f customerFilter
	if err := p.only("q", "country", "partner"); err != nil {
		return f, err
	}
	f.q = strings.ToLower(p.Filter("q"))
	if len(f.q) > 200 {
		return f, Invalid("q", "must be at most 200 characters")
	}
	f.country = strings.ToUpper(p.Filter("country"))
	if f.country != "" && (len(f.country) != 2 || strings.Trim(f.country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return f, Invalid("country", "must be a two-letter country code such as DE")
	}
	if v := p.Filter("partner"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return f, Invalid("partner", "%q is not a partner id", v)
		}
		f.partner, f.hasPartner = id, true
	}
	if !a.IsOperator() {
		if a.PartnerID == 0 {
			return f, ErrForbidden
		}
		if f.hasPartner && f.partner != a.PartnerID {
			return f, Invalid("partner", "a partner sees its own customers only")
		}
		f.partner, f.hasPartner = a.PartnerID, true
	}
	f.sort, f.desc = strings.CutPrefix(cmp.Or(p.Sort, "name"), "-")
	if !slices.Contains(customerSorts, f.sort) {
		return f, Invalid("sort", "sorts by one of %s (a leading - sorts descending)", strings.Join(customerSorts, ", "))
	}
	return f, nil
}

func (f customerFilter) match(c *Customer) bool {
	if f.country != "" && c.Country != f.country {
		return false
	}
	if f.q != "" {
		text := strings.ToLower(c.Name + "\x00" + c.Company + "\x00" + c.Email)
		for _, w := range strings.Fields(f.q) {
			if !strings.Contains(text, strings.Trim(w, "*")) {
				return false
			}
		}
	}
	return true
}

// matchingCustomers reads the customers the filter selects.
func (s *Service) matchingCustomers(tx *storage.Tx, f customerFilter) ([]Customer, error) {
	var out []Customer
	err := eachCustomer(tx, f.partner, !f.hasPartner, func(c Customer) bool {
		if f.match(&c) {
			out = append(out, c)
		}
		return true
	})
	return out, err
}

func sortCustomers(cs []Customer, by string, desc bool) {
	key := func(c *Customer) string {
		switch by {
		case "company":
			return strings.ToLower(c.Company)
		case "email":
			return c.Email
		case "country":
			return c.Country
		case "created":
			return c.Created.UTC().Format("20060102150405")
		}
		return strings.ToLower(c.Name)
	}
	slices.SortStableFunc(cs, func(x, y Customer) int {
		r := cmp.Or(cmp.Compare(key(&x), key(&y)), cmp.Compare(x.ID, y.ID))
		if desc {
			return -r
		}
		return r
	})
}

// ListCustomers is the customer list: filtered by words (q), country and
// partner (operator), sorted and paged. A partner sees its own.
func (s *Service) ListCustomers(a Actor, p ListParams) (Page[CustomerRow], error) {
	p = p.norm()
	f, err := s.parseCustomerFilter(a, p)
	if err != nil {
		return Page[CustomerRow]{}, err
	}
	out := Page[CustomerRow]{Page: p.Page, PerPage: p.PerPage, Items: []CustomerRow{}}
	err = s.db.View(func(tx *storage.Tx) error {
		cs, err := s.matchingCustomers(tx, f)
		if err != nil {
			return err
		}
		sortCustomers(cs, f.sort, f.desc)
		out.Total = len(cs)
		from := min((p.Page-1)*p.PerPage, len(cs))
		for _, c := range cs[from:min(from+p.PerPage, len(cs))] {
			out.Items = append(out.Items, CustomerRow{Customer: c, Licenses: customerLicenseCount(tx, &c)})
		}
		return nil
	})
	return out, err
}

// CheckCustomerFilter validates list parameters before an export starts.
func (s *Service) CheckCustomerFilter(a Actor, p ListParams) error {
	_, err := s.parseCustomerFilter(a, p)
	return err
}

type customerCSV struct {
	ID       uint64 `csv:"id"`
	Name     string `csv:"name"`
	Company  string `csv:"company"`
	Email    string `csv:"email"`
	Country  string `csv:"country"`
	Partner  string `csv:"partner"`
	Licenses int    `csv:"licenses"`
	Created  string `csv:"created"`
}

// ExportCustomersCSV streams the customers the filter selects as CSV.
func (s *Service) ExportCustomersCSV(a Actor, p ListParams, w io.Writer) (int, error) {
	f, err := s.parseCustomerFilter(a, p)
	if err != nil {
		return 0, err
	}
	rows := make(chan any, 256)
	done := make(chan error, 1)
	go func() { done <- gocsv.MarshalChan(rows, gocsv.DefaultCSVWriter(w)) }()
	n := 0
	err = s.db.View(func(tx *storage.Tx) error {
		pubs := map[uint64]string{}
		return eachCustomer(tx, f.partner, !f.hasPartner, func(c Customer) bool {
			if !f.match(&c) {
				return true
			}
			pub, ok := pubs[c.PartnerID]
			if !ok {
				if pt, err := getPartner(tx, c.PartnerID); err == nil {
					pub = pt.PublicID
				}
				pubs[c.PartnerID] = pub
			}
			rows <- customerCSV{ID: c.ID, Name: SafeCell(c.Name), Company: SafeCell(c.Company), Email: SafeCell(c.Email),
				Country: c.Country, Partner: pub, Licenses: customerLicenseCount(tx, &c), Created: isoTime(&c.Created)}
			n++
			return true
		})
	})
	close(rows)
	werr := <-done
	if n == 0 && errors.Is(werr, gocsv.ErrChannelIsClosed) {
		werr = gocsv.Marshal([]customerCSV{}, w)
	}
	if err == nil {
		err = werr
	}
	return n, err
}

package web

import (
	"bufio"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Customers (B11): records with their licenses, searchable, filterable
// and exported like licenses.

type customersList struct {
	List     listView
	Items    []app.CustomerRow
	Operator bool
	Names    map[uint64]string
}

func (s *Server) customersPage(c *fiber.Ctx) error {
	a := mustActor(c)
	filters := []string{"q", "country"}
	if a.IsOperator() {
		filters = append(filters, "partner")
	}
	p, lv := listRequest(c, "/customers", filters...)
	page, err := s.svc.ListCustomers(a, p)
	if err != nil {
		return err
	}
	d := customersList{List: withPage(lv, page), Items: page.Items, Operator: a.IsOperator(), Names: map[uint64]string{}}
	if a.IsOperator() {
		if d.Names, _, err = s.partnerNames(a); err != nil {
			return err
		}
	}
	v := View{Title: "Customers", Nav: "customers", Data: d}
	if wantsFragment(c, "results") {
		return s.render(c, fiber.StatusOK, "customers", "results", v)
	}
	return s.render(c, fiber.StatusOK, "customers", "", v)
}

func (s *Server) customersExport(c *fiber.Ctx) error {
	p := app.ListParams{Filters: map[string]string{}}
	for _, f := range []string{"q", "country", "partner"} {
		if v := c.Query(f); v != "" {
			p.Filters[f] = v
		}
	}
	return s.streamCustomersCSV(c, p)
}

// apiCustomersCSV takes the list's parameters as the list does: a
// mistyped filter is refused, not dropped to export every customer.
func (s *Server) apiCustomersCSV(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	return s.streamCustomersCSV(c, p)
}

func (s *Server) streamCustomersCSV(c *fiber.Ctx, p app.ListParams) error {
	a := mustActor(c)
	if err := s.svc.CheckCustomerFilter(a, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="customers-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := s.svc.ExportCustomersCSV(a, p, w); err != nil {
			s.log.Error("customer export stopped", "err", err)
		}
		w.Flush()
	})
	return nil
}

type customerDetail struct {
	C        app.Customer
	Licenses []app.LicenseView
	Partner  string
}

func (s *Server) customerPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderCustomer(c, fiber.StatusOK, id, nil, nil)
}

func (s *Server) renderCustomer(c *fiber.Ctx, status int, id uint64, vals, errs map[string]string) error {
	a := mustActor(c)
	cu, err := s.svc.GetCustomer(a, id)
	if err != nil {
		return err
	}
	ls, err := s.svc.CustomerLicenses(a, id)
	if err != nil {
		return err
	}
	d := customerDetail{C: cu, Licenses: ls}
	if a.IsOperator() {
		if p, err := s.svc.GetPartner(a, cu.PartnerID); err == nil {
			d.Partner = p.Name
		}
	}
	if vals == nil {
		vals = map[string]string{"name": cu.Name, "company": cu.Company, "email": cu.Email, "country": cu.Country}
	}
	return s.render(c, status, "customer", "", View{Title: cu.Name, Nav: "customers", Form: vals, Errors: errs, Data: d})
}

func customerForm(vals map[string]string) app.CustomerInput {
	in := app.CustomerInput{}
	for k, p := range map[string]**string{"name": &in.Name, "company": &in.Company, "email": &in.Email, "country": &in.Country} {
		val := vals[k]
		*p = &val
	}
	return in
}

func (s *Server) customerUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := formValues(c)
	if _, err := s.svc.UpdateCustomer(mustActor(c), id, customerForm(vals)); err != nil {
		if status, errs, ok := formError(err, sameFields("name", "company", "email", "country")); ok {
			return s.renderCustomer(c, status, id, vals, errs)
		}
		return err
	}
	return s.redirect(c, "/customers/"+strconv.FormatUint(id, 10), "Customer saved.")
}

func (s *Server) customerNewPage(c *fiber.Ctx) error {
	return s.renderCustomerNew(c, fiber.StatusOK, map[string]string{}, nil)
}

func (s *Server) renderCustomerNew(c *fiber.Ctx, status int, vals, errs map[string]string) error {
	a := mustActor(c)
	var partners []app.Partner
	if a.IsOperator() {
		var err error
		if _, partners, err = s.partnerNames(a); err != nil {
			return err
		}
	}
	return s.render(c, status, "customer_new", "", View{Title: "New customer", Nav: "customers", Form: vals, Errors: errs, Data: partners})
}

func (s *Server) customerCreate(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	in := customerForm(vals)
	if a.IsOperator() {
		pid, err := formID(vals, "partner_id")
		if err != nil {
			return s.renderCustomerNew(c, fiber.StatusUnprocessableEntity, vals, map[string]string{"partner_id": "Choose a partner from the list."})
		}
		in.PartnerID = &pid
	}
	cu, err := s.svc.CreateCustomer(a, in)
	if err != nil {
		if status, errs, ok := formError(err, sameFields("partner_id", "name", "company", "email", "country")); ok {
			return s.renderCustomerNew(c, status, vals, errs)
		}
		return err
	}
	return s.redirect(c, "/customers/"+strconv.FormatUint(cu.ID, 10), "Customer "+cu.Name+" created.")
}

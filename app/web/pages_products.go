package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// productRow is one line of the product list.
type productRow struct {
	app.Product
	From int64 // lowest price per seat, 0 when unpriced
}

type productsList struct {
	List listView
	Rows []productRow
}

func (s *Server) productsPage(c *fiber.Ctx) error {
	a := mustActor(c)
	filters := []string{"q", "currency"}
	if a.IsOperator() {
		filters = append(filters, "active")
	}
	p, lv := listRequest(c, "/products", filters...)
	page, err := s.svc.ListProducts(a, p)
	if err != nil {
		return err
	}
	d := productsList{List: withPage(lv, page)}
	for _, pr := range page.Items {
		row := productRow{Product: pr}
		for _, price := range pr.Prices {
			if row.From == 0 || price.PerSeat < row.From {
				row.From = price.PerSeat
			}
		}
		d.Rows = append(d.Rows, row)
	}
	v := View{Title: "Products", Nav: "products", Data: d}
	if wantsFragment(c, "results") {
		return s.render(c, fiber.StatusOK, "products", "results", v)
	}
	return s.render(c, fiber.StatusOK, "products", "", v)
}

// priceMatrix is a product's prices laid out editions × periods.
type priceMatrix struct {
	Periods []int
	Rows    []priceRow
}

type priceRow struct {
	Edition app.Edition
	Up      []app.Edition // editions it upgrades to
	Cells   []priceCell
}

type priceCell struct {
	Amount int64
	Set    bool
}

type productDetail struct {
	Product app.Product
	Matrix  priceMatrix
}

func matrixOf(p app.Product) priceMatrix {
	m := priceMatrix{Periods: p.Periods}
	for _, e := range p.Editions {
		row := priceRow{Edition: e}
		for _, code := range e.UpgradesTo {
			if to, ok := p.Edition(code); ok {
				row.Up = append(row.Up, to)
			}
		}
		for _, months := range p.Periods {
			amt, ok := p.PriceFor(e.Code, months)
			row.Cells = append(row.Cells, priceCell{amt, ok})
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

func (s *Server) productPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetProduct(mustActor(c), id)
	if err != nil {
		return err
	}
	return s.renderProduct(c, fiber.StatusOK, p, nil)
}

func (s *Server) renderProduct(c *fiber.Ctx, status int, p app.Product, errs map[string]string) error {
	return s.render(c, status, "product", "", View{Title: p.Name, Nav: "products", Errors: errs,
		Data: productDetail{Product: p, Matrix: matrixOf(p)}})
}

func (s *Server) productNewPage(c *fiber.Ctx) error {
	vals, f := newProductForm(nil)
	return s.renderProductForm(c, fiber.StatusOK, f, vals, nil)
}

func (s *Server) productEditPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetProduct(mustActor(c), id)
	if err != nil {
		return err
	}
	vals, f := newProductForm(&p)
	f.Product = &p
	return s.renderProductForm(c, fiber.StatusOK, f, vals, nil)
}

func (s *Server) renderProductForm(c *fiber.Ctx, status int, f productForm, vals, errs map[string]string) error {
	title := "New product"
	if f.Product != nil {
		title = "Edit " + f.Product.Name
	}
	return s.render(c, status, "product_form", "", View{Title: title, Nav: "products", Form: vals, Errors: errs, Data: f})
}

func (s *Server) productCreate(c *fiber.Ctx) error {
	return s.saveProduct(c, nil)
}

func (s *Server) productUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetProduct(mustActor(c), id)
	if err != nil {
		return err
	}
	return s.saveProduct(c, &p)
}

// saveProduct creates (old == nil) or updates a product from the form,
// re-showing the form with the message beside the field on a mistake.
func (s *Server) saveProduct(c *fiber.Ctx, old *app.Product) error {
	vals := formValues(c)
	in, fields, err := parseProductForm(vals)
	mapField := func(f string) string { return f } // the parser names the form's own fields
	if err == nil {
		var p app.Product
		if old == nil {
			p, err = s.svc.CreateProduct(mustActor(c), in)
		} else {
			p, err = s.svc.UpdateProduct(mustActor(c), old.ID, in)
		}
		if err == nil {
			return s.redirect(c, "/products/"+strconv.FormatUint(p.ID, 10), "Product saved.")
		}
		mapField = fields.mapField
	}
	status, errs, ok := formError(err, mapField)
	if !ok {
		return err
	}
	f := formShape(vals, 0, 0, 0, 0)
	f.Product = old
	return s.renderProductForm(c, status, f, vals, errs)
}

func (s *Server) productDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	p, err := s.svc.GetProduct(a, id)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteProduct(a, id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderProduct(c, status, p, errs)
		}
		return err
	}
	return s.redirect(c, "/products", "Product "+p.Name+" deleted.")
}

package web

import (
	"bufio"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Orders, quotes and special prices (issue 8).

func (s *Server) apiOrdersList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListOrders(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiOrderCreate(c *fiber.Ctx) error {
	var in app.OrderInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, created, err := s.svc.PlaceOrder(mustActor(c), in, c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if !created {
		c.Set("Idempotent-Replayed", "true")
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) apiOrderGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	o, err := s.svc.GetOrder(mustActor(c), id)
	if err != nil {
		return err
	}
	ls, err := s.svc.OrderLicenses(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(orderOut{OrderView: o, Licenses: withLinks(c, ls)})
}

// orderOut is an order as GET /api/v1/orders/{id} answers it: the order's
// fields as POST answers them, plus its licenses with keys and links.
type orderOut struct {
	app.OrderView
	Licenses []orderLicenseOut `json:"licenses"`
}

// orderLicenseOut is a license of an order with its full activation link.
type orderLicenseOut struct {
	app.OrderLicense
	ActivationURL string `json:"activation_url"`
}

func withLinks(c *fiber.Ctx, ls []app.OrderLicense) []orderLicenseOut {
	out := make([]orderLicenseOut, len(ls))
	for i, l := range ls {
		link := ""
		if l.ActivationPath != "" { // used or revoked: no live link
			link = c.BaseURL() + l.ActivationPath
		}
		out[i] = orderLicenseOut{l, link}
	}
	return out
}

func (s *Server) apiOrderRefund(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.RefundInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.svc.RefundOrder(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiOrderPayment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reference string `json:"reference"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.svc.RecordOrderPayment(mustActor(c), id, in.Reference)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiOrdersCSV(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	return s.streamOrdersCSV(c, p)
}

func (s *Server) streamOrdersCSV(c *fiber.Ctx, p app.ListParams) error {
	a := mustActor(c)
	if err := s.svc.CheckOrderFilter(a, p); err != nil {
		return err
	}
	csvHeaders(c, "orders-"+time.Now().UTC().Format("2006-01-02")+".csv")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := s.svc.ExportOrdersCSV(a, p, w); err != nil {
			s.log.Error("order export stopped", "err", err)
		}
		w.Flush()
	})
	return nil
}

func csvHeaders(c *fiber.Ctx, name string) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
}

func (s *Server) apiOrderCodesCSV(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	o, err := s.svc.GetOrder(a, id)
	if err != nil {
		return err
	}
	csvHeaders(c, o.Number+"-codes.csv")
	base := c.BaseURL()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := s.svc.ExportOrderCodesCSV(a, id, base, w); err != nil {
			s.log.Error("order codes export stopped", "err", err)
		}
		w.Flush()
	})
	return nil
}

// apiQuoteGet prices one line given in the query: product_id, edition,
// seats, period_months, quantity (default 1), special_price, partner_id.
func (s *Server) apiQuoteGet(c *fiber.Ctx) error {
	in, err := quoteFromQuery(c)
	if err != nil {
		return err
	}
	q, err := s.svc.QuoteOrder(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

// quoteParams are the query parameters GET /api/v1/quote reads; any
// other is refused by name, as POST refuses a field it does not know, so
// a mistyped quantity is not quietly priced as 1.
var quoteParams = []string{"product_id", "edition", "seats", "period_months", "quantity", "special_price", "partner_id"}

func quoteFromQuery(c *fiber.Ctx) (app.OrderInput, error) {
	if err := onlyQuery(c, quoteParams...); err != nil {
		return app.OrderInput{}, err
	}
	num := func(name string, def int) (int, error) {
		v := c.Query(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, app.Invalid(name, "%q is not a whole number", v)
		}
		return n, nil
	}
	var l app.BasketLine
	var err error
	if v := c.Query("product_id"); v != "" {
		if l.ProductID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return app.OrderInput{}, app.Invalid("product_id", "%q is not a product id", v)
		}
	}
	l.Edition = c.Query("edition")
	if l.Seats, err = num("seats", 0); err != nil {
		return app.OrderInput{}, err
	}
	if l.PeriodMonths, err = num("period_months", 0); err != nil {
		return app.OrderInput{}, err
	}
	if l.Quantity, err = num("quantity", 1); err != nil {
		return app.OrderInput{}, err
	}
	in := app.OrderInput{Lines: []app.BasketLine{l}, SpecialPrice: c.Query("special_price")}
	if v := c.Query("partner_id"); v != "" {
		if in.PartnerID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return app.OrderInput{}, app.Invalid("partner_id", "%q is not a partner id", v)
		}
	}
	return in, nil
}

func (s *Server) apiQuotePost(c *fiber.Ctx) error {
	var in app.OrderInput
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err := s.svc.QuoteOrder(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) apiSpecialPricesList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListSpecialPricesPage(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiSpecialPriceCreate(c *fiber.Ctx) error {
	var in app.SpecialPriceInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sp, err := s.svc.CreateSpecialPrice(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sp)
}

func (s *Server) apiOrderResend(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.ResendConfirmation(mustActor(c), id); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"queued": true})
}

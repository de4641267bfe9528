package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Buying, orders, special prices and order history pages (issue 8).

// buyData is the product grid, the basket form and its price.
type buyData struct {
	Products []app.Product
	Partners []app.Partner // for the operator buying on a partner's behalf
	Product  *app.Product  // the chosen one
	Quote    *app.Quote
	Balance  *app.Money
	Idem     string // one purchase per rendered form, however often it is sent
}

var buyFields = []string{"product_id", "edition", "seats", "period_months", "quantity", "payment", "special_price", "partner_id"}

// buyForm reads the basket from the query (GET) or the form (POST).
func buyForm(c *fiber.Ctx, post bool) map[string]string {
	out := map[string]string{}
	for _, f := range append(buyFields, "idem") {
		v := c.Query(f)
		if post {
			v = c.FormValue(f)
		}
		if v = strings.TrimSpace(v); v != "" {
			out[f] = v
		}
	}
	return out
}

// orderInput turns form values into a purchase; a malformed number
// names its field.
func orderInput(vals map[string]string) (app.OrderInput, error) {
	num := func(name string, def int) (int, error) {
		v := vals[name]
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
	if v := vals["product_id"]; v != "" {
		if l.ProductID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return app.OrderInput{}, app.Invalid("product_id", "choose a product")
		}
	}
	l.Edition = vals["edition"]
	if l.Seats, err = num("seats", 0); err != nil {
		return app.OrderInput{}, err
	}
	if l.PeriodMonths, err = num("period_months", 0); err != nil {
		return app.OrderInput{}, err
	}
	if l.Quantity, err = num("quantity", 1); err != nil {
		return app.OrderInput{}, err
	}
	in := app.OrderInput{Lines: []app.BasketLine{l}, Payment: vals["payment"], SpecialPrice: vals["special_price"]}
	if v := vals["partner_id"]; v != "" {
		if in.PartnerID, err = strconv.ParseUint(v, 10, 64); err != nil {
			return app.OrderInput{}, app.Invalid("partner_id", "choose a partner")
		}
	}
	return in, nil
}

// buyFieldOf maps a service field (lines[0].seats) to the form's (seats).
func buyFieldOf(f string) string {
	f = strings.TrimPrefix(f, "lines[0].")
	for _, x := range buyFields {
		if x == f {
			return f
		}
	}
	return ""
}

func newIdem() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// buyData loads the grid and prices the basket in vals, if one is chosen.
func (s *Server) loadBuy(c *fiber.Ctx, vals map[string]string) (buyData, map[string]string, error) {
	a := mustActor(c)
	var d buyData
	prods, err := s.allProducts(a, map[string]string{"active": "true"}, "")
	if err != nil {
		return d, nil, err
	}
	d.Products = prods
	if a.IsOperator() {
		ps, err := s.allPartners(a, map[string]string{"disabled": "false"})
		if err != nil {
			return d, nil, err
		}
		d.Partners = ps
	}
	id, _ := strconv.ParseUint(vals["product_id"], 10, 64)
	for i := range d.Products {
		if d.Products[i].ID == id {
			d.Product = &d.Products[i]
		}
	}
	if d.Product == nil && len(d.Products) > 0 && vals["product_id"] == "" {
		d.Product = &d.Products[0]
	}
	if d.Product != nil {
		p := d.Product
		vals["product_id"] = strconv.FormatUint(p.ID, 10)
		if vals["edition"] == "" && len(p.Editions) > 0 {
			vals["edition"] = p.Editions[0].Code
		}
		if vals["period_months"] == "" && len(p.Periods) > 0 {
			vals["period_months"] = strconv.Itoa(p.Periods[0])
		}
		if vals["seats"] == "" {
			vals["seats"] = strconv.Itoa(p.MinSeats)
		}
		if vals["quantity"] == "" {
			vals["quantity"] = "1"
		}
	}
	if vals["payment"] == "" {
		vals["payment"] = app.PayBalance
	}
	var errs map[string]string
	if d.Product != nil && (!a.IsOperator() || vals["partner_id"] != "") {
		in, err := orderInput(vals)
		if err == nil {
			var q app.Quote
			if q, err = s.svc.QuoteOrder(a, in); err == nil {
				d.Quote = &q
				d.Balance = q.Balance
			}
		}
		if err != nil {
			_, fe, ok := formError(err, buyFieldOf)
			if !ok {
				return d, nil, err
			}
			errs = fe
		}
	}
	d.Idem = vals["idem"]
	if d.Idem == "" {
		d.Idem = newIdem()
	}
	return d, errs, nil
}

func (s *Server) buyPage(c *fiber.Ctx) error {
	if c.Query(csrfField) != "" {
		// "Show price" without JavaScript sends the whole form by GET:
		// keep the session's form token out of the address bar and history.
		q := url.Values{}
		for k, v := range buyForm(c, false) {
			if k != "idem" {
				q.Set(k, v)
			}
		}
		return c.Redirect("/buy?"+q.Encode(), fiber.StatusSeeOther)
	}
	vals := buyForm(c, false)
	d, errs, err := s.loadBuy(c, vals)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "buy", "", View{Title: "Buy licenses", Nav: "buy", Data: d, Form: vals, Errors: errs})
}

// buyQuote is the price breakdown alone, for htmx as the form changes.
func (s *Server) buyQuote(c *fiber.Ctx) error {
	vals := buyForm(c, false)
	d, errs, err := s.loadBuy(c, vals)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "buy", "quote", View{Data: d, Form: vals, Errors: errs})
}

func (s *Server) buySubmit(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := buyForm(c, true)
	in, err := orderInput(vals)
	var o app.OrderView
	if err == nil {
		key := ""
		if vals["idem"] != "" {
			key = "form:" + vals["idem"]
		}
		o, _, err = s.svc.PlaceOrder(a, in, key)
	}
	if err != nil {
		var sf *app.ShortfallError
		var errs map[string]string
		status := fiber.StatusUnprocessableEntity
		if errors.As(err, &sf) {
			errs = map[string]string{"payment": sf.Error() + ". Pay by invoice, or ask for a top-up."}
		} else {
			st, fe, ok := formError(err, buyFieldOf)
			if !ok {
				return err
			}
			status, errs = st, fe
		}
		d, _, lerr := s.loadBuy(c, vals)
		if lerr != nil {
			return lerr
		}
		d.Idem = newIdem()
		return s.render(c, status, "buy", "", View{Title: "Buy licenses", Nav: "buy", Data: d, Form: vals, Errors: errs})
	}
	n := len(o.LicenseIDList)
	msg := "Order " + o.Number + ": " + strconv.Itoa(n) + " license"
	if n != 1 {
		msg += "s"
	}
	return s.redirect(c, "/orders/"+strconv.FormatUint(o.ID, 10), msg+" bought for "+o.Total.String()+".")
}

// ordersData is the orders list page.
type ordersData struct {
	List     listView
	Items    []app.OrderView
	Tiles    bool
	Products []app.Product
	Partners []app.Partner
	States   []app.OrderState
	Today    string
}

var orderListFilters = []string{"from", "to", "number", "product_id", "partner_id", "state"}

// ordersRequest reads the list's URL; with no filter at all it shows
// today's orders (F20).
func (s *Server) ordersRequest(c *fiber.Ctx) (app.ListParams, listView, string) {
	today := s.svc.Now().In(s.loc).Format("2006-01-02")
	p, lv := listRequest(c, "/orders", orderListFilters...)
	if len(c.Request().URI().QueryString()) == 0 {
		p.Filters["from"], p.Filters["to"] = today, today
		lv.Query.Set("from", today)
		lv.Query.Set("to", today)
	}
	if v := c.Query("view"); v == "tiles" {
		lv.Query.Set("view", v)
	}
	return p, lv, today
}

func (s *Server) ordersPage(c *fiber.Ctx) error {
	a := mustActor(c)
	p, lv, today := s.ordersRequest(c)
	pg, err := s.svc.ListOrders(a, p)
	if err != nil {
		return err
	}
	d := ordersData{List: withPage(lv, pg), Items: pg.Items, Tiles: c.Query("view") == "tiles", States: app.OrderStates, Today: today}
	prods, err := s.allProducts(a, nil, "")
	if err != nil {
		return err
	}
	d.Products = prods
	if a.IsOperator() {
		ps, err := s.allPartners(a, nil)
		if err != nil {
			return err
		}
		d.Partners = ps
	}
	return s.render(c, fiber.StatusOK, "orders", "", View{Title: "Orders", Nav: "orders", Data: d})
}

func (s *Server) ordersExport(c *fiber.Ctx) error {
	p, _, _ := s.ordersRequest(c)
	return s.streamOrdersCSV(c, p)
}

// orderData is one order's page.
type orderData struct {
	Order    app.OrderView
	Licenses []app.OrderLicense
	Base     string // public URL the activation links start with
	BuyMore  string
	CanPay   bool
}

func (s *Server) renderOrder(c *fiber.Ctx, id uint64, status int, form map[string]string, errs map[string]string) error {
	a := mustActor(c)
	o, err := s.svc.GetOrder(a, id)
	if err != nil {
		return err
	}
	ls, err := s.svc.OrderLicenses(a, id)
	if err != nil {
		return err
	}
	d := orderData{Order: o, Licenses: ls, Base: c.BaseURL(), CanPay: a.IsOperator() && o.State == app.OrderUnpaid && o.InvoiceID == 0}
	if len(o.Lines) > 0 {
		l := o.Lines[0]
		d.BuyMore = "/buy?product_id=" + strconv.FormatUint(l.ProductID, 10) + "&edition=" + l.Edition +
			"&seats=" + strconv.Itoa(l.Seats) + "&period_months=" + strconv.Itoa(l.PeriodMonths) + "&quantity=" + strconv.Itoa(l.Quantity)
		if a.IsOperator() {
			d.BuyMore += "&partner_id=" + strconv.FormatUint(o.PartnerID, 10)
		}
	}
	return s.render(c, status, "order", "", View{Title: "Order " + o.Number, Nav: "orders", Data: d, Form: form, Errors: errs})
}

func (s *Server) orderPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderOrder(c, id, fiber.StatusOK, nil, nil)
}

func (s *Server) orderRefund(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var ids []uint64
	for _, v := range c.Request().PostArgs().PeekMulti("license_id") {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return app.Invalid("license_id", "%q is not a license id", v)
		}
		ids = append(ids, n)
	}
	reason := c.FormValue("reason")
	if len(ids) == 0 && c.FormValue("all") == "" {
		// Nothing ticked is not "refund everything": only the explicit button does that.
		if _, err := s.svc.GetOrder(mustActor(c), id); err != nil {
			return err
		}
		return s.renderOrder(c, id, fiber.StatusUnprocessableEntity, map[string]string{"reason": reason}, map[string]string{"license_ids": "tick the licenses to refund"})
	}
	o, err := s.svc.RefundOrder(mustActor(c), id, app.RefundInput{LicenseIDs: ids, Reason: reason})
	if err != nil {
		status, errs, ok := formError(err, sameFields("reason", "license_ids"))
		if !ok {
			return err
		}
		return s.renderOrder(c, id, status, map[string]string{"reason": reason}, errs)
	}
	return s.redirect(c, "/orders/"+strconv.FormatUint(id, 10), "Refunded. The order is now "+strings.ReplaceAll(string(o.State), "_", " ")+".")
}

func (s *Server) orderPayment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ref := c.FormValue("reference")
	o, err := s.svc.RecordOrderPayment(mustActor(c), id, ref)
	if err != nil {
		status, errs, ok := formError(err, sameFields("reference", "state"))
		if !ok {
			return err
		}
		return s.renderOrder(c, id, status, map[string]string{"reference": ref}, errs)
	}
	return s.redirect(c, "/orders/"+strconv.FormatUint(id, 10), "Payment recorded for order "+o.Number+".")
}

// specialData is the special-price links page.
type specialData struct {
	Items    []app.SpecialView
	Partners []app.Partner
	Names    map[uint64]string
	Reasons  []string
	Base     string
	Created  *app.SpecialView
}

func (s *Server) renderSpecial(c *fiber.Ctx, status int, form, errs map[string]string, created *app.SpecialView) error {
	a := mustActor(c)
	items, err := s.svc.ListSpecialPrices(a)
	if err != nil {
		return err
	}
	ps, err := s.allPartners(a, nil)
	if err != nil {
		return err
	}
	d := specialData{Items: items, Partners: ps, Names: map[uint64]string{}, Reasons: app.SpecialReasons, Base: c.BaseURL(), Created: created}
	for _, p := range ps {
		d.Names[p.ID] = p.Name
	}
	return s.render(c, status, "special_prices", "", View{Title: "Special prices", Nav: "special", Data: d, Form: form, Errors: errs})
}

func (s *Server) specialPricesPage(c *fiber.Ctx) error {
	return s.renderSpecial(c, fiber.StatusOK, map[string]string{"valid_days": "30"}, nil, nil)
}

func (s *Server) specialPriceCreate(c *fiber.Ctx) error {
	vals := formValues(c)
	var in app.SpecialPriceInput
	var err error
	if v := vals["partner_id"]; v != "" {
		if in.PartnerID, err = strconv.ParseUint(v, 10, 64); err != nil {
			err = app.Invalid("partner_id", "choose a partner")
		}
	}
	if err == nil {
		in.DiscountBP, err = app.ParsePercent("discount", vals["discount"])
	}
	if err == nil && vals["valid_days"] != "" {
		if in.ValidDays, err = strconv.Atoi(vals["valid_days"]); err != nil {
			err = app.Invalid("valid_days", "%q is not a number of days", vals["valid_days"])
		}
	}
	in.Reason, in.Note = vals["reason"], vals["note"]
	var sp app.SpecialView
	if err == nil {
		sp, err = s.svc.CreateSpecialPrice(mustActor(c), in)
	}
	if err != nil {
		status, errs, ok := formError(err, func(f string) string {
			if f == "discount_bp" {
				return "discount"
			}
			return f
		})
		if !ok {
			return err
		}
		return s.renderSpecial(c, status, vals, errs, nil)
	}
	return s.renderSpecial(c, fiber.StatusCreated, map[string]string{"valid_days": "30"}, nil, &sp)
}

// historyData is a partner's order timeline.
type historyData struct {
	Partner  app.Partner
	Partners []app.Partner
	// PartnersTotal counts the partners matching PartnerQ (all without
	// one), PartnersShown those the picker lists; PartnersCut says it
	// lists only some partners (or a search's).
	PartnersTotal int
	PartnersShown int
	PartnersCut   bool
	PartnerQ      string
	Entries       []app.TimelineEntry // the events of one page of orders
	List          listView            // the pager over the partner's orders
}

func (s *Server) historyPage(c *fiber.Ctx) error {
	a := mustActor(c)
	var d historyData
	id := a.PartnerID
	if a.IsOperator() {
		// The picker holds at most MaxPerPage partners; past that the page
		// says so and a name search (partner_q) narrows it to the others.
		d.PartnerQ = strings.TrimSpace(c.Query("partner_q"))
		lp := app.ListParams{PerPage: app.MaxPerPage}
		if d.PartnerQ != "" {
			lp.Filters = map[string]string{"q": d.PartnerQ}
		}
		ps, err := s.svc.ListPartners(a, lp)
		if err != nil {
			return err
		}
		d.Partners, d.PartnersTotal, d.PartnersShown = ps.Items, ps.Total, len(ps.Items)
		d.PartnersCut = ps.Total > len(ps.Items) || d.PartnerQ != ""
		id, _ = strconv.ParseUint(c.Query("partner_id"), 10, 64)
		if id == 0 && len(ps.Items) > 0 {
			id = ps.Items[0].ID
		}
		if id != 0 && !slices.ContainsFunc(ps.Items, func(p app.Partner) bool { return p.ID == id }) {
			if p, err := s.svc.GetPartner(a, id); err == nil { // the partner shown stays in the picker
				d.Partners = append([]app.Partner{p}, d.Partners...)
			}
		}
		if id == 0 {
			return s.render(c, fiber.StatusOK, "history", "", View{Title: "Order history", Nav: "history", Data: d})
		}
	}
	p, err := s.svc.GetPartner(a, id)
	if err != nil {
		return err
	}
	d.Partner = p
	lp, lv := listRequest(c, "/history")
	if a.IsOperator() {
		lv.Query.Set("partner_id", strconv.FormatUint(id, 10))
	}
	tl, err := s.svc.OrderHistoryPage(a, id, lp)
	if err != nil {
		return err
	}
	// The pager counts orders: a page holds the events of PerPage orders.
	d.Entries, d.List = tl.Entries, lv
	d.List.Total, d.List.Pages = tl.Total, tl.Pages()
	if first := (tl.Page-1)*tl.PerPage + 1; first <= tl.Total {
		d.List.First, d.List.Last = first, min(first+tl.PerPage-1, tl.Total)
	}
	return s.render(c, fiber.StatusOK, "history", "", View{Title: "Order history", Nav: "history", Data: d})
}

func (s *Server) orderResend(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.ResendConfirmation(mustActor(c), id); err != nil {
		status, errs, ok := formError(err, sameFields("email"))
		if !ok {
			return err
		}
		return s.renderOrder(c, id, status, nil, errs)
	}
	return s.redirect(c, "/orders/"+strconv.FormatUint(id, 10), "The confirmation is in the outbox.")
}

// orderFigures are the dashboard's buying figures (issue 8): sales per
// month as a chart per currency, today's orders and the unpaid ones.
type orderFigures struct {
	Sales       []template.HTML
	Today       app.Page[app.OrderView]
	TodayFilter string
	Unpaid      int
}

// salesMonths is how many months the dashboard's sales chart shows.
const salesMonths = 12

func (s *Server) orderFigures(a app.Actor) (orderFigures, error) {
	var f orderFigures
	sales, err := s.svc.SalesByMonth(a, salesMonths)
	if err != nil {
		return f, err
	}
	labels := make([]string, len(sales.Months))
	for i, m := range sales.Months {
		labels[i] = m.Format("Jan")
		if i == 0 || m.Month() == time.January {
			labels[i] = m.Format("Jan 2006")
		}
	}
	title := "Sales per month, last 12 months"
	if !a.IsOperator() {
		title = "Your purchases per month, last 12 months"
	}
	for _, cur := range sales.Currency {
		f.Sales = append(f.Sales, BarChart{
			Title:  title + " (" + cur + ")",
			Desc:   "Net amount of purchases, renewals and monthly charges, less refunds, in " + cur + ", per calendar month.",
			Labels: labels,
			Series: []ChartSeries{{Name: cur, Values: sales.Amounts[cur]}},
			Format: func(v int64) string { return app.FormatAmount(v, cur) },
		}.SVG())
	}
	today := s.svc.Now().In(s.loc).Format("2006-01-02")
	f.TodayFilter = "from=" + today + "&to=" + today
	if f.Today, err = s.svc.ListOrders(a, app.ListParams{PerPage: 5, Filters: map[string]string{"from": today, "to": today}}); err != nil {
		return f, err
	}
	unpaid, err := s.svc.ListOrders(a, app.ListParams{PerPage: 1, Filters: map[string]string{"state": string(app.OrderUnpaid)}})
	if err != nil {
		return f, err
	}
	f.Unpaid = unpaid.Total
	return f, nil
}

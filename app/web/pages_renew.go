package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Renewal pages (issue 12): renew one license (by balance, invoice, an
// open order or a coupon, optionally migrating), and renew ticked rows.

type renewPage struct {
	L          app.LicenseView
	KeyText    string
	Quote      *app.RenewalQuote
	Current    app.Edition
	Upgrades   []app.Edition
	Periods    []int
	OpenOrders []app.Order
}

// renewInput reads the renewal form (or the query of the page).
func renewInput(vals map[string]string) (app.RenewInput, error) {
	periods, err := formInt(vals, "periods", 1)
	if err != nil {
		return app.RenewInput{}, err
	}
	months, err := formInt(vals, "period_months", 0)
	if err != nil {
		return app.RenewInput{}, err
	}
	order, err := formID(vals, "order_id")
	if err != nil {
		return app.RenewInput{}, err
	}
	in := app.RenewInput{Periods: periods, PeriodMonths: months, Payment: vals["payment"], OrderID: order, Edition: vals["edition"],
		PayNow: vals["payment"] == app.RenewPayInvoice && formBool(vals, "pay_now")}
	if in.Payment == app.RenewPayCoupon {
		in.Coupon, in.Payment = true, ""
	}
	return in, nil
}

func (s *Server) renewData(a app.Actor, id uint64, in app.RenewInput) (renewPage, error) {
	l, err := s.svc.GetLicense(a, id)
	if err != nil {
		return renewPage{}, err
	}
	d := renewPage{L: l, KeyText: groupKey(l.Key)}
	if p, err := s.svc.GetProduct(a, l.ProductID); err == nil {
		d.Periods = p.Periods
		d.Current, _ = p.Edition(l.Edition)
		d.Upgrades = app.UpgradeTargets(p, l.Edition)
	}
	if l.PartnerID != 0 {
		if pg, err := s.svc.ListOrders(a, app.ListParams{PerPage: 50, Filters: map[string]string{"state": string(app.OrderUnpaid), "partner_id": strconv.FormatUint(l.PartnerID, 10), "from": "2000-01-01"}}); err == nil {
			for _, o := range pg.Items {
				if o.InvoiceID == 0 {
					d.OpenOrders = append(d.OpenOrders, o.Order)
				}
			}
		}
	}
	return d, nil
}

func (s *Server) renderRenew(c *fiber.Ctx, status int, id uint64, vals map[string]string, errs map[string]string) error {
	a := mustActor(c)
	in, ierr := renewInput(vals)
	d, err := s.renewData(a, id, in)
	if err != nil {
		return err
	}
	if ierr == nil && errs == nil {
		q, qerr := s.svc.QuoteRenewal(a, id, in)
		if qerr == nil {
			d.Quote = &q
		} else if st, fe, ok := formError(qerr, nil); ok {
			status, errs = st, fe
		} else {
			return qerr
		}
	} else if ierr != nil {
		st, fe, _ := formError(ierr, nil)
		status, errs = st, fe
	}
	if vals["periods"] == "" {
		vals["periods"] = "1"
	}
	if vals["payment"] == "" {
		vals["payment"] = app.RenewPayBalance
	}
	return s.render(c, status, "renew", "", View{Title: "Renew " + d.KeyText, Nav: "licenses", Form: vals, Errors: errs, Data: d})
}

// renewPageGet shows the renewal form with the price of what it holds.
func (s *Server) renewPageGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := map[string]string{}
	for _, k := range []string{"periods", "period_months", "payment", "order_id", "edition"} {
		if v := c.Query(k); v != "" {
			vals[k] = v
		}
	}
	return s.renderRenew(c, fiber.StatusOK, id, vals, nil)
}

// renewSubmit renews, or (with "preview") shows the price again.
func (s *Server) renewSubmit(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	if _, err := s.svc.GetLicense(a, id); err != nil {
		return err
	}
	vals := formValues(c)
	if vals["preview"] != "" {
		return s.renderRenew(c, fiber.StatusOK, id, vals, nil)
	}
	in, err := renewInput(vals)
	var res app.RenewResult
	if err == nil {
		res, err = s.svc.RenewLicense(a, id, in)
	}
	if err != nil {
		var sf *app.ShortfallError
		if errors.As(err, &sf) {
			return s.renderRenew(c, fiber.StatusUnprocessableEntity, id, vals, map[string]string{"": sf.Error() + ". " + shortfallHint(in)})
		}
		status, errs, ok := formError(err, nil)
		if !ok {
			return err
		}
		return s.renderRenew(c, status, id, vals, errs)
	}
	msg := "Renewed to " + res.ValidTo.In(s.loc).Format("2006-01-02") + " on order " + res.Renewal.OrderNumber
	if r := res.Renewal; r.InvoiceID != 0 {
		msg += ", billed on invoice " + r.InvoiceNumber
		if r.Charged.Amount > 0 || in.PayNow {
			msg += " (paid from your balance)"
		}
	}
	if res.Renewal.Coupon != "" {
		msg += " with coupon " + groupKey(res.Renewal.Coupon)
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10), msg+".")
}

type renewBulkPage struct {
	IDs        []uint64
	Back       string
	Quotes     []app.RenewalQuote
	Total      app.Money
	OpenOrders []app.Order
}

// licensesRenew renews the ticked licenses: the first post shows the
// price of each and the total, the confirmed one renews all or none.
func (s *Server) licensesRenew(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	back := backTo(vals, "/licenses")
	ids, err := formIDs(c)
	if err != nil {
		return err
	}
	periods, err := formInt(vals, "periods", 1)
	if err != nil {
		return err
	}
	order, _ := formID(vals, "order_id")
	in := app.BulkRenewInput{LicenseIDs: ids, Periods: periods, Payment: vals["payment"], OrderID: order,
		PayNow: vals["payment"] == app.RenewPayInvoice && formBool(vals, "pay_now")}
	d := renewBulkPage{IDs: ids, Back: back}
	status := fiber.StatusOK
	var errs map[string]string
	fail := func(err error) error {
		var sf *app.ShortfallError
		if errors.As(err, &sf) {
			status, errs = fiber.StatusUnprocessableEntity, map[string]string{"": sf.Error() + ". " + shortfallHint(app.RenewInput{PayNow: in.PayNow})}
			return nil
		}
		st, fe, ok := formError(err, nil)
		if !ok {
			return err
		}
		status, errs = st, fe
		return nil
	}
	if formBool(vals, "confirm") {
		res, err := s.svc.RenewLicenses(a, in)
		if err == nil && res.InvoiceID != 0 {
			msg := thousands(res.Renewed) + " licenses renewed, billed on invoice " + res.InvoiceNumber
			if in.PayNow {
				msg += " (paid from your balance)"
			}
			return s.redirect(c, "/invoices/"+strconv.FormatUint(res.InvoiceID, 10), msg+".")
		}
		if err == nil {
			return s.redirect(c, "/orders/"+strconv.FormatUint(res.OrderID, 10), thousands(res.Renewed)+" licenses renewed on order "+res.OrderNumber+".")
		}
		if err := fail(err); err != nil {
			return err
		}
	}
	if qs, total, err := s.svc.QuoteBulkRenewal(a, in); err == nil {
		d.Quotes, d.Total = qs, total
		l, _ := s.svc.GetLicense(a, ids[0])
		if pg, err := s.svc.ListOrders(a, app.ListParams{PerPage: 50, Filters: map[string]string{"state": string(app.OrderUnpaid), "from": "2000-01-01",
			"partner_id": strconv.FormatUint(l.PartnerID, 10)}}); err == nil {
			for _, o := range pg.Items {
				if o.InvoiceID == 0 {
					d.OpenOrders = append(d.OpenOrders, o.Order)
				}
			}
		}
	} else if errs == nil {
		if err := fail(err); err != nil {
			return err
		}
	}
	if vals["periods"] == "" {
		vals["periods"] = "1"
	}
	if vals["payment"] == "" {
		vals["payment"] = app.RenewPayBalance
	}
	return s.render(c, status, "renew_bulk", "", View{Title: "Renew licenses", Nav: "licenses", Form: vals, Errors: errs, Data: d})
}

// shortfallHint says what to do when the balance does not cover a renewal.
func shortfallHint(in app.RenewInput) string {
	if in.PayNow {
		return "Put it on the invoice without paying now, or ask for a top-up."
	}
	return "Put it on an invoice, or ask for a top-up."
}

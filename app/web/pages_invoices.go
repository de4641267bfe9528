package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Month-end checkout and invoices (issue 9): the checkout page with the
// terms, the invoice list, an invoice's page (which prints as the
// invoice), paying, recording payments and deleting.

// checkoutData is the checkout page: what would be billed and the terms.
type checkoutData struct {
	Preview app.CheckoutPreview
	IDs     []uint64          // ticked licenses
	Filter  map[string]string // or the list filter ("select all N matching")
	Back    string
	Count   int
}

// checkoutRequest reads the ticked ids (POST) or the list filter (GET
// query or hidden fields) of a checkout.
func checkoutRequest(c *fiber.Ctx, a app.Actor) (app.CheckoutInput, string, error) {
	var in app.CheckoutInput
	vals := formValues(c)
	back := backTo(vals, "/licenses?view="+app.ViewPending)
	if c.Method() == fiber.MethodPost {
		ids, err := formIDs(c)
		if err != nil {
			return in, back, err
		}
		in.LicenseIDs = ids
		in.TermsVersion = vals["terms_version"]
	}
	filter := map[string]string{}
	for _, f := range licenseFilterLabels {
		if !a.IsOperator() && (f.Name == "partner_id" || f.Name == "distributor_id") {
			continue
		}
		v := strings.TrimSpace(c.Query(f.Name))
		if fv, ok := vals["filter."+f.Name]; ok {
			v = strings.TrimSpace(fv)
		}
		if v != "" {
			filter[f.Name] = v
		}
	}
	_, byFilter := vals["filter.view"]
	if c.Method() == fiber.MethodGet || byFilter && len(in.LicenseIDs) == 0 {
		filter["view"] = app.ViewPending
		in.Filter = filter
	}
	return in, back, nil
}

// checkoutPage shows what a checkout bills and the terms to accept; with
// the terms accepted (POST with confirm) it checks out.
func (s *Server) checkoutPage(c *fiber.Ctx) error {
	a := mustActor(c)
	in, back, err := checkoutRequest(c, a)
	if err != nil {
		return err
	}
	vals := formValues(c)
	d := checkoutData{IDs: in.LicenseIDs, Filter: in.Filter, Back: back}
	status := fiber.StatusOK
	var errs map[string]string
	if c.Method() == fiber.MethodPost && formBool(vals, "confirm") {
		if !formBool(vals, "accept") {
			status, errs = fiber.StatusUnprocessableEntity, map[string]string{"accept": "Tick the box to accept the terms, then check out."}
			in.TermsVersion = ""
		} else {
			r, err := s.svc.Checkout(a, in)
			if err == nil {
				msg := "Invoice " + r.Number + " made for " + thousands(r.LineCount) + " licenses."
				if len(r.Invoices) > 1 {
					var nums []string
					for _, inv := range r.Invoices {
						nums = append(nums, inv.Number)
					}
					msg = "Invoices " + strings.Join(nums, ", ") + " made, one per currency."
				}
				return s.redirect(c, "/invoices/"+strconv.FormatUint(r.ID, 10), msg)
			}
			var ck *app.CheckoutError
			if !errors.As(err, &ck) {
				var ok bool
				if status, errs, ok = formError(err, nil); !ok {
					return err
				}
			}
		}
	}
	if errs == nil || errs[""] == "" {
		d.Preview, err = s.svc.PreviewCheckout(a, in)
		var ck *app.CheckoutError
		switch {
		case errors.As(err, &ck):
			status = fiber.StatusConflict
			if errors.Is(ck.Kind, app.ErrNotFound) {
				status = fiber.StatusNotFound
			} else if ck.Kind == nil {
				status = fiber.StatusUnprocessableEntity
			}
			if errs == nil {
				errs = map[string]string{}
			}
			errs[""] = sentence(ck.Error())
		case err != nil:
			var ok bool
			var e2 map[string]string
			if status, e2, ok = formError(err, nil); !ok {
				return err
			}
			if errs == nil {
				errs = map[string]string{}
			}
			errs[""] = e2[""]
			if errs[""] == "" {
				for _, m := range e2 {
					errs[""] = m
				}
			}
		}
	}
	if d.Preview.Terms.Version == "" {
		if t, err := s.svc.GetTerms(a); err == nil {
			d.Preview.Terms = t
		}
	}
	d.Count = len(d.Preview.LicenseIDs)
	return s.render(c, status, "checkout", "", View{Title: "Checkout", Nav: "invoices", Errors: errs, Data: d})
}

type invoicesData struct {
	List     listView
	Items    []app.InvoiceSummary
	Operator bool
	Partners []app.Partner
	States   []app.InvoiceState
	Export   string
}

func (s *Server) invoicesPage(c *fiber.Ctx) error {
	a := mustActor(c)
	filters := []string{"state", "from", "to", "number"}
	if a.IsOperator() {
		filters = append(filters, "partner_id")
	}
	p, lv := listRequest(c, "/invoices", filters...)
	page, err := s.svc.ListInvoices(a, p)
	if err != nil {
		return err
	}
	d := invoicesData{List: withPage(lv, page), Items: page.Items, Operator: a.IsOperator(), States: app.InvoiceStates}
	d.Export = "/invoices/export.csv"
	if e := lv.Query.Encode(); e != "" {
		d.Export += "?" + e
	}
	if a.IsOperator() {
		if _, d.Partners, err = s.partnerNames(a); err != nil {
			return err
		}
	}
	return s.render(c, fiber.StatusOK, "invoices", "", View{Title: "Licenses payment", Nav: "invoices", Data: d})
}

func (s *Server) invoicesExport(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	return s.streamInvoicesCSV(c, p)
}

type invoiceData struct {
	Inv      app.InvoiceView
	Operator bool
	Balance  *app.Money
	Paper    string // A4 or Letter
	// PaperSheet is the print stylesheet of the paper: its @page size
	// and margins.
	PaperSheet string
	Due        time.Time
	Today      string
}

func (s *Server) invoicePage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderInvoice(c, id, fiber.StatusOK, nil, nil)
}

func (s *Server) renderInvoice(c *fiber.Ctx, id uint64, status int, form, errs map[string]string) error {
	a := mustActor(c)
	inv, err := s.svc.GetInvoice(a, id)
	if err != nil {
		return err
	}
	cfg := s.svc.InvoiceSettings()
	d := invoiceData{Inv: inv, Operator: a.IsOperator(), Paper: cfg.Paper, PaperSheet: paperSheet(cfg.Paper), Due: inv.Created.AddDate(0, 0, cfg.DueDays),
		Today: time.Now().UTC().Format(time.DateOnly)}
	// Only the balance is shown: one entry of the ledger is read with it.
	if acc, err := s.svc.GetAccountPage(a, inv.PartnerID, app.ListParams{PerPage: 1}); err == nil && acc.Balance.Currency == inv.Currency {
		d.Balance = &acc.Balance
	}
	if form == nil {
		form = map[string]string{"p.amount": app.FormatAmount(inv.Due.Amount, inv.Currency), "p.date": d.Today}
	}
	return s.render(c, status, "invoice", "", View{Title: "Invoice " + inv.Number, Nav: "invoices", Form: form, Errors: errs, Data: d})
}

// paperSheet is the print stylesheet of a paper size.
func paperSheet(paper string) string {
	if paper == app.PaperLetter {
		return "/static/paper-letter.css"
	}
	return "/static/paper-a4.css"
}

func invoiceURL(id uint64) string { return "/invoices/" + strconv.FormatUint(id, 10) }

func (s *Server) invoicePay(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	inv, err := s.svc.PayInvoice(mustActor(c), id)
	if err != nil {
		var sf *app.ShortfallError
		if errors.As(err, &sf) {
			return s.renderInvoice(c, id, fiber.StatusUnprocessableEntity, nil, map[string]string{"": sentence(sf.Error())})
		}
		if status, errs, ok := formError(err, nil); ok {
			return s.renderInvoice(c, id, status, nil, errs)
		}
		return err
	}
	return s.redirect(c, invoiceURL(id), "Invoice "+inv.Number+" paid from your balance; its "+thousands(inv.LineCount)+" licenses are paid.")
}

func (s *Server) invoicePayment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	vals := formValues(c)
	cur, err := s.svc.GetInvoice(a, id)
	if err != nil {
		return err
	}
	in := app.InvoicePaymentInput{Date: vals["p.date"], Reference: vals["p.reference"], Partial: formBool(vals, "p.partial")}
	in.Amount, err = parseMoney("amount", vals["p.amount"], cur.Currency)
	if err == nil {
		_, err = s.svc.RecordInvoicePayment(a, id, in)
	}
	if err != nil {
		var sp *app.ShortPaymentError
		if errors.As(err, &sp) {
			return s.renderInvoice(c, id, fiber.StatusUnprocessableEntity, vals, map[string]string{"p.amount": sentence(sp.Error()),
				"": "Nothing was recorded: correct the marked field and try again."})
		}
		status, errs, ok := formError(err, func(f string) string {
			switch f {
			case "amount", "date", "reference":
				return "p." + f
			}
			return ""
		})
		if !ok {
			return err
		}
		return s.renderInvoice(c, id, status, vals, errs)
	}
	return s.redirect(c, invoiceURL(id), "Payment recorded.")
}

func (s *Server) invoiceDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	inv, err := s.svc.VoidInvoice(mustActor(c), id)
	if err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderInvoice(c, id, status, nil, errs)
		}
		return err
	}
	return s.redirect(c, invoiceURL(id), "Invoice "+inv.Number+" deleted: it stays as void and its licenses can be checked out again.")
}

func (s *Server) termsSave(c *fiber.Ctx) error {
	vals := formValues(c)
	_, err := s.svc.SetTerms(mustActor(c), app.Terms{Version: vals["terms.version"], Text: vals["terms.text"]})
	if err != nil {
		status, errs, ok := formError(err, func(f string) string { return "terms." + f })
		if !ok {
			return err
		}
		return s.renderTerms(c, status, vals, errs)
	}
	return s.redirect(c, "/settings/terms", "Checkout terms saved.")
}

func (s *Server) termsPage(c *fiber.Ctx) error { return s.renderTerms(c, fiber.StatusOK, nil, nil) }

func (s *Server) renderTerms(c *fiber.Ctx, status int, form, errs map[string]string) error {
	t, err := s.svc.GetTerms(mustActor(c))
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"terms.version": t.Version, "terms.text": t.Text}
	}
	return s.render(c, status, "terms", "", View{Title: "Checkout terms", Nav: "settings", Form: form, Errors: errs, Data: t})
}

type billingData struct {
	Partner app.Partner
	Billing app.PartnerBilling
}

func (s *Server) billingPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderBilling(c, id, fiber.StatusOK, nil, nil)
}

func (s *Server) renderBilling(c *fiber.Ctx, id uint64, status int, form, errs map[string]string) error {
	a := mustActor(c)
	p, err := s.svc.GetPartner(a, id)
	if err != nil {
		return err
	}
	b, err := s.svc.GetBilling(a, id)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"bill.name": b.Name, "bill.address": b.Address, "bill.vat_id": b.VATID, "bill.email": b.Email,
			"bill.tax": app.FormatBP(b.TaxBP)}
	}
	return s.render(c, status, "billing", "", View{Title: "Billing details of " + p.Name, Nav: "partners", Form: form, Errors: errs,
		Data: billingData{Partner: p, Billing: b}})
}

func (s *Server) billingSave(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := formValues(c)
	in := app.PartnerBilling{Name: vals["bill.name"], Address: vals["bill.address"], VATID: vals["bill.vat_id"], Email: vals["bill.email"]}
	in.TaxBP, err = app.ParsePercent("tax_bp", vals["bill.tax"])
	if err == nil {
		_, err = s.svc.SetBilling(mustActor(c), id, in)
	}
	if err != nil {
		status, errs, ok := formError(err, func(f string) string {
			if f == "tax_bp" {
				return "bill.tax"
			}
			return "bill." + f
		})
		if !ok {
			return err
		}
		return s.renderBilling(c, id, status, vals, errs)
	}
	return s.redirect(c, "/partners/"+strconv.FormatUint(id, 10), "Billing details saved.")
}

// checkoutAllURL is the "check out all N matching" link of the pending view.
func checkoutAllURL(lv listView) string {
	q := url.Values{}
	for k, v := range lv.Query {
		switch k {
		case "sort", "page", "group", "view":
			continue
		}
		q[k] = v
	}
	q.Set("view", app.ViewPending)
	return "/checkout?" + q.Encode()
}

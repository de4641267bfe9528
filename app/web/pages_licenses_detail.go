package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// licenseDetail is the license page (F5, F12, F14–F16).
type licenseDetail struct {
	L           app.LicenseView
	Row         licenseRow
	KeyText     string
	PartnerName string
	Distributor string
	History     []app.HistoryEntry // one page, newest first
	HistoryList listView           // the pager over the whole history
	Partners    []app.Partner
	Operator    bool
	CanSuspend  bool
	CanEnable   bool
	CanCancel   bool
	Deleted     bool
	Purchased   string
	ActivateBy  string
	ValidFrom   string
	Periods     []int // periods the product offers, for auto-renew
	ValidToDate string
	// Invoice is the open invoice the license is on (month-end checkout).
	Invoice *app.InvoiceSummary
	Act     *licenseActivation // activation link, customer, machines (pages_activation.go)
}

func (s *Server) licensePage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderLicense(c, fiber.StatusOK, id, nil, nil)
}

func (s *Server) licenseDetailFor(a app.Actor, id uint64) (licenseDetail, error) {
	l, err := s.svc.GetLicense(a, id)
	if err != nil {
		return licenseDetail{}, err
	}
	d := licenseDetail{L: l, KeyText: groupKey(l.Key), Operator: a.IsOperator(),
		CanSuspend: app.CanMove(l.Status, app.StatusSuspended) == nil,
		CanEnable:  app.CanMove(l.Status, app.StatusActive) == nil,
		CanCancel:  a.IsOperator() && app.CanMove(l.Status, app.StatusCancelled) == nil,
		Purchased:  l.Purchased.In(s.loc).Format("2006-01-02"),
		ActivateBy: l.ActivateBy.In(s.loc).Format("2006-01-02"),
	}
	if inv, ok, err := s.svc.LicenseInvoice(a, id); err == nil && ok {
		d.Invoice = &inv
	}
	names := map[uint64]string{}
	if a.IsOperator() {
		var partners []app.Partner
		if names, partners, err = s.partnerNames(a); err != nil {
			return licenseDetail{}, err
		}
		d.Partners = partners
		d.PartnerName = names[l.PartnerID]
		d.Distributor = names[l.DistributorID]
	}
	rows := s.licenseRows(a, []app.LicenseView{l}, names, "")
	d.Row = rows[0]
	if l.ValidFrom != nil {
		d.ValidFrom = l.ValidFrom.In(s.loc).Format("2006-01-02")
	}
	if l.ValidTo != nil {
		d.ValidToDate = l.ValidTo.In(s.loc).Format("2006-01-02")
	}
	if p, err := s.svc.GetProduct(a, l.ProductID); err == nil {
		d.Periods = p.Periods
	}
	return d, nil
}

// renderLicense shows the license page, with form values and messages
// when an action on it was refused.
func (s *Server) renderLicense(c *fiber.Ctx, status int, id uint64, vals, errs map[string]string) error {
	a := mustActor(c)
	d, err := s.licenseDetailFor(a, id)
	if err != nil {
		return err
	}
	// One page of the history, newest first, with a pager over the rest:
	// a license's history grows with every change and activation.
	p, lv := listRequest(c, "/licenses/"+strconv.FormatUint(id, 10))
	h, err := s.svc.LicenseHistoryPage(a, id, p)
	if err != nil {
		return err
	}
	d.History, d.HistoryList = h.Items, withPage(lv, h)
	if d.Act, err = s.licenseActivationFor(c, a, d.L); err != nil {
		return err
	}
	if vals == nil {
		vals = map[string]string{}
	}
	if _, ok := vals["notes"]; !ok {
		vals["notes"] = d.L.Notes
	}
	for k, v := range map[string]string{"customer": d.L.Customer, "customer_email": d.L.CustomerEmail, "partner_id": strconv.FormatUint(d.L.PartnerID, 10)} {
		if _, ok := vals[k]; !ok {
			vals[k] = v
		}
	}
	return s.render(c, status, "license", "", View{Title: "License " + d.KeyText, Nav: "licenses", Form: vals, Errors: errs, Data: d})
}

// licenseMove runs a confirmed suspend, enable, cancel or delete.
func (s *Server) licenseMove(c *fiber.Ctx, done string, fn func(app.Actor, uint64) (app.LicenseView, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	l, err := fn(mustActor(c), id)
	if err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderLicense(c, status, id, nil, errs)
		}
		return err
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10), "License "+groupKey(l.Key)+" "+done+".")
}

func (s *Server) licenseSuspend(c *fiber.Ctx) error {
	return s.licenseMove(c, "suspended", s.svc.SuspendLicense)
}

func (s *Server) licenseEnable(c *fiber.Ctx) error {
	return s.licenseMove(c, "enabled", s.svc.EnableLicense)
}

func (s *Server) licenseCancel(c *fiber.Ctx) error {
	return s.licenseMove(c, "cancelled", s.svc.CancelLicense)
}

func (s *Server) licenseDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	l, err := s.svc.GetLicense(a, id)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteLicense(a, id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderLicense(c, status, id, nil, errs)
		}
		return err
	}
	return s.redirect(c, "/licenses", "License "+groupKey(l.Key)+" deleted; its history is kept.")
}

// licenseAssign gives the license to a partner (operator) and/or a customer (F16).
func (s *Server) licenseAssign(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	vals := formValues(c)
	cust, email := vals["customer"], vals["customer_email"]
	in := app.AssignInput{Customer: &cust, CustomerEmail: &email}
	if a.IsOperator() {
		if _, ok := vals["partner_id"]; ok {
			pid, err := formID(vals, "partner_id")
			if err != nil {
				return s.renderLicense(c, fiber.StatusUnprocessableEntity, id, vals, map[string]string{"partner_id": "Choose a partner from the list.", "": "Nothing was saved: correct the marked field and try again."})
			}
			in.PartnerID = &pid
		}
	}
	if _, err := s.svc.AssignLicense(a, id, in); err != nil {
		status, errs, ok := formError(err, sameFields("partner_id", "customer", "customer_email"))
		if !ok {
			return err
		}
		return s.renderLicense(c, status, id, vals, errs)
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10), "License assigned.")
}

// licenseEditPage is the edit form (F14).
func (s *Server) licenseEditPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.licenseDetailFor(mustActor(c), id)
	if err != nil {
		return err
	}
	l := d.L
	vals := map[string]string{"name": l.Name, "ip": l.IP, "registration_key": l.RegistrationKey,
		"auto_renew": strconv.FormatBool(l.AutoRenew), "auto_renew_months": strconv.Itoa(l.AutoRenewMonths), "valid_to": d.ValidToDate}
	if l.AutoRenewMonths == 0 {
		vals["auto_renew_months"] = strconv.Itoa(l.PeriodMonths)
	}
	return s.renderLicenseEdit(c, fiber.StatusOK, d, vals, nil)
}

func (s *Server) renderLicenseEdit(c *fiber.Ctx, status int, d licenseDetail, vals, errs map[string]string) error {
	return s.render(c, status, "license_edit", "", View{Title: "Edit license " + d.KeyText, Nav: "licenses", Form: vals, Errors: errs, Data: d})
}

// licenseUpdate saves the edit form; only what the form offers changes.
func (s *Server) licenseUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	d, err := s.licenseDetailFor(a, id)
	if err != nil {
		return err
	}
	vals := formValues(c)
	name, ip, reg := vals["name"], vals["ip"], vals["registration_key"]
	in := app.LicenseEdit{Name: &name, IP: &ip, RegistrationKey: &reg, ClearRegistrations: formBool(vals, "clear_registrations")}
	if pw := vals["admin_password"]; pw != "" {
		in.AdminPassword = &pw
	}
	err = nil
	if d.L.Status == app.StatusActive {
		if v, ok := vals["auto_renew"]; ok {
			on := v == "true"
			in.AutoRenew = &on
			if on {
				var m int
				if m, err = formInt(vals, "auto_renew_months", d.L.PeriodMonths); err == nil {
					in.AutoRenewMonths = &m
				}
			}
		}
	}
	if err == nil && a.IsOperator() {
		if v := strings.TrimSpace(vals["valid_to"]); v != "" && v != d.ValidToDate {
			t, perr := time.ParseInLocation("2006-01-02", v, s.loc)
			if perr != nil {
				err = app.Invalid("valid_to", "%q is not a date like 2026-12-31", v)
			} else {
				if d.L.ValidTo != nil { // keep the time of day the period ends at
					old := d.L.ValidTo.In(s.loc)
					t = time.Date(t.Year(), t.Month(), t.Day(), old.Hour(), old.Minute(), old.Second(), 0, s.loc)
				}
				in.ValidTo = &t
			}
		}
	}
	if err == nil {
		_, err = s.svc.EditLicense(a, id, in)
	}
	if err == nil {
		return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10), "License saved.")
	}
	status, errs, ok := formError(err, sameFields("name", "ip", "admin_password", "registration_key", "auto_renew", "auto_renew_months", "valid_to"))
	if !ok {
		return err
	}
	delete(vals, "admin_password")
	return s.renderLicenseEdit(c, status, d, vals, errs)
}

// licenseNewData is the create form (operator, or a manual-program partner).
type licenseNewData struct {
	Operator bool
	Allowed  bool   // a partner on the standard program cannot create
	Why      string // why not
	Products []app.Product
	Partners []app.Partner
	Periods  []int
	Payments []app.Payment
}

func (s *Server) licenseNewData(a app.Actor) (licenseNewData, error) {
	d := licenseNewData{Operator: a.IsOperator(), Allowed: true, Payments: app.Payments}
	prods, partners, _, err := s.licenseLists(a)
	if err != nil {
		return d, err
	}
	seen := map[int]bool{}
	for _, p := range prods {
		if !p.Active {
			continue
		}
		d.Products = append(d.Products, p)
		for _, m := range p.Periods {
			if !seen[m] {
				seen[m] = true
				d.Periods = append(d.Periods, m)
			}
		}
	}
	sortInts(d.Periods)
	d.Partners = partners
	if !a.IsOperator() {
		p, err := s.svc.GetPartner(a, a.PartnerID)
		if err != nil {
			return d, err
		}
		if p.Program != app.ProgramManual {
			d.Allowed = false
			d.Why = "Your account buys licenses through orders and pays at purchase. Creating licenses for clients, paid at the month-end checkout, needs the manual program: ask your supplier to switch your account to it."
		}
	}
	return d, nil
}

func (s *Server) licenseNewPage(c *fiber.Ctx) error {
	d, err := s.licenseNewData(mustActor(c))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "license_new", "", View{Title: "New licenses", Nav: "licenses",
		Form: map[string]string{"count": "1", "seats": "1", "payment_status": string(app.PaymentPaid)}, Data: d})
}

// licenseCreate issues licenses; a mistake comes back beside its field
// with nothing written.
func (s *Server) licenseCreate(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	in := app.LicenseCreate{Edition: "", Name: vals["name"], Customer: vals["customer"], CustomerEmail: vals["customer_email"],
		Notes: vals["notes"], IP: vals["ip"]}
	var err error
	pe := vals["product_edition"]
	if pid, ed, ok := strings.Cut(pe, "/"); ok {
		in.ProductID, _ = strconv.ParseUint(pid, 10, 64)
		in.Edition = ed
	}
	if in.Seats, err = formInt(vals, "seats", 1); err == nil {
		if in.Count, err = formInt(vals, "count", 1); err == nil {
			in.PeriodMonths, err = formInt(vals, "period_months", 0)
		}
	}
	if err == nil && a.IsOperator() {
		if in.PartnerID, err = formID(vals, "partner_id"); err == nil {
			in.Payment = app.Payment(vals["payment_status"])
			in.OrderNumber = vals["order_number"]
		}
	}
	var ls []app.LicenseView
	if err == nil {
		ls, err = s.svc.CreateLicenses(a, in)
	}
	if err == nil {
		if len(ls) == 1 {
			return s.redirect(c, "/licenses/"+strconv.FormatUint(ls[0].ID, 10), "License "+groupKey(ls[0].Key)+" created.")
		}
		return s.redirect(c, "/licenses?view=all&sort=-id", thousands(len(ls))+" licenses created.")
	}
	status, errs, ok := formError(err, func(f string) string {
		switch f {
		case "product_id", "edition":
			return "product_edition"
		case "program":
			return ""
		}
		return sameFields("seats", "count", "period_months", "partner_id", "payment_status", "order_number", "name", "customer", "customer_email", "notes", "ip")(f)
	})
	if !ok {
		return err
	}
	d, derr := s.licenseNewData(a)
	if derr != nil {
		return derr
	}
	return s.render(c, status, "license_new", "", View{Title: "New licenses", Nav: "licenses", Form: vals, Errors: errs, Data: d})
}

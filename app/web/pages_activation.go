package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The public activation page (F34): no sign-in; the token in the path is
// the credential.

// activateView is the activation page's data.
type activateView struct {
	Token string
	Offer app.ActivationOffer
	State string // "offer", "code" (a code was sent), "done", "invalid"
	Email string // the address a code went to
	Done  app.ActivationDone
	Key   string
}

func (s *Server) renderActivate(c *fiber.Ctx, status int, v activateView, vals, errs map[string]string) error {
	title := "Activate your license"
	if v.State == "invalid" {
		title = "Activation link not valid"
	}
	return s.render(c, status, "activate", "", View{Title: title, Form: vals, Errors: errs, Data: v})
}

// activateFail renders the page for an error of the service.
func (s *Server) activateFail(c *fiber.Ctx, v activateView, vals map[string]string, err error, fields ...string) error {
	if errors.Is(err, app.ErrActivationLink) {
		v.State = "invalid"
		return s.renderActivate(c, fiber.StatusNotFound, v, nil, map[string]string{"": app.ErrActivationLink.Error()})
	}
	if status, errs, ok := formError(err, sameFields(fields...)); ok {
		return s.renderActivate(c, status, v, vals, errs)
	}
	return err // rate limits and the rest: the error handler
}

func (s *Server) activatePage(c *fiber.Ctx) error {
	v := activateView{Token: c.Params("token"), State: "offer"}
	var err error
	if v.Offer, err = s.svc.GetActivationOffer(v.Token, clientAddr(c)); err != nil {
		return s.activateFail(c, v, nil, err)
	}
	return s.renderActivate(c, fiber.StatusOK, v, map[string]string{}, nil)
}

// activateNew activates as a new customer from the form.
func (s *Server) activateNew(c *fiber.Ctx) error {
	v := activateView{Token: c.Params("token"), State: "offer"}
	addr := clientAddr(c)
	vals := formValues(c)
	in := app.CustomerInput{}
	for k, p := range map[string]**string{"name": &in.Name, "company": &in.Company, "email": &in.Email, "country": &in.Country} {
		val := vals[k]
		*p = &val
	}
	done, err := s.svc.ActivateAsNewCustomer(v.Token, addr, in)
	if err != nil {
		v.Offer = s.offerAgain(v.Token, addr, err)
		return s.activateFail(c, v, vals, err, "name", "company", "email", "country")
	}
	v.State, v.Done, v.Key = "done", done, groupKey(done.License.Key)
	return s.renderActivate(c, fiber.StatusOK, v, nil, nil)
}

// activateCode mails a code to an existing customer's address.
func (s *Server) activateCode(c *fiber.Ctx) error {
	v := activateView{Token: c.Params("token"), State: "offer"}
	addr := clientAddr(c)
	vals := formValues(c)
	var err error
	if v.Offer, err = s.svc.GetActivationOffer(v.Token, addr); err != nil {
		return s.activateFail(c, v, vals, err)
	}
	email := strings.TrimSpace(vals["existing_email"])
	if err := s.svc.SendActivationCode(v.Token, addr, email); err != nil {
		var ve *app.ValidationError
		if errors.As(err, &ve) && ve.Field == "email" {
			err = app.Invalid("existing_email", "%s", ve.Message)
		}
		return s.activateFail(c, v, vals, err, "existing_email")
	}
	v.State, v.Email = "code", strings.ToLower(email)
	return s.renderActivate(c, fiber.StatusOK, v, map[string]string{}, nil)
}

// activateConfirm activates as the existing customer the code confirms.
func (s *Server) activateConfirm(c *fiber.Ctx) error {
	v := activateView{Token: c.Params("token"), State: "code"}
	addr := clientAddr(c)
	vals := formValues(c)
	v.Email = strings.TrimSpace(vals["email"])
	done, err := s.svc.ActivateAsExistingCustomer(v.Token, addr, v.Email, vals["code"])
	if err != nil {
		v.Offer = s.offerAgain(v.Token, addr, err)
		return s.activateFail(c, v, vals, err, "code")
	}
	v.State, v.Done, v.Key = "done", done, groupKey(done.License.Key)
	return s.renderActivate(c, fiber.StatusOK, v, nil, nil)
}

// offerAgain reads the offer to show the form again after a refused
// post; a dead link is not looked up twice (it would count twice).
func (s *Server) offerAgain(token, addr string, err error) app.ActivationOffer {
	if errors.Is(err, app.ErrActivationLink) || errors.Is(err, app.ErrRateLimited) {
		return app.ActivationOffer{}
	}
	o, _ := s.svc.GetActivationOffer(token, addr)
	return o
}

// baseURL is where links in pages and mails start: base_url, else the
// address this request came to.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	return c.BaseURL()
}

// licenseActivation is the license page's activation, customer and
// machines sections.
type licenseActivation struct {
	Link      app.ActivationLink
	URL       string
	Unused    bool
	Machines  []app.Machine
	Customer  *app.Customer
	Customers []app.CustomerRow // the partner's customers to pick from
	More      bool              // the partner has more customers than listed
}

// maxPick is how many customers the license page offers to pick from.
const maxPick = 200

func (s *Server) licenseActivationFor(c *fiber.Ctx, a app.Actor, l app.LicenseView) (*licenseActivation, error) {
	var act licenseActivation
	var err error
	if act.Link, err = s.svc.GetActivationLink(a, l.ID); err != nil {
		return nil, err
	}
	if act.Link.Path != "" {
		act.URL = s.baseURL(c) + act.Link.Path
	}
	act.Unused = l.Status == app.StatusOrdered
	if act.Machines, err = s.svc.LicenseMachines(a, l.ID); err != nil {
		return nil, err
	}
	if act.Customer, err = s.svc.LicenseCustomer(a, l.ID); err != nil {
		return nil, err
	}
	if act.Unused {
		p := app.ListParams{PerPage: maxPick, Filters: map[string]string{}}
		if a.IsOperator() {
			p.Filters["partner"] = strconv.FormatUint(l.PartnerID, 10)
		}
		page, err := s.svc.ListCustomers(a, p)
		if err != nil {
			return nil, err
		}
		act.Customers, act.More = page.Items, page.Total > len(page.Items)
	}
	return &act, nil
}

func (s *Server) licenseLinkAction(c *fiber.Ctx, fn func(app.Actor, uint64) (app.ActivationLink, error), msg string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := fn(mustActor(c), id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderLicense(c, status, id, nil, errs)
		}
		return err
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10)+"#activation", msg)
}

func (s *Server) licenseLinkRegenerate(c *fiber.Ctx) error {
	return s.licenseLinkAction(c, s.svc.RegenerateActivationLink, "A new activation link was made; the old one no longer works.")
}

func (s *Server) licenseLinkRevoke(c *fiber.Ctx) error {
	return s.licenseLinkAction(c, s.svc.RevokeActivationLink, "The activation link was revoked.")
}

func (s *Server) licenseLinkMail(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := formValues(c)
	m, err := s.svc.MailActivationLink(mustActor(c), id, vals["link_email"], s.baseURL(c))
	if err != nil {
		var ve *app.ValidationError
		if errors.As(err, &ve) && ve.Field == "email" {
			err = app.Invalid("link_email", "%s", ve.Message)
		}
		if status, errs, ok := formError(err, sameFields("link_email")); ok {
			return s.renderLicense(c, status, id, vals, errs)
		}
		return err
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10)+"#activation", "The activation link was mailed to "+strings.Join(m.To, ", ")+" (see the outbox).")
}

// licenseActivate activates for a customer picked or entered on the page (F35).
func (s *Server) licenseActivate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	vals := formValues(c)
	var ch app.CustomerChoice
	if pick := vals["customer_id"]; pick != "" && pick != "new" {
		if ch.ID, err = strconv.ParseUint(pick, 10, 64); err != nil || ch.ID == 0 {
			ch.ID = ^uint64(0) // no such customer: the service names the field
		}
	} else {
		in := app.CustomerInput{}
		for k, p := range map[string]**string{"new_name": &in.Name, "new_company": &in.Company, "new_email": &in.Email, "new_country": &in.Country} {
			val := vals[k]
			*p = &val
		}
		ch.New = &in
	}
	done, err := s.svc.ActivateForCustomer(mustActor(c), id, ch)
	if err != nil {
		var ve *app.ValidationError
		if errors.As(err, &ve) && ch.New != nil && ve.Field != "customer_id" {
			err = app.Invalid("new_"+ve.Field, "%s", ve.Message)
		}
		var ce *app.ConflictError
		if errors.As(err, &ce) && ce.Field == "email" {
			err = app.Conflict("new_email", "%s: pick that customer from the list instead", ce.Message)
		}
		if status, errs, ok := formError(err, sameFields("customer_id", "new_name", "new_company", "new_email", "new_country")); ok {
			return s.renderLicense(c, status, id, vals, errs)
		}
		return err
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10), "License activated for "+done.Customer.Name+"; the key and license file were mailed to "+done.Customer.Email+".")
}

// licenseMachineRemove frees a machine's seat.
func (s *Server) licenseMachineRemove(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	machine := formValues(c)["machine"]
	if _, err := s.svc.RemoveMachine(mustActor(c), id, machine); err != nil {
		var ce *app.ClientError
		if errors.As(err, &ce) {
			return s.renderLicense(c, fiber.StatusConflict, id, nil, map[string]string{"": ce.Message + "."})
		}
		return err
	}
	return s.redirect(c, "/licenses/"+strconv.FormatUint(id, 10)+"#machines", "Machine "+machine+" removed; its seat is free.")
}

// licenseFileDownload serves a signed license file for the license (any
// machine, or ?machine=), for a customer without network.
func (s *Server) licenseFileDownload(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f, err := s.svc.LicenseFile(mustActor(c), id, c.Query("machine"))
	if err != nil {
		var ce *app.ClientError
		if errors.As(err, &ce) && !isAPI(c) {
			return s.renderLicense(c, fiber.StatusConflict, id, nil, map[string]string{"": ce.Message + "."})
		}
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="license-`+strconv.FormatUint(id, 10)+`.lic"`)
	return c.Send(f)
}

package web

import (
	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The JSON API of customers, activation links, activation for a customer
// and machines: the same service methods as the pages.

func (s *Server) apiCustomersList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListCustomers(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiCustomerCreate(c *fiber.Ctx) error {
	var in app.CustomerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cu, err := s.svc.CreateCustomer(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cu)
}

func (s *Server) apiCustomerGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cu, err := s.svc.GetCustomer(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cu)
}

func (s *Server) apiCustomerUpdate(c *fiber.Ctx) error {
	var in app.CustomerInput
	a, id, err := pathBody(c, func(a app.Actor, id uint64) error { _, err := s.svc.GetCustomer(a, id); return err }, &in)
	if err != nil {
		return err
	}
	cu, err := s.svc.UpdateCustomer(a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(cu)
}

func (s *Server) apiCustomerLicenses(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ls, err := s.svc.CustomerLicenses(mustActor(c), id)
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []app.LicenseView{}
	}
	return c.JSON(app.Page[app.LicenseView]{Items: ls, Total: len(ls), Page: 1, PerPage: len(ls)})
}

func (s *Server) apiActivationLink(c *fiber.Ctx, fn func(app.Actor, uint64) (app.ActivationLink, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	l, err := fn(mustActor(c), id)
	if err != nil {
		return err
	}
	out := fiber.Map{"revoked": l.Revoked, "used_at": l.UsedAt, "used_by": l.UsedBy, "url": nil}
	if l.Path != "" {
		out["url"] = s.baseURL(c) + l.Path
	}
	return c.JSON(out)
}

func (s *Server) apiActivationLinkGet(c *fiber.Ctx) error {
	return s.apiActivationLink(c, s.svc.GetActivationLink)
}

func (s *Server) apiActivationLinkRegenerate(c *fiber.Ctx) error {
	return s.apiActivationLink(c, s.svc.RegenerateActivationLink)
}

func (s *Server) apiActivationLinkRevoke(c *fiber.Ctx) error {
	return s.apiActivationLink(c, s.svc.RevokeActivationLink)
}

func (s *Server) apiActivationLinkMail(c *fiber.Ctx) error {
	var in struct {
		Email string `json:"email"`
	}
	a, id, err := pathBody(c, s.seeLicense, &in)
	if err != nil {
		return err
	}
	m, err := s.svc.MailActivationLink(a, id, in.Email, s.baseURL(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"mail_id": m.ID, "state": m.State})
}

func (s *Server) apiLicenseActivate(c *fiber.Ctx) error {
	var ch app.CustomerChoice
	a, id, err := pathBody(c, s.seeLicense, &ch)
	if err != nil {
		return err
	}
	done, err := s.svc.ActivateForCustomer(a, id, ch)
	if err != nil {
		return err
	}
	return c.JSON(done)
}

func (s *Server) apiLicenseMachines(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ms, err := s.svc.LicenseMachines(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ms})
}

func (s *Server) apiLicenseMachineRemove(c *fiber.Ctx) error {
	var in struct {
		Machine string `json:"machine"`
	}
	a, id, err := pathBody(c, s.seeLicense, &in)
	if err != nil {
		return err
	}
	l, err := s.svc.RemoveMachine(a, id, in.Machine)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

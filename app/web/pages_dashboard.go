package web

import (
	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type operatorDashboard struct {
	Products, ActiveProducts, Partners, Users int
	Recent                                    []app.AuditEntry
	Renewals                                  renewalPanel
}

type partnerDashboard struct {
	Account  app.Account
	Products int
	Recent   []app.LedgerEntry
	Renewals renewalPanel
}

func (s *Server) dashboardPage(c *fiber.Ctx) error {
	a := mustActor(c)
	one := app.ListParams{PerPage: 1}
	if !a.IsOperator() {
		acc, err := s.svc.GetAccount(a, a.PartnerID)
		if err != nil {
			return err
		}
		prods, err := s.svc.ListProducts(a, one)
		if err != nil {
			return err
		}
		d := partnerDashboard{Account: acc, Products: prods.Total, Recent: acc.Entries}
		if len(d.Recent) > 5 {
			d.Recent = d.Recent[:5]
		}
		if d.Renewals, err = s.renewalPanel(a); err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, "dashboard", "", View{Title: "Dashboard", Nav: "dashboard", Data: d})
	}
	var d operatorDashboard
	prods, err := s.svc.ListProducts(a, one)
	if err != nil {
		return err
	}
	active, err := s.svc.ListProducts(a, app.ListParams{PerPage: 1, Filters: map[string]string{"active": "true"}})
	if err != nil {
		return err
	}
	partners, err := s.svc.ListPartners(a, one)
	if err != nil {
		return err
	}
	users, err := s.svc.ListUsers(a, one)
	if err != nil {
		return err
	}
	recent, err := s.svc.ListAudit(a, app.ListParams{PerPage: 10})
	if err != nil {
		return err
	}
	d.Products, d.ActiveProducts, d.Partners, d.Users, d.Recent = prods.Total, active.Total, partners.Total, users.Total, recent.Items
	if d.Renewals, err = s.renewalPanel(a); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "dashboard", "", View{Title: "Dashboard", Nav: "dashboard", Data: d})
}

// accountPage is a partner's own account: terms and balance history.
func (s *Server) accountPage(c *fiber.Ctx) error {
	a := mustActor(c)
	if a.IsOperator() {
		return c.Redirect("/partners", fiber.StatusSeeOther)
	}
	acc, err := s.svc.GetAccount(a, a.PartnerID)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "account", "", View{Title: "Your account", Nav: "account", Data: acc})
}

package web

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type operatorDashboard struct {
	Products, ActiveProducts, Partners, Users int
	Recent                                    []app.AuditEntry
	Expiring                                  template.HTML // chart; empty when nothing expires soon
	Renewals                                  renewalPanel
	Orders                                    orderFigures
	FailingJobs                               []app.JobStatus // shown above everything: money may wait on them
}

type partnerDashboard struct {
	Account  app.Account
	Products int
	Recent   []app.LedgerEntry
	Expiring template.HTML
	Renewals renewalPanel
	Orders   orderFigures
}

// dashboardLedger is how many of the latest balance movements the
// partner dashboard shows.
const dashboardLedger = 5

// expiringWeeks is how far ahead the dashboard's expiry chart looks.
const expiringWeeks = 12

// expiringChart draws the active licenses whose period ends in each of
// the next weeks, stacked by renewal cover; empty when there are none.
func (s *Server) expiringChart(a app.Actor) (template.HTML, error) {
	// Split by renewal cover (issue 12): what renews itself, what will
	// not for want of balance, and what waits for a person.
	e, err := s.svc.RenewalCoverByWeek(a, expiringWeeks)
	if err != nil || e.Total() == 0 {
		return "", err
	}
	labels := make([]string, len(e.Weeks))
	for i, w := range e.Weeks {
		labels[i] = w.Format("Jan 2")
	}
	return BarChart{
		Title:  "Licenses expiring per week, next 12 weeks",
		Desc:   "Active licenses whose period ends in each week starting on the date shown: auto-renew covered by the balance, auto-renew short of balance, and renewed by hand.",
		Labels: labels,
		Series: []ChartSeries{{Name: "Auto-renew covered", Values: e.Covered}, {Name: "Auto-renew short", Values: e.Short}, {Name: "Manual", Values: e.Manual}},
	}.SVG(), nil
}

func (s *Server) dashboardPage(c *fiber.Ctx) error {
	a := mustActor(c)
	one := app.ListParams{PerPage: 1}
	if !a.IsOperator() {
		// The balance and the latest few movements: one short page of
		// the ledger, however long it is (the account page has the rest).
		acc, err := s.svc.GetAccountPage(a, a.PartnerID, app.ListParams{PerPage: dashboardLedger})
		if err != nil {
			return err
		}
		prods, err := s.svc.ListProducts(a, one)
		if err != nil {
			return err
		}
		d := partnerDashboard{Account: acc, Products: prods.Total, Recent: acc.Entries}
		if d.Renewals, err = s.renewalPanel(a); err != nil {
			return err
		}
		if d.Expiring, err = s.expiringChart(a); err != nil {
			return err
		}
		if d.Orders, err = s.orderFigures(a); err != nil {
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
	if d.Expiring, err = s.expiringChart(a); err != nil {
		return err
	}
	if d.Orders, err = s.orderFigures(a); err != nil {
		return err
	}
	jobs, err := s.svc.JobStatuses(a)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Failures > 0 {
			d.FailingJobs = append(d.FailingJobs, j)
		}
	}
	return s.render(c, fiber.StatusOK, "dashboard", "", View{Title: "Dashboard", Nav: "dashboard", Data: d})
}

// accountView is an account with one page of its balance history and
// the pager over the rest.
type accountView struct {
	app.Account
	List listView
}

// accountPage is a partner's own account: terms and balance history, a
// page at a time.
func (s *Server) accountPage(c *fiber.Ctx) error {
	a := mustActor(c)
	if a.IsOperator() {
		return c.Redirect("/partners", fiber.StatusSeeOther)
	}
	p, lv := listRequest(c, "/account")
	acc, err := s.svc.GetAccountPage(a, a.PartnerID, p)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "account", "", View{Title: "Your account", Nav: "account", Data: accountView{acc, withAccount(lv, acc)}})
}

// withAccount records the page of balance entries the service answered.
func withAccount(lv listView, acc app.Account) listView {
	return withPage(lv, app.Page[app.LedgerEntry]{Items: acc.Entries, Total: acc.Total, Page: acc.Page, PerPage: acc.PerPage})
}

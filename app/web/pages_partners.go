package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type partnersList struct {
	List  listView
	Items []app.Partner
	Names map[uint64]string // distributor names
}

// partnerNames maps every partner's id to its name (for distributors).
func (s *Server) partnerNames(a app.Actor) (map[uint64]string, []app.Partner, error) {
	all, err := s.allPartners(a, nil)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[uint64]string, len(all))
	for _, p := range all {
		names[p.ID] = p.Name
	}
	return names, all, nil
}

func (s *Server) partnersPage(c *fiber.Ctx) error {
	a := mustActor(c)
	p, lv := listRequest(c, "/partners", "q", "program", "disabled")
	page, err := s.svc.ListPartners(a, p)
	if err != nil {
		return err
	}
	names, _, err := s.partnerNames(a)
	if err != nil {
		return err
	}
	v := View{Title: "Partners", Nav: "partners", Data: partnersList{List: withPage(lv, page), Items: page.Items, Names: names}}
	if wantsFragment(c, "results") {
		return s.render(c, fiber.StatusOK, "partners", "results", v)
	}
	return s.render(c, fiber.StatusOK, "partners", "", v)
}

type partnerDetail struct {
	Account app.Account
	List    listView // the pager over the balance history
	Users   []app.User
	// UsersTotal counts all the partner's users; when it is more than
	// Users holds (MaxPerPage), the page says so and links to /users,
	// which pages them.
	UsersTotal int
}

func (s *Server) partnerPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderPartner(c, id, fiber.StatusOK, nil, nil)
}

// renderPartner shows a partner's page; a failed form on it comes back
// with its values and messages.
func (s *Server) renderPartner(c *fiber.Ctx, id uint64, status int, form, errs map[string]string) error {
	a := mustActor(c)
	p, lv := listRequest(c, "/partners/"+strconv.FormatUint(id, 10))
	acc, err := s.svc.GetAccountPage(a, id, p)
	if err != nil {
		return err
	}
	users, err := s.svc.ListUsers(a, app.ListParams{PerPage: app.MaxPerPage, Filters: map[string]string{"partner_id": strconv.FormatUint(id, 10)}})
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"b.kind": app.LedgerTopUp}
	}
	return s.render(c, status, "partner", "", View{Title: acc.Partner.Name, Nav: "partners", Form: form, Errors: errs,
		Data: partnerDetail{Account: acc, List: withAccount(lv, acc), Users: users.Items, UsersTotal: users.Total}})
}

type partnerForm struct {
	Partner *app.Partner  // nil for a new partner
	Others  []app.Partner // possible distributors
}

func (s *Server) partnerNewPage(c *fiber.Ctx) error {
	return s.renderPartnerForm(c, fiber.StatusOK, nil, map[string]string{"program": app.ProgramStandard, "currency": "EUR", "discount": "30"}, nil)
}

func (s *Server) partnerEditPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetPartner(mustActor(c), id)
	if err != nil {
		return err
	}
	form := map[string]string{
		"name": p.Name, "email": p.Email, "discount": app.FormatBP(p.DiscountBP), "program": p.Program,
		"currency": p.Currency, "notes": p.Notes, "disabled": strconv.FormatBool(p.Disabled),
	}
	if p.DistributorID != 0 {
		form["distributor_id"] = strconv.FormatUint(p.DistributorID, 10)
	}
	return s.renderPartnerForm(c, fiber.StatusOK, &p, form, nil)
}

func (s *Server) renderPartnerForm(c *fiber.Ctx, status int, p *app.Partner, form, errs map[string]string) error {
	_, all, err := s.partnerNames(mustActor(c))
	if err != nil {
		return err
	}
	f := partnerForm{Partner: p}
	for _, o := range all {
		if p == nil || o.ID != p.ID {
			f.Others = append(f.Others, o)
		}
	}
	title := "New partner"
	if p != nil {
		title = "Edit " + p.Name
	}
	return s.render(c, status, "partner_form", "", View{Title: title, Nav: "partners", Form: form, Errors: errs, Data: f})
}

var partnerFormFields = sameFields("name", "email", "discount", "program", "distributor_id", "currency", "notes", "disabled")

func mapPartnerField(f string) string {
	if f == "discount_bp" {
		return "discount"
	}
	return partnerFormFields(f)
}

// parsePartnerForm reads the partner form into a complete PartnerInput.
func parsePartnerForm(v map[string]string) (app.PartnerInput, error) {
	str := func(k string) *string { s := strings.TrimSpace(v[k]); return &s }
	in := app.PartnerInput{Name: str("name"), Email: str("email"), Program: str("program"), Currency: str("currency"), Notes: str("notes")}
	bp, err := app.ParsePercent("discount", v["discount"])
	if err != nil {
		return in, err
	}
	dist, err := formID(v, "distributor_id")
	if err != nil {
		return in, err
	}
	disabled := formBool(v, "disabled")
	in.DiscountBP, in.DistributorID, in.Disabled = &bp, &dist, &disabled
	return in, nil
}

func (s *Server) partnerCreate(c *fiber.Ctx) error {
	return s.savePartner(c, nil)
}

func (s *Server) partnerUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetPartner(mustActor(c), id)
	if err != nil {
		return err
	}
	return s.savePartner(c, &p)
}

func (s *Server) savePartner(c *fiber.Ctx, old *app.Partner) error {
	vals := formValues(c)
	in, err := parsePartnerForm(vals)
	if err == nil {
		var p app.Partner
		if old == nil {
			p, err = s.svc.CreatePartner(mustActor(c), in)
		} else {
			p, err = s.svc.UpdatePartner(mustActor(c), old.ID, in)
		}
		if err == nil {
			return s.redirect(c, "/partners/"+strconv.FormatUint(p.ID, 10), "Partner saved.")
		}
	}
	status, errs, ok := formError(err, mapPartnerField)
	if !ok {
		return err
	}
	return s.renderPartnerForm(c, status, old, vals, errs)
}

func (s *Server) partnerDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	p, err := s.svc.GetPartner(a, id)
	if err != nil {
		return err
	}
	if err := s.svc.DeletePartner(a, id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderPartner(c, id, status, nil, errs)
		}
		return err
	}
	return s.redirect(c, "/partners", "Partner "+p.Name+" deleted.")
}

// partnerBalance records a top-up or correction typed as decimal money.
func (s *Server) partnerBalance(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	p, err := s.svc.GetPartner(a, id)
	if err != nil {
		return err
	}
	vals := formValues(c)
	var e app.LedgerEntry
	amt, err := parseMoney("b.amount", vals["b.amount"], p.Currency)
	mapField := func(f string) string { return f }
	if err == nil {
		e, err = s.svc.RecordBalance(a, id, app.BalanceInput{Amount: amt, Kind: vals["b.kind"], Reason: vals["b.reason"]})
		mapField = func(f string) string {
			switch f {
			case "amount", "kind", "reason":
				return "b." + f
			}
			return ""
		}
	}
	if err != nil {
		status, errs, ok := formError(err, mapField)
		if !ok {
			return err
		}
		return s.renderPartner(c, id, status, vals, errs)
	}
	sign := ""
	if e.Amount > 0 {
		sign = "+"
	}
	return s.redirect(c, "/partners/"+strconv.FormatUint(id, 10), "Balance changed by "+sign+app.Money{Amount: e.Amount, Currency: e.Currency}.String()+".")
}

// partnerUserCreate adds a login that acts for this partner.
func (s *Server) partnerUserCreate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	if _, err := s.svc.GetPartner(a, id); err != nil {
		return err
	}
	vals := formValues(c)
	role := app.RolePartner
	email, name, pw := strings.TrimSpace(vals["u.email"]), strings.TrimSpace(vals["u.name"]), vals["u.password"]
	u, err := s.svc.CreateUser(a, app.UserInput{Email: &email, Name: &name, Password: &pw, Role: &role, PartnerID: &id})
	if err != nil {
		status, errs, ok := formError(err, func(f string) string {
			switch f {
			case "email", "name", "password":
				return "u." + f
			}
			return ""
		})
		if !ok {
			return err
		}
		delete(vals, "u.password")
		return s.renderPartner(c, id, status, vals, errs)
	}
	return s.redirect(c, "/partners/"+strconv.FormatUint(id, 10), "User "+u.Email+" can now sign in for this partner.")
}

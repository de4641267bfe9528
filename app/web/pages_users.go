package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// userRow is one line of the user list, rendered alone for htmx.
type userRow struct {
	app.User
	PartnerName string
	Self        bool
	CSRF        string
	Error       string
}

type usersList struct {
	List     listView
	Rows     []userRow
	Partners []app.Partner
}

func (s *Server) usersPage(c *fiber.Ctx) error {
	return s.renderUsers(c, fiber.StatusOK, nil, nil)
}

func (s *Server) renderUsers(c *fiber.Ctx, status int, form, errs map[string]string) error {
	a := mustActor(c)
	p, lv := listRequest(c, "/users", "email", "role", "partner_id")
	page, err := s.svc.ListUsers(a, p)
	if err != nil {
		return err
	}
	names, partners, err := s.partnerNames(a)
	if err != nil {
		return err
	}
	d := usersList{List: withPage(lv, page), Partners: partners}
	csrf := s.csrfToken(c)
	for _, u := range page.Items {
		d.Rows = append(d.Rows, userRow{User: u, PartnerName: names[u.PartnerID], Self: u.ID == a.UserID, CSRF: csrf})
	}
	if form == nil {
		form = map[string]string{"role": string(app.RolePartner)}
	}
	return s.render(c, status, "users", "", View{Title: "Users", Nav: "users", Form: form, Errors: errs, Data: d})
}

func (s *Server) userCreate(c *fiber.Ctx) error {
	vals := formValues(c)
	role := app.Role(strings.TrimSpace(vals["role"]))
	email, name, pw := strings.TrimSpace(vals["email"]), strings.TrimSpace(vals["name"]), vals["password"]
	pid, err := formID(vals, "partner_id")
	if err == nil {
		var u app.User
		u, err = s.svc.CreateUser(mustActor(c), app.UserInput{Email: &email, Name: &name, Role: &role, PartnerID: &pid, Password: &pw})
		if err == nil {
			return s.redirect(c, "/users", "User "+u.Email+" added.")
		}
	}
	status, errs, ok := formError(err, sameFields("email", "name", "role", "partner_id", "password"))
	if !ok {
		return err
	}
	delete(vals, "password")
	return s.renderUsers(c, status, vals, errs)
}

// userUpdate disables or enables a login (the only change the list
// offers); from htmx it answers the row alone.
func (s *Server) userUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	disabled := formBool(formValues(c), "disabled")
	u, err := s.svc.UpdateUser(a, id, app.UserInput{Disabled: &disabled})
	if err != nil {
		status, errs, ok := formError(err, nil)
		if !ok {
			return err
		}
		if !isHX(c) {
			return s.renderUsers(c, status, nil, errs)
		}
		if u, err = s.svc.GetUser(a, id); err != nil {
			return err
		}
		return s.renderUserRow(c, u, errs[""])
	}
	if isHX(c) {
		return s.renderUserRow(c, u, "")
	}
	verb := "enabled"
	if u.Disabled {
		verb = "disabled"
	}
	return s.redirect(c, "/users", "User "+u.Email+" "+verb+".")
}

// renderUserRow answers an htmx swap of one row; a refusal is shown in
// the row (htmx does not swap 4xx answers).
func (s *Server) renderUserRow(c *fiber.Ctx, u app.User, msg string) error {
	a := mustActor(c)
	row := userRow{User: u, Self: u.ID == a.UserID, CSRF: s.csrfToken(c), Error: msg}
	if u.PartnerID != 0 {
		if p, err := s.svc.GetPartner(a, u.PartnerID); err == nil {
			row.PartnerName = p.Name
		}
	}
	return s.render(c, fiber.StatusOK, "users", "user-row-frag", View{Data: row})
}

func (s *Server) userDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	u, err := s.svc.GetUser(a, id)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteUser(a, id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderUsers(c, status, nil, errs)
		}
		return err
	}
	return s.redirect(c, "/users", "User "+u.Email+" deleted.")
}

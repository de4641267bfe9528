package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

func (s *Server) loginPage(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if _, ok := actor(c); ok {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return s.renderLogin(c, fiber.StatusOK, map[string]string{"next": next}, nil)
}

func (s *Server) renderLogin(c *fiber.Ctx, status int, form, errs map[string]string) error {
	return s.render(c, status, "login", "", View{Title: "Sign in", Form: form, Errors: errs})
}

func (s *Server) loginSubmit(c *fiber.Ctx) error {
	form := formValues(c)
	form["next"] = safeNext(form["next"])
	delete(form, "password") // never sent back to the browser
	email, password := strings.TrimSpace(c.FormValue("email")), c.FormValue("password")
	switch {
	case email == "":
		return s.renderLogin(c, fiber.StatusUnprocessableEntity, form, map[string]string{"email": "Enter your email address"})
	case password == "":
		return s.renderLogin(c, fiber.StatusUnprocessableEntity, form, map[string]string{"password": "Enter your password"})
	}
	sid, _, err := s.svc.Login(email, password, clientAddr(c))
	switch {
	case errors.Is(err, app.ErrBadLogin):
		return s.renderLogin(c, fiber.StatusUnauthorized, form, map[string]string{"password": "Wrong email or password. Check both and try again."})
	case errors.Is(err, app.ErrRateLimited):
		return s.renderLogin(c, fiber.StatusTooManyRequests, form, map[string]string{"": "Too many failed attempts. Wait a few minutes, then try again."})
	case err != nil:
		return err
	}
	s.setSession(c, sid)
	return c.Redirect(form["next"], fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if sid := c.Cookies(sessionCookie); sid != "" {
		if err := s.svc.Logout(sid); err != nil {
			return err
		}
	}
	s.clearSession(c)
	return s.redirect(c, "/login", "You are signed out.")
}

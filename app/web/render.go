package web

import (
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// View is what every page template receives.
type View struct {
	Title  string
	Nav    string     // active navigation item
	Actor  *app.Actor // nil before sign-in
	CSRF   string
	Flash  string            // one-line success message
	Errors map[string]string // field → message, shown beside the field
	Form   map[string]string // submitted values, to refill a form
	Data   any               // the page's own data
}

// render writes a page (or, with block, one fragment for htmx).
func (s *Server) render(c *fiber.Ctx, status int, page, block string, v View) error {
	if a, ok := actor(c); ok {
		v.Actor = &a
	}
	v.CSRF = s.csrfToken(c)
	c.Status(status).Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.ui.Render(c.Response().BodyWriter(), page, block, v)
}

// renderError shows an error page with a message safe for the user.
func (s *Server) renderError(c *fiber.Ctx, status int, msg string) error {
	c.Response().ResetBody()
	return s.render(c, status, "error", "", View{Title: statusTitle(status), Data: msg})
}

func statusTitle(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "Not found"
	case fiber.StatusForbidden:
		return "Not allowed"
	case fiber.StatusUnprocessableEntity, fiber.StatusBadRequest:
		return "Please check your input"
	case fiber.StatusTooManyRequests:
		return "Too many attempts"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "Error " + strconv.Itoa(status)
}

// funcs are the template functions; they format in the configured zone.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"money":   func(amount int64, cur string) string { return app.Money{Amount: amount, Currency: cur}.String() },
		"amount":  app.FormatAmount,
		"percent": func(bp int) string { return app.FormatBP(bp) + "%" },
		"period":  app.PeriodLabel,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(s.loc).Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(s.loc).Format("2006-01-02 15:04")
		},
		"isOperator": func(a *app.Actor) bool { return a != nil && a.IsOperator() },
	}
}

package web

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
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
	Errors map[string]string // field → message, shown beside the field; "" is the form's own message
	Form   map[string]string // submitted values, to refill a form
	Data   any               // the page's own data
}

// Err is the message for a field ("" for the form as a whole).
func (v View) Err(field string) string { return v.Errors[field] }

// Val is the submitted (or stored) value of a form field.
func (v View) Val(field string) string { return v.Form[field] }

// Checked reports whether a checkbox field is on.
func (v View) Checked(field string) bool {
	switch v.Form[field] {
	case "true", "on", "1":
		return true
	}
	return false
}

// Is reports whether a field holds value (for selects and radios).
func (v View) Is(field, value string) bool { return v.Form[field] == value }

// Invalid marks a field's input as wrong and points it at its message.
func (v View) Invalid(field string) template.HTMLAttr {
	if v.Errors[field] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + fieldID(field) + `-error"`)
}

// FieldError is the message shown beside a field, if any.
func (v View) FieldError(field string) template.HTML {
	msg := v.Errors[field]
	if msg == "" {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + fieldID(field) + `-error">` + template.HTMLEscapeString(msg) + `</p>`)
}

// fieldID is an element id for a field name such as editions[0].code.
func fieldID(field string) string {
	b := []byte("f-")
	for _, r := range []byte(field) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b = append(b, r)
		default:
			if b[len(b)-1] != '-' {
				b = append(b, '-')
			}
		}
	}
	return strings.TrimRight(string(b), "-")
}

// flashCookie carries the one-line message of a POST-redirect-GET.
const flashCookie = "ld_flash"

// render writes a page (or, with block, one fragment for htmx).
func (s *Server) render(c *fiber.Ctx, status int, page, block string, v View) error {
	if a, ok := actor(c); ok {
		v.Actor = &a
	}
	v.CSRF = s.csrfToken(c)
	if v.Flash == "" && block == "" {
		if f := c.Cookies(flashCookie); f != "" {
			v.Flash, _ = url.QueryUnescape(f)
			s.cookie(c, flashCookie, "", -1)
		}
	}
	c.Status(status).Type("html", "utf-8")
	return s.ui.Render(c.Response().BodyWriter(), page, block, v)
}

// redirect ends a successful form post: the next page shows msg once.
func (s *Server) redirect(c *fiber.Ctx, to, msg string) error {
	if msg != "" {
		s.cookie(c, flashCookie, url.QueryEscape(msg), 60)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// renderError shows an error page with a message safe for the user.
func (s *Server) renderError(c *fiber.Ctx, status int, msg string) error {
	c.Response().ResetBody()
	switch status {
	case fiber.StatusNotFound:
		msg = "There is nothing here, or it is not yours to see. Check the address, or go back."
	case fiber.StatusUnauthorized:
		msg = "Your session has ended. Sign in again to continue."
	}
	return s.render(c, status, "error", "", View{Title: statusTitle(status), Data: sentence(msg)})
}

func statusTitle(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "Not found"
	case fiber.StatusForbidden:
		return "Not allowed"
	case fiber.StatusUnprocessableEntity, fiber.StatusBadRequest:
		return "Please check your input"
	case fiber.StatusConflict:
		return "That cannot be done now"
	case fiber.StatusTooManyRequests:
		return "Too many attempts"
	case fiber.StatusUnauthorized:
		return "Signed out"
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
		"datetimep": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return ""
			}
			return t.In(s.loc).Format("2006-01-02 15:04")
		},
		"zone":       func() string { return s.loc.String() },
		"isOperator": func(a *app.Actor) bool { return a != nil && a.IsOperator() },
		"openInvoices": func(a *app.Actor) int {
			if a == nil || s.svc == nil {
				return 0
			}
			return s.svc.OpenInvoiceCount(*a)
		},
		"seq": func(n int) []int {
			out := make([]int, max(n, 0))
			for i := range out {
				out[i] = i
			}
			return out
		},
		"add":       func(a, b int) int { return a + b },
		"cells":     usebarCells,
		"seats":     app.SeatsText,
		"key":       func(format string, args ...any) string { return fieldKey(format, args...) },
		"join":      strings.Join,
		"mailState": mailStateLabel,
		"negative":  func(n int64) bool { return n < 0 },
		"initials":  initials,
		"fid":       fieldID,
		// pendingTransfers is the menu's count of transfers waiting for
		// the signed-in user's approval.
		"transferRows": func(rows []app.Transfer, dir string) transferRows { return transferRows{Rows: rows, Dir: dir} },
		"pendingTransfers": func(a *app.Actor) int {
			if a == nil || s.svc == nil {
				return 0
			}
			return s.svc.PendingIncoming(*a)
		},
		"navItem": func(v View, key, href, label string) navLink {
			return navLink{Href: href, Label: label, Active: v.Nav == key}
		},
		"col": func(l listView, field, def, label string) sortCol {
			return sortCol{L: l, Field: field, Def: def, Label: label}
		},
		"numcol": func(l listView, field, def, label string) sortCol {
			return sortCol{L: l, Field: field, Def: def, Label: label, Num: true}
		},
	}
}

type navLink struct {
	Href, Label string
	Active      bool
}

// sortCol is a sortable column header.
type sortCol struct {
	L                 listView
	Field, Def, Label string
	Num               bool
}

// initials are the one or two letters of the avatar in the navigation.
func initials(email string) string {
	name, _, _ := strings.Cut(email, "@")
	var out []rune
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		for _, r := range part {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// usebarCells scales part of total to a bar of at most 40 cells, at
// least one cell for any part above zero (order history, F23).
func usebarCells(part, total int) int {
	if part <= 0 || total <= 0 {
		return 0
	}
	if total <= 40 {
		return part
	}
	return max(1, part*40/total)
}

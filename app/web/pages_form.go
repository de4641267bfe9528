package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// fieldKey builds a form field name such as editions[2].code.
func fieldKey(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// formValues reads every field of a posted form (the first value of each
// name). The CSRF token is not a value of the form.
func formValues(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if _, dup := out[key]; !dup && key != csrfField {
			out[key] = string(v)
		}
	})
	return out
}

// formError turns a domain validation or conflict error into the
// field → message map a form shows, with the status to answer. mapField
// translates the service's field name to the form's; a name it does not
// know ("") is shown at the top of the form. ok is false for any other
// error, which goes to the one error handler.
func formError(err error, mapField func(string) string) (status int, errs map[string]string, ok bool) {
	var ve *app.ValidationError
	var ce *app.ConflictError
	field, msg := "", ""
	switch {
	case errors.As(err, &ve):
		status, field, msg = fiber.StatusUnprocessableEntity, ve.Field, ve.Message
	case errors.As(err, &ce):
		status, field, msg = fiber.StatusConflict, ce.Field, ce.Message
	default:
		return 0, nil, false
	}
	key := ""
	if field != "" && mapField != nil {
		key = mapField(field)
	}
	if key == "" && field != "" && predicate(msg) {
		msg = humanField(field) + " " + msg // "is required" needs its subject away from the field
	}
	errs = map[string]string{key: sentence(msg)}
	if key != "" {
		errs[""] = "Nothing was saved: correct the marked field and try again."
	}
	return status, errs, true
}

// parseMoney reads a decimal amount typed in a form, quoting the input
// as typed when it is not an amount.
func parseMoney(field, raw, cur string) (int64, error) {
	n, err := app.ParseAmount(field, raw, cur)
	var ve *app.ValidationError
	if errors.As(err, &ve) && strings.Contains(ve.Message, "is not an amount") {
		return 0, app.Invalid(field, "%q is not an amount like 12.50", strings.TrimSpace(raw))
	}
	return n, err
}

// sameFields maps a service field to the form field of the same name
// when the form has it.
func sameFields(names ...string) func(string) string {
	return func(f string) string {
		for _, n := range names {
			if n == f {
				return f
			}
		}
		return ""
	}
}

// predicate reports whether a message reads as the rest of a sentence
// about its field ("is required", "must be…").
func predicate(msg string) bool {
	for _, p := range []string{"is ", "must ", "has ", "cannot ", "should "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// humanField renders a field name for a message shown away from the field.
func humanField(f string) string {
	f = strings.ReplaceAll(f, "_", " ")
	if f != "" {
		f = strings.ToUpper(f[:1]) + f[1:]
	}
	return f
}

// sentence capitalises the first letter of a message.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// formInt reads an optional whole number; blank is def.
func formInt(vals map[string]string, field string, def int) (int, error) {
	v := strings.TrimSpace(vals[field])
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, app.Invalid(field, "must be a whole number, not %q", v)
	}
	return n, nil
}

// formID reads an optional record id from a select; blank is 0.
func formID(vals map[string]string, field string) (uint64, error) {
	v := strings.TrimSpace(vals[field])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, app.Invalid(field, "choose one from the list")
	}
	return n, nil
}

// formBool reads a checkbox.
func formBool(vals map[string]string, field string) bool {
	switch vals[field] {
	case "true", "on", "1":
		return true
	}
	return false
}

// isHX reports whether the request came from htmx.
func isHX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// wantsFragment reports whether htmx asked to swap only the element with
// id target (a history restore wants the whole page).
func wantsFragment(c *fiber.Ctx, target string) bool {
	return isHX(c) && c.Get("HX-Target") == target && c.Get("HX-History-Restore-Request") != "true"
}

package web

import (
	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// queryBool reads a boolean query parameter strictly: true/false/1/0,
// or absent/empty for def. Anything else is refused naming the
// parameter, so a typo (dry_run=yes) never falls back to false and
// turns a dry run into a real import. Every boolean in a query string
// goes through here, never fiber's lenient c.QueryBool.
func queryBool(c *fiber.Ctx, name string, def bool) (bool, error) {
	switch v := c.Query(name); v {
	case "":
		return def, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	default:
		return false, app.Invalid(name, "must be true, false, 1 or 0, not %q", v)
	}
}

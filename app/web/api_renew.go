package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Renewals (issue 12): quote, renew one, renew ticked licenses.

// renewQueryParams are the parameters renewFromQuery reads.
var renewQueryParams = []string{"periods", "period_months", "edition", "coupon", "coupon_id"}

// renewFromQuery reads a renewal quote's parameters: periods (default
// 1), period_months, edition, coupon, coupon_id.
func renewFromQuery(c *fiber.Ctx) (app.RenewInput, error) {
	in := app.RenewInput{Periods: 1, Edition: c.Query("edition")}
	// Any other parameter is refused by name, as the renewal's body
	// refuses a field it does not know: a mistyped periods is not quoted
	// as one period.
	if err := onlyQuery(c, renewQueryParams...); err != nil {
		return in, err
	}
	num := func(name string, dst *int) error {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return app.Invalid(name, "%q is not a whole number", v)
			}
			*dst = n
		}
		return nil
	}
	if err := num("periods", &in.Periods); err != nil {
		return in, err
	}
	if err := num("period_months", &in.PeriodMonths); err != nil {
		return in, err
	}
	var err error
	if in.Coupon, err = queryBool(c, "coupon", false); err != nil {
		return in, err
	}
	if v := c.Query("coupon_id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return in, app.Invalid("coupon_id", "%q is not a license id", v)
		}
		in.CouponID = id
	}
	return in, nil
}

func (s *Server) apiRenewalQuote(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	in, err := renewFromQuery(c)
	if err != nil {
		return err
	}
	q, err := s.svc.QuoteRenewal(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) apiRenew(c *fiber.Ctx) error {
	var in app.RenewInput
	a, id, err := pathBody(c, s.seeLicense, &in)
	if err != nil {
		return err
	}
	res, err := s.svc.RenewLicense(a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) apiRenewBulk(c *fiber.Ctx) error {
	var in app.BulkRenewInput
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.RenewLicenses(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

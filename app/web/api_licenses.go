package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// takeIDs removes the "ids" parameter (ticked rows: 1,2,3) from a list
// request and returns the ids, nil when absent.
func takeIDs(p *app.ListParams) ([]uint64, error) {
	raw, ok := p.Filters["ids"]
	if !ok {
		return nil, nil
	}
	delete(p.Filters, "ids")
	ids, err := parseIDs(raw)
	if ids == nil && err == nil {
		ids = []uint64{} // present but empty: export nothing, not everything
	}
	return ids, err
}

// parseIDs reads license ids given as "1,2,3", in one value or several.
func parseIDs(values ...string) ([]uint64, error) {
	var ids []uint64
	for _, raw := range values {
		for _, f := range strings.Split(raw, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil, app.Invalid("ids", "%q is not a license id", f)
			}
			ids = append(ids, n)
		}
	}
	return ids, nil
}

func (s *Server) apiLicensesList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListLicenses(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiLicenseGroups(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	by := p.Filters["by"]
	delete(p.Filters, "by")
	order := p.Sort // the order of groups: count, -count, name, -name
	p.Sort = ""
	groups, err := s.svc.GroupLicensesPage(mustActor(c), p, by, order)
	var ve *app.ValidationError
	if errors.As(err, &ve) && ve.Field == "group" {
		return app.Invalid("by", "%s", ve.Message) // the API's name for it
	}
	if err != nil {
		return err
	}
	return c.JSON(groups)
}

func (s *Server) apiLicensesCSV(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	only, err := takeIDs(&p)
	if err != nil {
		return err
	}
	return s.streamLicensesCSV(c, p, only)
}

// streamLicensesCSV sends the CSV as it is produced, so a million rows
// cost no more memory than ten. Filter errors are found before streaming.
func (s *Server) streamLicensesCSV(c *fiber.Ctx, p app.ListParams, only []uint64) error {
	a := mustActor(c)
	if err := s.svc.CheckLicenseFilter(a, p); err != nil {
		return err
	}
	name := "licenses-" + time.Now().UTC().Format("2006-01-02") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := s.svc.ExportLicensesCSV(a, p, only, w); err != nil {
			s.log.Error("license export stopped", "err", err)
		}
		w.Flush()
	})
	return nil
}

func (s *Server) apiLicenseCreate(c *fiber.Ctx) error {
	var in app.LicenseCreate
	if err := decode(c, &in); err != nil {
		return err
	}
	ls, err := s.svc.CreateLicenses(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(app.Page[app.LicenseView]{Items: ls, Total: len(ls), Page: 1, PerPage: len(ls)})
}

func (s *Server) apiLicenseGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	l, err := s.svc.GetLicense(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) apiLicenseUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	// valid_to arrives raw: a plain date is welcome and anything else is
	// refused naming the field (see apiTime).
	var in struct {
		app.LicenseEdit
		ValidTo json.RawMessage `json:"valid_to"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	a := mustActor(c)
	if len(in.ValidTo) > 0 && string(in.ValidTo) != "null" {
		cur, err := s.svc.GetLicense(a, id)
		if err != nil {
			return err
		}
		if in.LicenseEdit.ValidTo, err = apiTime("valid_to", in.ValidTo, s.loc, cur.ValidTo); err != nil {
			return err
		}
	}
	l, err := s.svc.EditLicense(a, id, in.LicenseEdit)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) apiLicenseAssign(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.AssignInput
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := s.svc.AssignLicense(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) apiLicenseDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteLicense(mustActor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) licenseAction(fn func(app.Actor, uint64) (app.LicenseView, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		l, err := fn(mustActor(c), id)
		if err != nil {
			return err
		}
		return c.JSON(l)
	}
}

func (s *Server) apiLicenseSuspend(c *fiber.Ctx) error {
	return s.licenseAction(s.svc.SuspendLicense)(c)
}
func (s *Server) apiLicenseEnable(c *fiber.Ctx) error { return s.licenseAction(s.svc.EnableLicense)(c) }
func (s *Server) apiLicenseCancel(c *fiber.Ctx) error { return s.licenseAction(s.svc.CancelLicense)(c) }

func (s *Server) apiLicenseBulk(c *fiber.Ctx) error {
	var in struct {
		Action string   `json:"action"`
		IDs    []uint64 `json:"ids"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.svc.BulkLicenses(mustActor(c), in.Action, in.IDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changed": n})
}

func (s *Server) apiLicenseHistory(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.LicenseHistoryPage(mustActor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

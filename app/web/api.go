package web

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// listParams reads page, per_page, sort and every other query parameter
// as a filter named like the field.
func listParams(c *fiber.Ctx) (app.ListParams, error) {
	p := app.ListParams{Filters: map[string]string{}}
	var err error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		key, val := string(k), string(v)
		switch key {
		case "page", "per_page":
			n, e := strconv.Atoi(val)
			if e != nil || n < 1 {
				err = app.Invalid(key, "must be a whole number of 1 or more, not %q", val)
				return
			}
			if key == "page" && n > app.MaxPage {
				err = app.Invalid(key, "must be at most %d, not %s", app.MaxPage, val)
				return
			}
			if key == "page" {
				p.Page = n
			} else {
				p.PerPage = n
			}
		case "sort":
			p.Sort = val
		default:
			p.Filters[key] = val
		}
	})
	return p, err
}

// onlyQuery refuses, naming it, a query parameter that is not one of
// names: a route that reads a few parameters must not quietly drop a
// mistyped one and answer as if it had not been asked.
func onlyQuery(c *fiber.Ctx, names ...string) error {
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if bad == "" && !slices.Contains(names, string(k)) {
			bad = string(k)
		}
	})
	if bad != "" {
		return app.Invalid(bad, "is not a parameter here; use %s", strings.Join(names, ", "))
	}
	return nil
}

// pathID reads the :id parameter; a malformed id is simply not found.
func pathID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, app.ErrNotFound
	}
	return id, nil
}

// pathBody reads the record id from the path and, once see says the
// caller may see that record, decodes the JSON body into v: another
// partner's record is a 404 before its body is read.
func pathBody(c *fiber.Ctx, see func(app.Actor, uint64) error, v any) (app.Actor, uint64, error) {
	id, err := pathID(c)
	if err != nil {
		return app.Actor{}, 0, err
	}
	a := mustActor(c)
	if err := see(a, id); err != nil {
		return app.Actor{}, 0, err
	}
	return a, id, decode(c, v)
}

// seeLicense is pathBody's check for a license.
func (s *Server) seeLicense(a app.Actor, id uint64) error {
	_, err := s.svc.GetLicense(a, id)
	return err
}

func mustActor(c *fiber.Ctx) app.Actor {
	a, _ := actor(c)
	return a
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "indexed": s.svc.IndexedDocs()})
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	a := mustActor(c)
	u, err := s.svc.GetUser(a, a.UserID)
	if err != nil {
		return err
	}
	out := fiber.Map{"user": u}
	if a.PartnerID != 0 {
		p, err := s.svc.GetPartner(a, a.PartnerID)
		if err != nil {
			return err
		}
		out["partner"] = p
	}
	return c.JSON(out)
}

// Tokens.

func (s *Server) apiTokenCreate(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return app.Invalid("email", "is required")
	}
	if in.Password == "" {
		return app.Invalid("password", "is required")
	}
	raw, t, err := s.svc.CreateTokenWithPassword(in.Email, in.Password, clientAddr(c), in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": raw, "id": t.ID, "hint": t.Hint})
}

func (s *Server) apiTokensList(c *fiber.Ctx) error {
	ts, err := s.svc.ListTokens(mustActor(c))
	if err != nil {
		return err
	}
	return c.JSON(app.Page[app.Token]{Items: ts, Total: len(ts), Page: 1, PerPage: len(ts)})
}

func (s *Server) apiTokenRevoke(c *fiber.Ctx) error {
	if err := s.svc.RevokeToken(mustActor(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Products.

func (s *Server) apiProductsList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListProducts(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiProductCreate(c *fiber.Ctx) error {
	var in app.ProductInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.svc.CreateProduct(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiProductGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetProduct(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiProductUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.ProductInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.svc.UpdateProduct(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiProductDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteProduct(mustActor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Partners.

func (s *Server) apiPartnersList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListPartners(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiPartnerCreate(c *fiber.Ctx) error {
	var in app.PartnerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.svc.CreatePartner(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) apiPartnerGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.GetPartner(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiPartnerUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.PartnerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.svc.UpdatePartner(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiPartnerDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeletePartner(mustActor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiPartnerAccount(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := listParams(c)
	if err != nil {
		return err
	}
	acc, err := s.svc.GetAccountPage(mustActor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(acc)
}

func (s *Server) apiPartnerBalance(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.BalanceInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := s.svc.RecordBalance(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

// Users.

func (s *Server) apiUsersList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListUsers(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiUserCreate(c *fiber.Ctx) error {
	var in app.UserInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.svc.CreateUser(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) apiUserGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.svc.GetUser(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) apiUserUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.UserInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.svc.UpdateUser(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) apiUserDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteUser(mustActor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Operations.

func (s *Server) apiAuditList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListAudit(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

// apiBackup streams a consistent copy of the data file while the server
// keeps running; `licensedesk backup` calls it when the server holds the lock.
func (s *Server) apiBackup(c *fiber.Ctx) error {
	if err := s.svc.AuditBackup(mustActor(c)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="licensedesk-backup.db"`)
	pr, pw := io.Pipe()
	size := make(chan int64, 1)
	go func() {
		sent := false
		_, err := s.svc.DB().Backup(pw, func(n int64) { size <- n; sent = true })
		if !sent {
			size <- -1
		}
		pw.CloseWithError(err)
	}()
	n := <-size
	if n < 0 {
		pr.Close()
		return errors.New("backup could not start")
	}
	c.Context().SetBodyStream(pr, int(n))
	return nil
}

func (s *Server) apiReindex(c *fiber.Ctx) error {
	if err := s.svc.Reindex(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"indexed": s.svc.IndexedDocs()})
}

package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

func (s *Server) apiTransferCreate(c *fiber.Ctx) error {
	var in app.TransferInput
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.svc.CreateTransfer(mustActor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) apiTransfersList(c *fiber.Ctx) error {
	a := mustActor(c)
	p, err := listParams(c)
	if err != nil {
		return err
	}
	if p.Sort != "" {
		return app.Invalid("sort", "transfers are listed newest first; this list has no other order")
	}
	for k := range p.Filters {
		if k != "state" {
			return app.Invalid(k, "is not a filter of this list; use state")
		}
	}
	state := app.TransferState(p.Filter("state"))
	in, err := s.svc.ListTransfers(a, app.TransferFilter{Direction: "incoming", State: state})
	if err != nil {
		return err
	}
	out, err := s.svc.ListTransfers(a, app.TransferFilter{Direction: "outgoing", State: state})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"incoming": in, "outgoing": out})
}

func (s *Server) apiTransferGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.svc.GetTransfer(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) apiTransferApprove(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Secret string `json:"secret"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.svc.ApproveTransfer(mustActor(c), id, in.Secret)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) apiTransferReject(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	t, err := s.svc.RejectTransfer(mustActor(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) apiTransferCancel(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.svc.CancelTransfer(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) apiTransferFile(c *fiber.Ctx) error {
	return s.sendTransferBlob(c, s.svc.TransferFile, "transfer")
}

func (s *Server) apiTransferReceipt(c *fiber.Ctx) error {
	return s.sendTransferBlob(c, s.svc.TransferReceipt, "receipt")
}

func (s *Server) sendTransferBlob(c *fiber.Ctx, get func(app.Actor, uint64) ([]byte, error), name string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	data, err := get(mustActor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="licensedesk-`+name+`-`+c.Params("id")+`.txt"`)
	return c.Send(data)
}

func (s *Server) apiTransferImport(c *fiber.Ctx) error {
	data, err := s.uploadBody(c)
	if err != nil {
		return err
	}
	t, err := s.svc.ImportTransferFile(mustActor(c), data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) apiTransferReceiptImport(c *fiber.Ctx) error {
	data, err := s.uploadBody(c)
	if err != nil {
		return err
	}
	t, err := s.svc.ImportReceipt(mustActor(c), data)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// apiLicensesImport takes a license CSV as the body:
// ?partner=P-…&dry_run=true&valid_only=true.
func (s *Server) apiLicensesImport(c *fiber.Ctx) error {
	// A mistyped dry_run must not import for real: every parameter is
	// checked before the file is read.
	if err := onlyQuery(c, "partner", "dry_run", "valid_only"); err != nil {
		return err
	}
	opt := app.CSVImportOptions{Partner: c.Query("partner")}
	var err error
	if opt.DryRun, err = queryBool(c, "dry_run", false); err != nil {
		return err // refused before the file is read
	}
	if opt.ImportValid, err = queryBool(c, "valid_only", false); err != nil {
		return err
	}
	data, err := s.uploadBody(c)
	if err != nil {
		return err
	}
	rep, err := s.svc.ImportLicensesCSV(mustActor(c), bytes.NewReader(data), opt)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if rep.Imported > 0 {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(rep)
}

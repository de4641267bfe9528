package web

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type transfersData struct {
	Incoming []app.Transfer
	Outgoing []app.Transfer
	Pending  int
}

func (s *Server) transfersPage(c *fiber.Ctx) error {
	return s.renderTransfers(c, fiber.StatusOK, nil)
}

func (s *Server) renderTransfers(c *fiber.Ctx, status int, errs map[string]string) error {
	a := mustActor(c)
	var d transfersData
	var err error
	if d.Incoming, err = s.svc.ListTransfers(a, app.TransferFilter{Direction: "incoming"}); err != nil {
		return err
	}
	if d.Outgoing, err = s.svc.ListTransfers(a, app.TransferFilter{Direction: "outgoing"}); err != nil {
		return err
	}
	for _, t := range d.Incoming {
		if t.State == app.TransferPending {
			d.Pending++
		}
	}
	return s.render(c, status, "transfers", "", View{Title: "Transfers", Nav: "transfers", Errors: errs, Data: d})
}

type transferNewData struct {
	IDs      []uint64
	Licenses []app.LicenseView
	Preview  *app.Transfer // the confirm step
	Created  *app.Transfer // after creation: carries the secret, shown once
	File     bool
}

// transferNew is the hand-over form for ticked licenses (target ID), and
// with a target, the confirm page naming every license and the target.
func (s *Server) transferNew(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	ids, err := formIDs(c)
	if err != nil {
		return err
	}
	d := transferNewData{IDs: ids, File: formBool(vals, "file")}
	form := map[string]string{"target": vals["target"]}
	if d.File {
		form["file"] = "true"
	}
	if len(ids) == 0 {
		return s.render(c, fiber.StatusUnprocessableEntity, "transfer_new", "", View{Title: "Hand over licenses", Nav: "transfers",
			Errors: map[string]string{"": "Tick at least one license in the list, then choose Hand over again."}, Data: d})
	}
	if strings.TrimSpace(vals["target"]) != "" {
		t, err := s.svc.PreviewTransfer(a, app.TransferInput{LicenseIDs: ids, Target: vals["target"], File: d.File})
		if err == nil {
			d.Preview = &t
			return s.render(c, fiber.StatusOK, "transfer_new", "", View{Title: "Confirm the hand-over", Nav: "transfers", Form: form, Data: d})
		}
		status, errs, ok := formError(err, sameFields("target"))
		if !ok {
			return err
		}
		return s.renderTransferForm(c, a, status, d, form, errs)
	}
	return s.renderTransferForm(c, a, fiber.StatusOK, d, form, nil)
}

func (s *Server) renderTransferForm(c *fiber.Ctx, a app.Actor, status int, d transferNewData, form, errs map[string]string) error {
	for i, id := range d.IDs {
		if i == 50 {
			break // the form lists the first ones; the confirm page lists all
		}
		if l, err := s.svc.GetLicense(a, id); err == nil {
			d.Licenses = append(d.Licenses, l)
		}
	}
	return s.render(c, status, "transfer_new", "", View{Title: "Hand over licenses", Nav: "transfers", Form: form, Errors: errs, Data: d})
}

// transferCreate starts the hand-over and shows its secret, once.
func (s *Server) transferCreate(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	ids, err := formIDs(c)
	if err != nil {
		return err
	}
	in := app.TransferInput{LicenseIDs: ids, Target: vals["target"], File: formBool(vals, "file")}
	t, err := s.svc.CreateTransfer(a, in)
	if err != nil {
		status, errs, ok := formError(err, sameFields("target"))
		if !ok {
			return err
		}
		return s.renderTransferForm(c, a, status, transferNewData{IDs: ids, File: in.File}, map[string]string{"target": in.Target}, errs)
	}
	full, err := s.svc.GetTransfer(a, t.ID)
	if err != nil {
		return err
	}
	full.Secret = t.Secret
	return s.render(c, fiber.StatusCreated, "transfer_new", "", View{Title: "Transfer started", Nav: "transfers",
		Data: transferNewData{Created: &full, File: in.File}})
}

type transferData struct {
	T                 app.Transfer
	CanApprove        bool
	CanReject         bool
	CanCancel         bool
	HasFile           bool
	HasReceipt        bool
	NeedsSecret       bool
	OwnFingerprint    string
	IncomingForActor  bool
	OutgoingFromActor bool
}

func (s *Server) transferPage(c *fiber.Ctx) error {
	return s.renderTransfer(c, fiber.StatusOK, nil)
}

func (s *Server) renderTransfer(c *fiber.Ctx, status int, errs map[string]string) error {
	a := mustActor(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.svc.GetTransfer(a, id)
	if err != nil {
		return err
	}
	pending := t.State == app.TransferPending
	target := a.IsOperator() || t.TargetPartnerID != 0 && t.TargetPartnerID == a.PartnerID
	source := a.IsOperator() || t.SourcePartnerID != 0 && t.SourcePartnerID == a.PartnerID
	d := transferData{T: t,
		CanApprove:  pending && target && t.Kind != app.TransferOutgoing,
		CanReject:   pending && target && t.Kind != app.TransferOutgoing,
		CanCancel:   pending && source && t.Kind != app.TransferIncoming,
		HasFile:     t.Kind != app.TransferLocal,
		HasReceipt:  t.Kind != app.TransferLocal && t.State == app.TransferApproved,
		NeedsSecret: !a.IsOperator() || t.Kind == app.TransferIncoming,
	}
	if k, err := s.svc.CurrentSigningKey(); err == nil {
		d.OwnFingerprint = k.Fingerprint
	}
	return s.render(c, status, "transfer", "", View{Title: "Transfer " + c.Params("id"), Nav: "transfers", Errors: errs, Data: d})
}

func (s *Server) transferApprove(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.svc.ApproveTransfer(mustActor(c), id, formValues(c)["secret"])
	if err != nil {
		if errors.Is(err, app.ErrRateLimited) {
			return s.renderTransfer(c, fiber.StatusTooManyRequests, map[string]string{"secret": app.ErrRateLimited.Error()})
		}
		status, errs, ok := formError(err, sameFields("secret"))
		if !ok {
			return err
		}
		return s.renderTransfer(c, status, errs)
	}
	msg := "Transfer approved: the licenses are yours now."
	if t.Kind == app.TransferIncoming {
		msg = "Transfer approved: the licenses are yours now. Download the receipt and take it to the giving desk."
	}
	return s.redirect(c, "/transfers/"+c.Params("id"), msg)
}

func (s *Server) transferReject(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.svc.RejectTransfer(mustActor(c), id, formValues(c)["reason"]); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderTransfer(c, status, errs)
		}
		return err
	}
	return s.redirect(c, "/transfers/"+c.Params("id"), "Transfer rejected; the licenses stay with the giver.")
}

func (s *Server) transferCancel(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.svc.CancelTransfer(mustActor(c), id)
	if err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderTransfer(c, status, errs)
		}
		return err
	}
	if t.Kind == app.TransferOutgoing {
		// A file handed out cannot be recalled: see Service.ImportReceipt.
		return s.redirect(c, "/transfers/"+c.Params("id"), "Transfer cancelled here: the licenses are usable again. "+
			"The file already handed out can still be approved on the other desk until it expires; if its receipt comes, import it and the licenses are marked transferred out.")
	}
	return s.redirect(c, "/transfers/"+c.Params("id"), "Transfer cancelled.")
}

func (s *Server) transferFileDownload(c *fiber.Ctx) error {
	return s.sendTransferBlob(c, s.svc.TransferFile, "transfer")
}

func (s *Server) transferReceiptDownload(c *fiber.Ctx) error {
	return s.sendTransferBlob(c, s.svc.TransferReceipt, "receipt")
}

// uploadedFile reads the "file" field of a multipart upload form.
func (s *Server) uploadedFile(c *fiber.Ctx) ([]byte, error) {
	if _, err := s.uploadBody(c); err != nil {
		return nil, err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, app.Invalid("file", "choose a file to upload")
	}
	u, _ := uploadOf(c)
	limit, _ := s.fileLimit(u)
	if fh.Size > int64(limit) {
		return nil, s.uploadTooLarge(u)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, int64(limit)))
}

func (s *Server) transferImport(c *fiber.Ctx) error {
	data, err := s.uploadedFile(c)
	if err == nil {
		var t app.Transfer
		if t, err = s.svc.ImportTransferFile(mustActor(c), data); err == nil {
			return s.redirect(c, "/transfers/"+strconv.FormatUint(t.ID, 10), "File imported. Compare the giving desk's fingerprint by phone, then approve with the secret.")
		}
	}
	if status, errs, ok := formError(err, func(string) string { return "import" }); ok {
		return s.renderTransfers(c, status, errs)
	}
	return err
}

func (s *Server) transferReceiptImport(c *fiber.Ctx) error {
	data, err := s.uploadedFile(c)
	if err == nil {
		var t app.Transfer
		if t, err = s.svc.ImportReceipt(mustActor(c), data); err == nil {
			return s.redirect(c, "/transfers/"+strconv.FormatUint(t.ID, 10), "Receipt imported: the licenses are marked transferred out.")
		}
	}
	if status, errs, ok := formError(err, func(string) string { return "receipt" }); ok {
		return s.renderTransfers(c, status, errs)
	}
	return err
}

// transferRows is one table of the transfers page.
type transferRows struct {
	Rows []app.Transfer
	Dir  string
}

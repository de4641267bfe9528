package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Reminder digests (F33): preview, send now, customer mails on or off.

func queryPartner(c *fiber.Ctx) (uint64, error) {
	v := c.Query("partner_id")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, app.Invalid("partner_id", "%q is not a partner id", v)
	}
	return id, nil
}

func (s *Server) apiRemindersPreview(c *fiber.Ctx) error {
	pid, err := queryPartner(c)
	if err != nil {
		return err
	}
	d, err := s.svc.PreviewDigest(mustActor(c), pid)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"digest": d, "text": d.Text(), "empty": d.Empty()})
}

func (s *Server) apiRemindersSend(c *fiber.Ctx) error {
	pid, err := queryPartner(c)
	if err != nil {
		return err
	}
	d, err := s.svc.SendDigestNow(mustActor(c), pid)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"digest": d, "sent": true})
}

// remindersPage shows a partner's digest as it would go out now, with
// "send now" and the customer-mail switch.
func (s *Server) remindersPage(c *fiber.Ctx) error {
	a := mustActor(c)
	pid, err := queryPartner(c)
	if err != nil {
		return err
	}
	if !a.IsOperator() {
		pid = a.PartnerID
	}
	type page struct {
		Digest        app.Digest
		CustomerMails bool
		Partners      []app.Partner
		Chosen        uint64
	}
	d := page{Chosen: pid}
	if a.IsOperator() {
		_, ps, err := s.partnerNames(a)
		if err != nil {
			return err
		}
		d.Partners = ps
		if pid == 0 && len(ps) > 0 {
			pid, d.Chosen = ps[0].ID, ps[0].ID
		}
	}
	if pid != 0 {
		if d.Digest, err = s.svc.PreviewDigest(a, pid); err != nil {
			return err
		}
		if d.CustomerMails, err = s.svc.CustomerMails(a, pid); err != nil {
			return err
		}
	}
	return s.render(c, fiber.StatusOK, "reminders", "", View{Title: "Reminders", Nav: "reminders", Data: d})
}

func (s *Server) remindersSend(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	pid, _ := formID(vals, "partner_id")
	back := "/reminders?partner_id=" + strconv.FormatUint(pid, 10)
	if _, err := s.svc.SendDigestNow(a, pid); err != nil {
		if _, errs, ok := formError(err, nil); ok {
			return s.redirect(c, back, errs[""])
		}
		return err
	}
	return s.redirect(c, back, "The digest is in the outbox.")
}

func (s *Server) remindersCustomerMails(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	pid, _ := formID(vals, "partner_id")
	if !a.IsOperator() {
		pid = a.PartnerID
	}
	on := formBool(vals, "on")
	if err := s.svc.SetCustomerMails(a, pid, on); err != nil {
		return err
	}
	msg := "Customers are no longer mailed before expiry."
	if on {
		msg = "Customers are mailed 3 days before expiry."
	}
	return s.redirect(c, "/reminders?partner_id="+strconv.FormatUint(pid, 10), msg)
}

package web

import (
	"mime"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type outboxList struct {
	List       listView
	Mails      []app.Mail
	States     []app.MailState
	State      string
	Counts     map[app.MailState]int // operators only
	Configured bool
}

// outboxPage lists the outbox, newest first, filtered by state. A
// partner sees its own mails (the service decides).
func (s *Server) outboxPage(c *fiber.Ctx) error {
	a := mustActor(c)
	p, lv := listRequest(c, "/outbox", "state")
	page, err := s.svc.ListOutbox(a, p)
	if err != nil {
		return err
	}
	d := outboxList{List: withPage(lv, page), Mails: page.Items, States: app.MailStates, State: p.Filter("state"), Configured: s.svc.MailConfigured()}
	if a.IsOperator() {
		if d.Counts, err = s.svc.OutboxCounts(a); err != nil {
			return err
		}
	}
	return s.render(c, fiber.StatusOK, "outbox", "", View{Title: "Outbox", Nav: "outbox", Data: d})
}

type outboxMail struct {
	Mail       app.Mail
	Configured bool
}

func (s *Server) outboxMailPage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.renderMail(c, fiber.StatusOK, id, nil)
}

func (s *Server) renderMail(c *fiber.Ctx, status int, id uint64, errs map[string]string) error {
	m, err := s.svc.GetMail(mustActor(c), id)
	if err != nil {
		return err
	}
	return s.render(c, status, "outbox_mail", "", View{Title: m.Subject, Nav: "outbox", Errors: errs,
		Data: outboxMail{Mail: m, Configured: s.svc.MailConfigured()}})
}

// outboxAttachment downloads attachment ?n= of a mail, for sending it by hand.
func (s *Server) outboxAttachment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Query("n", "0"))
	if err != nil {
		return app.ErrNotFound
	}
	att, err := s.svc.GetAttachment(mustActor(c), id, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, att.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(att.Data)
}

func (s *Server) outboxResend(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.svc.ResendMail(mustActor(c), id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderMail(c, status, id, errs)
		}
		return err
	}
	return s.redirect(c, "/outbox/"+strconv.FormatUint(id, 10), "Queued to be sent again.")
}

func (s *Server) outboxMarkSent(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.svc.MarkMailSent(mustActor(c), id); err != nil {
		if status, errs, ok := formError(err, nil); ok {
			return s.renderMail(c, status, id, errs)
		}
		return err
	}
	return s.redirect(c, "/outbox/"+strconv.FormatUint(id, 10), "Marked as sent by hand.")
}

// JSON API.

func (s *Server) apiOutboxList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListOutbox(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiOutboxGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	m, err := s.svc.GetMail(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) apiOutboxResend(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	m, err := s.svc.ResendMail(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// mailStateLabel is a mail state as the outbox shows it.
func mailStateLabel(st app.MailState) string {
	switch st {
	case app.MailQueued:
		return "queued"
	case app.MailSending:
		return "sending"
	case app.MailSent:
		return "sent"
	case app.MailFailed:
		return "failed"
	case app.MailManual:
		return "to send by hand"
	}
	return string(st)
}

func (s *Server) apiOutboxMarkSent(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	m, err := s.svc.MarkMailSent(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

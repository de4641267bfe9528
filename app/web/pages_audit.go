package web

import (
	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type auditList struct {
	List    listView
	Entries []app.AuditEntry
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	p, lv := listRequest(c, "/audit", "actor", "action")
	p.PerPage = 50
	lv.PerPage = 50
	page, err := s.svc.ListAudit(mustActor(c), p)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "audit", "", View{Title: "Audit log", Nav: "audit", Data: auditList{List: withPage(lv, page), Entries: page.Items}})
}

package web

import "github.com/gofiber/fiber/v2"

// Page handlers not yet built; each is replaced by its real one in pages_*.go.

func (s *Server) auditPage(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (s *Server) partnerBalance(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) partnerCreate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnerDelete(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnerEditPage(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) partnerNewPage(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) partnerPage(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) partnerUpdate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnersPage(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) passwordChange(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) settingsPage(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) tokenCreate(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) tokenRevoke(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) userCreate(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) userDelete(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) userUpdate(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) usersPage(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }

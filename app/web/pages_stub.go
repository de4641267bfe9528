package web

import "github.com/gofiber/fiber/v2"

// Page handlers not yet built; each is replaced by its real one in pages_*.go.

func (s *Server) accountPage(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) auditPage(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (s *Server) dashboardPage(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) loginPage(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (s *Server) loginSubmit(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) logout(c *fiber.Ctx) error          { return fiber.ErrNotImplemented }
func (s *Server) partnerBalance(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) partnerCreate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnerDelete(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnerEditPage(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) partnerNewPage(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) partnerPage(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) partnerUpdate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) partnersPage(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) passwordChange(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) productCreate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) productDelete(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) productEditPage(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (s *Server) productNewPage(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
func (s *Server) productPage(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) productUpdate(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (s *Server) productsPage(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) settingsPage(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (s *Server) tokenCreate(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) tokenRevoke(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (s *Server) userCreate(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) userDelete(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) userUpdate(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (s *Server) usersPage(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }

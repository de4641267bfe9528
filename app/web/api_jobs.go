package web

import "github.com/gofiber/fiber/v2"

// apiJobs lists the background jobs with their last and next run and
// last error, as the settings page shows them (operators).
func (s *Server) apiJobs(c *fiber.Ctx) error {
	jobs, err := s.svc.JobStatuses(mustActor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": jobs, "total": len(jobs)})
}

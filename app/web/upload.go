package web

import (
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The server streams request bodies (fiber's StreamRequestBody), so a
// file upload larger than the request body limit can reach its handler
// without first sitting in memory. limitBody keeps every other route to
// body_limit as before; upload routes take up to max_upload, and a
// declared length over it is refused before any of the body is read.

// uploadRoutes are the routes that take a file as their body.
var uploadRoutes = map[string]bool{
	"POST /api/v1/transfers/import":  true,
	"POST /api/v1/transfers/receipt": true,
	"POST /api/v1/licenses/import":   true,
	"POST /transfers/import":         true,
	"POST /transfers/receipt":        true,
	"POST /licenses/import":          true,
}

func isUpload(c *fiber.Ctx) bool { return uploadRoutes[c.Method()+" "+c.Path()] }

var (
	errTooLarge       = fiber.NewError(fiber.StatusRequestEntityTooLarge, "the request body is too large")
	errUploadTooLarge = fiber.NewError(fiber.StatusRequestEntityTooLarge, "the file is larger than the upload limit (max_upload) of this desk")
)

func (s *Server) limitBody(c *fiber.Ctx) error {
	cl := c.Request().Header.ContentLength()
	limit, tooLarge := s.cfg.BodyLimit, errTooLarge
	if isUpload(c) {
		limit, tooLarge = s.cfg.MaxUpload, errUploadTooLarge
	}
	if cl > limit {
		c.Context().SetConnectionClose() // the body stays unread
		return tooLarge
	}
	if cl == -1 { // chunked: read it here, within the limit
		if st := c.Context().RequestBodyStream(); st != nil {
			data, err := io.ReadAll(io.LimitReader(st, int64(limit)+1))
			if err != nil {
				return err
			}
			if len(data) > limit {
				c.Context().SetConnectionClose()
				return tooLarge
			}
			c.Request().SetBodyRaw(data)
		}
	}
	return c.Next()
}

// uploadBody reads an upload route's body, at most max_upload bytes,
// and keeps it as the request body (so a multipart form parses from it).
func (s *Server) uploadBody(c *fiber.Ctx) ([]byte, error) {
	if b, ok := c.Locals(keyUpload).([]byte); ok {
		return b, nil
	}
	st := c.Context().RequestBodyStream()
	if st == nil {
		return c.Body(), nil
	}
	data, err := app.ReadLimited(st, int64(s.cfg.MaxUpload))
	if err != nil {
		c.Context().SetConnectionClose()
		var ve *app.ValidationError
		if errors.As(err, &ve) {
			return nil, errUploadTooLarge
		}
		return nil, err
	}
	c.Request().SetBodyRaw(data)
	c.Locals(keyUpload, data)
	return data, nil
}

type uploadKey struct{}

var keyUpload = uploadKey{}

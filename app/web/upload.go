package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The server streams request bodies (fiber's StreamRequestBody): fasthttp
// reads at most the first 8 KiB of a body with the headers and leaves the
// rest on the connection, so nothing is buffered before a handler asks.
// limitBody decides, from the headers alone, what a request may send:
//
//   - an ordinary route reads its body here, at most body_limit bytes
//     (a declared length over it is refused unread);
//   - an upload route has its own limit (a receipt 64 KiB, a transfer
//     file the transfer reader's limit, a license CSV max_upload): a
//     declared length over it is refused unread, with 413 naming the
//     limit, and its handler reads the body (uploadBody) only after the
//     route's permission check, never more than the limit even when the
//     length is not declared (chunked).
//
// Uploads larger than body_limit take one of maxLargeUploads slots while
// their body is read and handled; over that they are refused with 503
// and Retry-After, so a few clients cannot fill the memory.

// uploadKind is what an upload route takes.
type uploadKind int

const (
	uploadReceipt uploadKind = iota + 1
	uploadTransfer
	uploadCSV
)

type uploadRoute struct {
	kind uploadKind
	form bool // a page's multipart form: the file plus a few fields
}

// uploadRoutes are the routes that take a file as their body.
var uploadRoutes = map[string]uploadRoute{
	"POST /api/v1/transfers/import":  {uploadTransfer, false},
	"POST /api/v1/transfers/receipt": {uploadReceipt, false},
	"POST /api/v1/licenses/import":   {uploadCSV, false},
	"POST /transfers/import":         {uploadTransfer, true},
	"POST /transfers/receipt":        {uploadReceipt, true},
	"POST /licenses/import":          {uploadCSV, true},
}

// formSlack is what a page's upload form may carry besides its file:
// the multipart headers and boundaries, the CSRF token, a partner.
const formSlack = 64 << 10

// maxLargeUploads is how many uploads over body_limit are read and
// handled at once. Each holds up to its limit in memory (max_upload,
// 256 MiB by default).
const maxLargeUploads = 2

// retryUpload is the Retry-After, in seconds, of a refused large upload.
const retryUpload = "30"

// uploadOf says whether the request is to an upload route.
func uploadOf(c *fiber.Ctx) (uploadRoute, bool) {
	u, ok := uploadRoutes[c.Method()+" "+c.Path()]
	return u, ok
}

// fileLimit is the most an upload route's file may hold, and what the
// limit is called in its error.
func (s *Server) fileLimit(u uploadRoute) (int, string) {
	switch u.kind {
	case uploadReceipt:
		return app.MaxReceiptFile, "a transfer receipt"
	case uploadTransfer:
		if app.MaxTransferFile < s.cfg.MaxUpload {
			return app.MaxTransferFile, "a transfer file"
		}
		return s.cfg.MaxUpload, "a transfer file (max_upload)"
	}
	return s.cfg.MaxUpload, "a license CSV (max_upload)"
}

// bodyLimit is the most an upload route reads of its request body.
func (s *Server) bodyLimit(u uploadRoute) int {
	n, _ := s.fileLimit(u)
	if u.form {
		n += formSlack
	}
	return n
}

func (s *Server) uploadTooLarge(u uploadRoute) error {
	n, what := s.fileLimit(u)
	return fiber.NewError(fiber.StatusRequestEntityTooLarge,
		fmt.Sprintf("the file is larger than %d bytes (%s), the limit for %s on this desk", n, byteSize(n), what))
}

var (
	errTooLarge      = fiber.NewError(fiber.StatusRequestEntityTooLarge, "the request body is too large")
	errEncoded       = fiber.NewError(fiber.StatusUnsupportedMediaType, "send the body uncompressed (no Content-Encoding)")
	errLengthNeeded  = fiber.NewError(fiber.StatusLengthRequired, "send a form upload with a Content-Length")
	errBodyCut       = fiber.NewError(fiber.StatusBadRequest, "the request body ended before its declared length")
	errUploadsBusy   = fiber.NewError(fiber.StatusServiceUnavailable, fmt.Sprintf("other large uploads are being read; try again in %s seconds", retryUpload))
	errNotUploadPath = errors.New("uploadBody called on a route that takes no upload")
)

func (s *Server) limitBody(c *fiber.Ctx) error {
	h := &c.Request().Header
	if enc := strings.TrimSpace(string(h.Peek(fiber.HeaderContentEncoding))); enc != "" && !strings.EqualFold(enc, "identity") {
		// fiber's c.Body() would inflate it without a bound.
		c.Context().SetConnectionClose()
		return errEncoded
	}
	cl := h.ContentLength()
	u, upload := uploadOf(c)
	if !upload {
		if cl > s.cfg.BodyLimit {
			c.Context().SetConnectionClose() // the body stays unread
			return errTooLarge
		}
		// Read it now, within the limit: a handler that never reads its
		// body must not leave the rest on a kept-alive connection, to be
		// read as the next request.
		if st := c.Context().RequestBodyStream(); st != nil && cl != 0 {
			data, err := readBody(st, cl, s.cfg.BodyLimit, false)
			if err != nil {
				c.Context().SetConnectionClose()
				if errors.Is(err, errOverLimit) {
					return errTooLarge
				}
				return errBodyCut
			}
			c.Request().SetBodyRaw(data)
		}
		return c.Next()
	}
	if cl > s.bodyLimit(u) {
		c.Context().SetConnectionClose()
		return s.uploadTooLarge(u)
	}
	if cl < 0 && isFormBody(c) {
		// A form is parsed straight from the stream (the CSRF token is in
		// it), with nothing but the declared length to bound it.
		c.Context().SetConnectionClose()
		return errLengthNeeded
	}
	defer func() { // also when the handler panics
		if held, _ := c.Locals(keySlot).(bool); held {
			<-s.uploads
		}
	}()
	err := c.Next()
	if _, read := c.Locals(keyUpload).([]byte); !read && c.Context().RequestBodyStream() != nil {
		c.Context().SetConnectionClose() // refused before its body was read
	}
	return err
}

func isFormBody(c *fiber.Ctx) bool {
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	return strings.HasPrefix(ct, fiber.MIMEMultipartForm) || strings.HasPrefix(ct, fiber.MIMEApplicationForm)
}

// uploadBody reads an upload route's body, at most its limit, and keeps
// it as the request body (so a multipart form parses from it). Handlers
// call it after the route's permission check.
func (s *Server) uploadBody(c *fiber.Ctx) ([]byte, error) {
	if b, ok := c.Locals(keyUpload).([]byte); ok {
		return b, nil
	}
	u, ok := uploadOf(c)
	if !ok {
		return nil, errNotUploadPath
	}
	limit := s.bodyLimit(u)
	st := c.Context().RequestBodyStream()
	if st == nil {
		b := c.Body()
		if len(b) > limit {
			return nil, s.uploadTooLarge(u)
		}
		return b, nil
	}
	cl := c.Request().Header.ContentLength()
	if size := cl; size < 0 || size > s.cfg.BodyLimit {
		if size < 0 {
			size = limit
		}
		if size > s.cfg.BodyLimit {
			select {
			case s.uploads <- struct{}{}:
				c.Locals(keySlot, true) // limitBody gives it back
			default:
				c.Set(fiber.HeaderRetryAfter, retryUpload)
				c.Context().SetConnectionClose()
				return nil, errUploadsBusy
			}
		}
	}
	data, err := readBody(st, cl, limit, true)
	if err != nil {
		c.Context().SetConnectionClose()
		if errors.Is(err, errOverLimit) {
			return nil, s.uploadTooLarge(u)
		}
		return nil, errBodyCut
	}
	c.Request().SetBodyRaw(data)
	c.Locals(keyUpload, data)
	return data, nil
}

var errOverLimit = errors.New("over the limit")

// readBody reads a streamed body of at most limit bytes. A declared
// length (already checked against limit) is read into one buffer of
// that size when prealloc is set (an upload holding its slot), else the
// buffer grows as the bytes arrive; an undeclared length is read up to
// limit+1 bytes. A stream a multipart form parser already read to its
// end gives an empty body.
func readBody(st io.Reader, cl, limit int, prealloc bool) ([]byte, error) {
	if cl > limit {
		return nil, errOverLimit
	}
	if cl >= 0 && prealloc {
		data := make([]byte, cl)
		n, err := io.ReadFull(st, data)
		if errors.Is(err, io.EOF) && n == 0 {
			return data[:0], nil
		}
		if err != nil {
			return nil, err
		}
		return data, nil
	}
	var buf bytes.Buffer
	if cl > 0 {
		buf.Grow(min(cl, 64<<10))
	}
	n, err := buf.ReadFrom(io.LimitReader(st, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if n > int64(limit) {
		return nil, errOverLimit
	}
	if cl >= 0 && n != int64(cl) {
		return nil, io.ErrUnexpectedEOF
	}
	return buf.Bytes(), nil
}

// byteSize writes n bytes for people: 64 KiB, 256 MiB.
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

type uploadKey struct{}
type slotKey struct{}

var (
	keyUpload = uploadKey{}
	keySlot   = slotKey{}
)

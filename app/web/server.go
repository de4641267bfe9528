// Package web is licensedesk's HTTP layer: the server-rendered UI and the
// JSON API, both calling the same app.Service methods.
package web

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/ui"
)

// Server holds what the handlers depend on.
type Server struct {
	svc *app.Service
	cfg app.Config
	log *slog.Logger
	loc *time.Location
	ui  *ui.UI
	// secureCookies is decided once from the config.
	secureCookies bool
	// uploads holds a slot for each upload over body_limit being read
	// and handled (upload.go).
	uploads chan struct{}
}

// New builds the Fiber app with every route.
func New(svc *app.Service, cfg app.Config, log *slog.Logger) (*fiber.App, error) {
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	s := &Server{svc: svc, cfg: cfg, log: log, loc: loc, uploads: make(chan struct{}, maxLargeUploads)}
	s.ui, err = ui.New(s.funcs())
	if err != nil {
		return nil, err
	}
	switch cfg.SecureCookies {
	case "always":
		s.secureCookies = true
	case "auto":
		s.secureCookies = cfg.TLSCert != ""
	}
	fc := fiber.Config{
		AppName:      "licensedesk",
		Immutable:    true, // values outlive the handler: see STACK-NOTES
		ErrorHandler: s.errorHandler,
		BodyLimit:    cfg.BodyLimit,
		// Bodies are streamed, not buffered before the handlers, so each
		// upload route's own limit is enforced before its body is read;
		// limitBody holds every other route to BodyLimit (upload.go).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 5 * time.Minute, // CSV exports and backups stream for a while
		IdleTimeout:                  2 * time.Minute,
		DisableStartupMessage:        true,
		// Request lines and headers up to 16 KiB reach the handlers, so a
		// long URL is answered by our own check (maxURL) as JSON on /api/.
		ReadBufferSize: 16 << 10,
	}
	if len(cfg.TrustedProxies) > 0 {
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = cfg.TrustedProxies
		fc.ProxyHeader = fiber.HeaderXForwardedFor
	}
	f := fiber.New(fc)
	f.Use(s.recover, s.securityHeaders, s.limitURL, s.limitBody, s.identify)
	s.mount(f)
	return f, nil
}

// clientAddr is the remote address without port. Behind a trusted proxy
// it is the last X-Forwarded-For entry, the one the proxy appended: the
// entries before it are whatever the client sent, and keying the login
// limiter or the audit log on them would let a client pick its address.
func clientAddr(c *fiber.Ctx) string {
	ip := c.IP()
	if c.App().Config().ProxyHeader != "" && c.IsProxyTrusted() {
		if ips := c.IPs(); len(ips) > 0 {
			ip = strings.TrimSpace(ips[len(ips)-1])
		}
	}
	if h, _, err := net.SplitHostPort(ip); err == nil {
		return h
	}
	return ip
}

func (s *Server) recover(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in handler", "path", c.Path(), "panic", r)
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.Next()
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// maxURL bounds a request's path and query. Longer ones are refused
// with 414 before any handler parses them.
const maxURL = 8 << 10

func (s *Server) limitURL(c *fiber.Ctx) error {
	if len(c.Request().RequestURI()) > maxURL {
		return fiber.NewError(fiber.StatusRequestURITooLong, fmt.Sprintf("the address is longer than %d bytes; send fewer or shorter parameters", maxURL))
	}
	return c.Next()
}

// setSecurityHeaders sets the headers every response carries, errors
// raised before any middleware ran included.
func setSecurityHeaders(c *fiber.Ctx) {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	// Pages, API answers and downloads carry keys, activation links,
	// receipts and customers' details: no browser or proxy keeps them.
	// The static files replace it with their own lifetime (routes.go).
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
}

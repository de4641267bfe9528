package web

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// The client API (F36): what licensed software calls, with no sign-in.
// On its own listener when client_addr is set, else under the main one.

// clientBodyLimit caps a client call's body: a key and a fingerprint.
const clientBodyLimit = 4 << 10

// clientRoutes are the client API's routes, all public: the key is the
// credential, and the service limits failed lookups per address.
func (s *Server) clientRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/client/validate", pub, s.clientValidate},
		{"POST", "/api/v1/client/activate", pub, s.clientActivate},
		{"POST", "/api/v1/client/deactivate", pub, s.clientDeactivate},
		{"GET", "/api/v1/client/license-file", pub, s.clientLicenseFile},
		{"POST", "/api/v1/client/license-file", pub, s.clientLicenseFile},
		{"GET", "/api/v1/client/public-key", pub, s.clientPublicKey},
	}
}

// clientCall reads {"key","fingerprint"[,"hostname"]} from the JSON body,
// or from the query string of a GET. Unknown fields are ignored, so newer
// software may send more.
func clientCall(c *fiber.Ctx) (app.ClientCall, error) {
	var in app.ClientCall
	body := c.Body()
	if len(body) > clientBodyLimit {
		return in, fiber.NewError(fiber.StatusRequestEntityTooLarge, "the request body is larger than 4 KiB")
	}
	if len(body) == 0 && c.Method() == fiber.MethodGet {
		in.Key, in.Fingerprint = c.Query("key"), c.Query("fingerprint")
	} else if err := json.Unmarshal(body, &in); err != nil {
		if len(body) == 0 {
			return in, app.Invalid("", `send a JSON object {"key":"…","fingerprint":"…"}`)
		}
		return in, err
	}
	in.Addr = clientAddr(c)
	return in, nil
}

func (s *Server) clientValidate(c *fiber.Ctx) error {
	in, err := clientCall(c)
	if err != nil {
		return err
	}
	st, err := s.svc.ClientValidate(in)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) clientActivate(c *fiber.Ctx) error {
	in, err := clientCall(c)
	if err != nil {
		return err
	}
	out, err := s.svc.ClientActivate(in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) clientDeactivate(c *fiber.Ctx) error {
	in, err := clientCall(c)
	if err != nil {
		return err
	}
	out, err := s.svc.ClientDeactivate(in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) clientLicenseFile(c *fiber.Ctx) error {
	in, err := clientCall(c)
	if err != nil {
		return err
	}
	f, err := s.svc.ClientLicenseFile(in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(f)
}

// publicKeyOut is GET /api/v1/client/public-key: the raw 32-byte key in
// base64, named by its key id, plus the retired keys whose files may
// still be valid.
type publicKeyOut struct {
	KeyID       string          `json:"key_id"`
	PublicKey   string          `json:"public_key"`
	Fingerprint string          `json:"fingerprint"`
	Retired     []retiredKeyOut `json:"retired"`
}

type retiredKeyOut struct {
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
}

func (s *Server) clientPublicKey(c *fiber.Ctx) error {
	keys, err := s.svc.SigningKeys()
	if err != nil {
		return err
	}
	out := publicKeyOut{Retired: []retiredKeyOut{}}
	for _, k := range keys {
		b64 := base64.StdEncoding.EncodeToString(k.Public)
		if k.Current {
			out.KeyID, out.PublicKey, out.Fingerprint = k.ID, b64, k.Fingerprint
		} else {
			out.Retired = append(out.Retired, retiredKeyOut{k.ID, b64})
		}
	}
	return c.JSON(out)
}

// NewClient builds the client API's own server for client_addr: only the
// client routes, nothing of the UI or the partner API.
func NewClient(svc *app.Service, cfg app.Config, log interface {
	Error(msg string, args ...any)
}) *fiber.App {
	s := &Server{svc: svc, cfg: cfg}
	fc := fiber.Config{
		AppName:               "licensedesk client API",
		Immutable:             true,
		ErrorHandler:          func(c *fiber.Ctx, err error) error { return clientError(c, err, log) },
		BodyLimit:             clientBodyLimit,
		DisableStartupMessage: true,
	}
	if len(cfg.TrustedProxies) > 0 {
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = cfg.TrustedProxies
		fc.ProxyHeader = fiber.HeaderXForwardedFor
	}
	f := fiber.New(fc)
	f.Use(func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in client API handler", "path", c.Path(), "panic", r)
				err = fiber.ErrInternalServerError
			}
		}()
		c.Set("X-Content-Type-Options", "nosniff")
		return c.Next()
	})
	for _, r := range s.clientRoutes() {
		f.Add(r.Method, r.Path, r.Handler)
	}
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return f
}

func clientError(c *fiber.Ctx, err error, log interface {
	Error(msg string, args ...any)
}) error {
	status, body := classify(err)
	if status >= 500 {
		log.Error("client API request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	return c.Status(status).JSON(fiber.Map{"error": body})
}

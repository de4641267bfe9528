package web

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

const (
	sessionCookie = "ld_session"
	preCSRFCookie = "ld_csrf" // double-submit token for forms shown before sign-in
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

type ctxKey int

const (
	keyActor ctxKey = iota
	keyCSRF
	keyViaToken
)

// identify resolves the caller from a bearer token or a session cookie
// and enforces CSRF on every state-changing request made with a cookie.
func (s *Server) identify(c *fiber.Ctx) error {
	if isClientAPI(c) {
		// The client API takes no sign-in: the license key is the
		// credential. As on its own listener (client_addr), a header or
		// cookie the licensed software or its proxy sends is not read,
		// so it answers the same wherever it is served.
		return c.Next()
	}
	addr := clientAddr(c)
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		// The scheme is case-insensitive (RFC 9110): Bearer, bearer, BEARER.
		scheme, raw, ok := strings.Cut(strings.TrimSpace(h), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return app.ErrUnauthorized
		}
		a, err := s.svc.TokenActor(strings.TrimSpace(raw), addr)
		if err != nil {
			return err
		}
		c.Locals(keyActor, a)
		c.Locals(keyViaToken, true)
		return c.Next() // no ambient credential: no CSRF to check
	}
	safe := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead || c.Method() == fiber.MethodOptions
	if sid := c.Cookies(sessionCookie); sid != "" {
		a, csrf, err := s.svc.SessionActor(sid, addr)
		switch {
		case err == nil:
			c.Locals(keyActor, a)
			c.Locals(keyCSRF, csrf)
			if !safe && !app.CheckCSRF(csrf, submittedCSRF(c)) {
				return errCSRF
			}
			return c.Next()
		case errors.Is(err, app.ErrUnauthorized):
			s.clearSession(c) // expired or revoked: continue as anonymous
		default:
			return err
		}
	}
	if !safe && !isAPI(c) {
		// Forms before sign-in (the login form) use a double-submit cookie.
		if !app.CheckCSRF(c.Cookies(preCSRFCookie), submittedCSRF(c)) {
			return errCSRF
		}
	}
	return c.Next()
}

func submittedCSRF(c *fiber.Ctx) string {
	if v := c.Get(csrfHeader); v != "" {
		return v
	}
	return c.FormValue(csrfField)
}

// actor is the signed-in caller; ok is false for anonymous requests.
func actor(c *fiber.Ctx) (app.Actor, bool) {
	a, ok := c.Locals(keyActor).(app.Actor)
	return a, ok
}

// csrfToken is the token a page embeds in its forms: the session's, or
// (before sign-in) a fresh double-submit token set as a cookie.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if t, ok := c.Locals(keyCSRF).(string); ok && t != "" {
		return t
	}
	if t := c.Cookies(preCSRFCookie); t != "" {
		return t
	}
	t := app.GeneratePassword()
	s.cookie(c, preCSRFCookie, t, 0)
	return t
}

// cookie sets one of our cookies: HttpOnly, SameSite=Lax, Secure by the
// one rule for this request. maxAge 0 is a browser-session cookie, a
// negative one deletes it.
func (s *Server) cookie(c *fiber.Ctx, name, value string, maxAge int) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.secure(c), MaxAge: maxAge}
	if maxAge < 0 {
		// fasthttp writes no Max-Age for a negative one: without an
		// expiry in the past the emptied cookie would live on.
		ck.Expires = time.Unix(0, 0)
	}
	c.Cookie(ck)
}

func (s *Server) setSession(c *fiber.Ctx, sid string) {
	s.cookie(c, sessionCookie, sid, int(app.SessionTTL.Seconds()))
}

func (s *Server) clearSession(c *fiber.Ctx) { s.cookie(c, sessionCookie, "", -1) }

// secure reports whether this response's cookies get the Secure flag:
// always or never as configured; with auto, when served over TLS directly
// or through a trusted proxy whose X-Forwarded-Proto says https (Fiber
// believes that header only from a trusted proxy once any are set).
func (s *Server) secure(c *fiber.Ctx) bool {
	if s.secureCookies {
		return true
	}
	return s.cfg.SecureCookies == "auto" && len(s.cfg.TrustedProxies) > 0 && c.Protocol() == "https"
}

// Permission checks, named on each line of the route table.
type perm int

const (
	pub  perm = iota // anyone, signed in or not
	user             // any signed-in user; the service limits partners to their own records
	op               // operators only: partners get 403
)

func (p perm) String() string {
	return [...]string{"public", "user", "operator"}[p]
}

func (p perm) check(c *fiber.Ctx) error {
	if p == pub {
		return c.Next()
	}
	a, ok := actor(c)
	if !ok {
		return app.ErrUnauthorized
	}
	if p == op && !a.IsOperator() {
		return app.ErrForbidden
	}
	return c.Next()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-login redirect on this site. Browsers drop tab
// and newline and read a backslash as a slash, so "/\t/evil.example"
// would become "//evil.example": a next with any control character or
// backslash is refused outright, and what remains must be a path of this
// site (no scheme, no host).
func safeNext(next string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || r == utf8.RuneError }) {
		return "/"
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

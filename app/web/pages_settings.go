package web

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

type settingsData struct {
	User     app.User
	Partner  *app.Partner
	Tokens   []app.Token
	NewToken string          // shown once, right after it is created
	Jobs     []app.JobStatus // background jobs, for operators
	// SigningKey is the install's public signing key, whose fingerprint
	// two operators compare by phone before trusting a transfer file.
	SigningKey app.SigningKey
	// PublicKey is the current key in base64, as licensed software takes
	// it; Retired are the keys before rotations, whose files verify until
	// they expire.
	PublicKey string
	Retired   []retiredKey
}

type retiredKey struct {
	ID        string
	Retired   *time.Time
	PublicKey string
}

func (s *Server) settingsPage(c *fiber.Ctx) error {
	return s.renderSettings(c, fiber.StatusOK, "", nil, nil)
}

func (s *Server) renderSettings(c *fiber.Ctx, status int, newToken string, form, errs map[string]string) error {
	a := mustActor(c)
	d := settingsData{NewToken: newToken}
	var err error
	if d.User, err = s.svc.GetUser(a, a.UserID); err != nil {
		return err
	}
	if a.PartnerID != 0 {
		p, err := s.svc.GetPartner(a, a.PartnerID)
		if err != nil {
			return err
		}
		d.Partner = &p
	}
	if d.Tokens, err = s.svc.ListTokens(a); err != nil {
		return err
	}
	if a.IsOperator() {
		if d.Jobs, err = s.svc.JobStatuses(a); err != nil {
			return err
		}
	}
	if d.SigningKey, err = s.svc.CurrentSigningKey(); err != nil {
		return err
	}
	d.PublicKey = base64.StdEncoding.EncodeToString(d.SigningKey.Public)
	keys, err := s.svc.SigningKeys()
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !k.Current {
			d.Retired = append(d.Retired, retiredKey{k.ID, k.Retired, base64.StdEncoding.EncodeToString(k.Public)})
		}
	}
	return s.render(c, status, "settings", "", View{Title: "Settings", Nav: "settings", Form: form, Errors: errs, Data: d})
}

func (s *Server) passwordChange(c *fiber.Ctx) error {
	vals := formValues(c)
	var err error
	if vals["new_password"] != vals["new_password_again"] {
		err = app.Invalid("new_password_again", "does not match the new password")
	} else {
		err = s.svc.ChangePassword(mustActor(c), vals["current_password"], vals["new_password"], c.Cookies(sessionCookie))
	}
	if err != nil {
		status, errs, ok := formError(err, sameFields("current_password", "new_password", "new_password_again"))
		if !ok {
			return err
		}
		return s.renderSettings(c, status, "", nil, errs)
	}
	return s.redirect(c, "/settings", "Password changed.")
}

// tokenCreate issues an API token for the signed-in user, who confirms
// with the password; the token is shown once and never again.
func (s *Server) tokenCreate(c *fiber.Ctx) error {
	a := mustActor(c)
	vals := formValues(c)
	name := strings.TrimSpace(vals["t.name"])
	if vals["t.password"] == "" {
		return s.renderSettings(c, fiber.StatusUnprocessableEntity, "", map[string]string{"t.name": name},
			map[string]string{"t.password": "Enter your password to confirm"})
	}
	raw, _, err := s.svc.CreateTokenWithPassword(a.Email, vals["t.password"], clientAddr(c), name)
	if errors.Is(err, app.ErrBadLogin) {
		return s.renderSettings(c, fiber.StatusUnprocessableEntity, "", map[string]string{"t.name": name},
			map[string]string{"t.password": "That is not your password"})
	}
	if err != nil {
		if status, errs, ok := formError(err, func(f string) string {
			if f == "name" {
				return "t.name"
			}
			return ""
		}); ok {
			return s.renderSettings(c, status, "", map[string]string{"t.name": name}, errs)
		}
		return err
	}
	return s.renderSettings(c, fiber.StatusCreated, raw, nil, nil)
}

func (s *Server) tokenRevoke(c *fiber.Ctx) error {
	if err := s.svc.RevokeToken(mustActor(c), c.Params("id")); err != nil {
		return err
	}
	return s.redirect(c, "/settings", "Token revoked; scripts using it can no longer sign in.")
}

// signingKeyRotate makes a new signing key current (operator).
func (s *Server) signingKeyRotate(c *fiber.Ctx) error {
	k, err := s.svc.RotateSigningKey(mustActor(c))
	if err != nil {
		return err
	}
	return s.redirect(c, "/settings#sig-h", "New signing key "+k.ID+" is current. Give licensed software the new public key; files signed with the old one stay valid until they expire.")
}

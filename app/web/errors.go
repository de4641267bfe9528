package web

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// apiError is the body of every API error.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// classify maps any error to a status and what the user may see. This is
// the one place domain errors become HTTP statuses.
func classify(err error) (int, apiError) {
	var ve *app.ValidationError
	var ce *app.ConflictError
	var fe *fiber.Error
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var cle *app.ClientError
	switch {
	case errors.As(err, &cle):
		return clientStatus(cle.Code), apiError{cle.Code, cle.Message, ""}
	case errors.As(err, &ve):
		return fiber.StatusUnprocessableEntity, apiError{"invalid", ve.Error(), ve.Field}
	case errors.As(err, &ce):
		return fiber.StatusConflict, apiError{"conflict", ce.Message, ce.Field}
	case errors.Is(err, app.ErrActivationLink):
		return fiber.StatusNotFound, apiError{"activation_link", app.ErrActivationLink.Error(), ""}
	case errors.Is(err, app.ErrNotFound):
		return fiber.StatusNotFound, apiError{"not_found", "not found", ""}
	case errors.Is(err, app.ErrConflict):
		return fiber.StatusConflict, apiError{"conflict", "that value is already taken", ""}
	case errors.Is(err, app.ErrForbidden):
		return fiber.StatusForbidden, apiError{"forbidden", app.ErrForbidden.Error(), ""}
	case errors.Is(err, app.ErrUnauthorized):
		return fiber.StatusUnauthorized, apiError{"unauthorized", "sign in, or send an API token as Authorization: Bearer …", ""}
	case errors.Is(err, app.ErrBadLogin):
		return fiber.StatusUnauthorized, apiError{"bad_login", app.ErrBadLogin.Error(), "password"}
	case errors.Is(err, app.ErrRateLimited):
		return fiber.StatusTooManyRequests, apiError{"rate_limited", app.ErrRateLimited.Error(), ""}
	case errors.Is(err, errCSRF):
		return fiber.StatusForbidden, apiError{"csrf", errCSRF.Error(), ""}
	case errors.Is(err, errTruncatedJSON):
		return fiber.StatusBadRequest, apiError{"bad_json", errTruncatedJSON.Error(), ""}
	case errors.As(err, &se):
		return fiber.StatusBadRequest, apiError{"bad_json", "the body is not valid JSON: " + se.Error(), ""}
	case errors.As(err, &te):
		return fiber.StatusBadRequest, apiError{"bad_json", "field " + te.Field + " must be a " + te.Type.String(), te.Field}
	case errors.As(err, &fe):
		code := "error"
		switch fe.Code {
		case fiber.StatusNotFound:
			code = "not_found"
		case fiber.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case fiber.StatusRequestEntityTooLarge:
			code = "too_large"
		case fiber.StatusBadRequest:
			code = "bad_request"
		}
		return fe.Code, apiError{code, fe.Message, ""}
	}
	return fiber.StatusInternalServerError, apiError{"internal", "something went wrong on the server; the error is in its log", ""}
}

// errTruncatedJSON is a request body that ends inside its JSON value.
var errTruncatedJSON = errors.New("the body is not valid JSON: it ends before the object is complete")

var errCSRF = errors.New("the form expired or came from another site; reload the page and try again")

// errorHandler answers every error: JSON for the API, a page for the UI.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status, body := classify(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if isAPI(c) {
		return c.Status(status).JSON(fiber.Map{"error": body})
	}
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login?next=" + urlQueryEscape(c.OriginalURL()))
	}
	return s.renderError(c, status, body.Message)
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// clientStatus is the HTTP status of a refused client API call.
func clientStatus(code string) int {
	switch code {
	case app.CodeUnknownKey:
		return fiber.StatusNotFound
	case app.CodeMachineLimit, app.CodeReadOnly:
		return fiber.StatusConflict
	case app.CodeRateLimited:
		return fiber.StatusTooManyRequests
	case app.CodeBadKey, app.CodeBadFingerprint, app.CodeBadHostname:
		return fiber.StatusBadRequest
	}
	return fiber.StatusForbidden // the license's state: not activated, suspended, expired, ...
}

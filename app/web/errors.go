package web

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"syscall"

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
	var sf *app.ShortfallError
	var ck *app.CheckoutError
	var sp *app.ShortPaymentError
	var cle *app.ClientError
	switch {
	case errors.As(err, &cle):
		return clientStatus(cle.Code), apiError{cle.Code, cle.Message, ""}
	case errors.As(err, &ck):
		status, code := fiber.StatusUnprocessableEntity, "invalid"
		switch {
		case errors.Is(ck.Kind, app.ErrNotFound):
			status, code = fiber.StatusNotFound, "not_found"
		case errors.Is(ck.Kind, app.ErrConflict):
			status, code = fiber.StatusConflict, "conflict"
		}
		return status, apiError{code, ck.Error(), "license_ids"}
	case errors.As(err, &sp):
		return fiber.StatusUnprocessableEntity, apiError{"short_payment", sp.Error(), "amount"}
	case errors.As(err, &sf):
		return fiber.StatusUnprocessableEntity, apiError{"insufficient_balance", sf.Error(), "payment"}
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
	case errors.Is(err, syscall.ENOSPC):
		return fiber.StatusInsufficientStorage, apiError{"disk_full", "the server's disk is full, so nothing was saved; reading still works. Free disk space on the server and try again", ""}
	case errors.Is(err, app.ErrSearchUnavailable):
		return fiber.StatusServiceUnavailable, apiError{"search_unavailable", app.ErrSearchUnavailable.Error(), "q"}
	case errors.Is(err, errCSRF):
		return fiber.StatusForbidden, apiError{"csrf", errCSRF.Error(), ""}
	case errors.Is(err, errTruncatedJSON):
		return fiber.StatusBadRequest, apiError{"bad_json", errTruncatedJSON.Error(), ""}
	case errors.As(err, &se):
		return fiber.StatusBadRequest, apiError{"bad_json", "the body is not valid JSON: " + se.Error(), ""}
	case errors.As(err, &te):
		if te.Field == "" {
			return fiber.StatusBadRequest, apiError{"bad_json", "the body must be " + jsonKind(te.Type) + ", not " + te.Value, ""}
		}
		return fiber.StatusBadRequest, apiError{"bad_json", "field " + te.Field + " must be " + jsonKind(te.Type) + ", not " + te.Value, te.Field}
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
		case fiber.StatusRequestURITooLong:
			code = "uri_too_long"
		case fiber.StatusRequestHeaderFieldsTooLarge:
			code = "headers_too_large"
		case fiber.StatusUnsupportedMediaType:
			code = "unsupported_media_type"
		case fiber.StatusLengthRequired:
			code = "length_required"
		case fiber.StatusServiceUnavailable:
			code = "busy"
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
	setSecurityHeaders(c) // also for errors raised before the middleware ran
	if status == fiber.StatusTooManyRequests {
		// Every limit counts within one window: once it has passed the
		// caller is let in again (an upper bound; often sooner).
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(app.RateLimitWindow.Seconds())))
	}
	if isAPI(c) || status == fiber.StatusRequestHeaderFieldsTooLarge {
		var ck *app.CheckoutError
		if errors.As(err, &ck) {
			// A refused checkout names each license and its reason.
			return c.Status(status).JSON(fiber.Map{"error": checkoutErrorBody{body, ck.Licenses}})
		}
		return c.Status(status).JSON(fiber.Map{"error": body})
	}
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login?next=" + urlQueryEscape(c.OriginalURL()))
	}
	return s.renderError(c, status, body.Message)
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// isClientAPI: a path of the client API (F36) on the main listener.
func isClientAPI(c *fiber.Ctx) bool {
	return strings.HasPrefix(strings.ToLower(c.Path()), "/api/v1/client/")
}

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

// checkoutErrorBody is an API error that names the licenses refused.
type checkoutErrorBody struct {
	apiError
	Licenses []app.LicenseProblem `json:"licenses"`
}

// A 431 is raised while reading the request, before its path is known:
// it is answered as JSON, the form every client (API or browser) reads.

package app

import (
	"errors"
	"fmt"

	"licensedesk/storage"
)

// Domain errors. The web layer maps each to one HTTP status in one place.
var (
	ErrNotFound     = storage.ErrNotFound // the record does not exist, or is not the actor's
	ErrConflict     = storage.ErrConflict // a unique value is taken
	ErrForbidden    = errors.New("you do not have permission to do that")
	ErrUnauthorized = errors.New("sign in first")
	ErrBadLogin     = errors.New("wrong email or password")
	ErrRateLimited  = errors.New("too many attempts; wait a few minutes and try again")
)

// ValidationError names the field that is wrong and says what to change.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Invalid builds a ValidationError.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ConflictError is a conflict on a named field.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Conflict builds a ConflictError.
func Conflict(field, format string, args ...any) error {
	return &ConflictError{Field: field, Message: fmt.Sprintf(format, args...)}
}

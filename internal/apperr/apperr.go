// Package apperr defines the one error type the application uses to say what went wrong in
// terms a user can act on. Only internal/server turns it into an HTTP response.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; each code maps to exactly one HTTP status in internal/server.
type Code string

// The error codes.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	Internal        Code = "internal"
)

// FieldError is a validation message for one form field.
type FieldError struct {
	Field   string
	Message string
}

// Error is an application error with a code, a message safe to show a user and, for
// validation failures, one message per field in form order.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
}

// Errorf returns an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Validation collects field errors in the order a form shows its fields.
type Validation struct{ fields []FieldError }

// Add records a message for field.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{field, message})
}

// Check records message for field when ok is false.
func (v *Validation) Check(ok bool, field, message string) {
	if !ok {
		v.Add(field, message)
	}
}

// Err returns an Invalid error holding every message, or nil when there is none.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "Check the highlighted fields", Fields: v.fields}
}

// FieldsOf returns the field messages carried by err, keyed by field name.
func FieldsOf(err error) map[string]string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	m := make(map[string]string, len(e.Fields))
	for _, f := range e.Fields {
		if _, seen := m[f.Field]; !seen {
			m[f.Field] = f.Message
		}
	}
	return m
}

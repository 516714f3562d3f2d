// Package domain holds Lotse's entities, value types, validation rules and state
// machines. It does no I/O and imports nothing of ours, so every other package can
// depend on it.
package domain

import (
	"errors"
	"fmt"
	"sort"
)

// Error codes: a handful, mapped to HTTP statuses in one place (handlers).
const (
	EInvalid      = "invalid"      // 422: input failed validation; Fields says where
	ENotFound     = "not_found"    // 404: absent, or another tenant's
	EConflict     = "conflict"     // 409: a lost race or a duplicate
	EForbidden    = "forbidden"    // 403: authenticated but not allowed
	EUnauthorized = "unauthorized" // 401: not authenticated
	ETooMany      = "too_many"     // 429: rate limit or lockout
	EInternal     = "internal"     // 500: logged, never shown
)

// Error is the one error type the layers above store hand to handlers. Key and the
// values of Fields are i18n message keys, never user-facing text.
type Error struct {
	Code   string
	Key    string            // e.g. "volunteer.not_found"
	Fields map[string]string // field name → message key, for forms and problem+json
	Err    error             // cause: logged, never shown
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Key != "" {
		msg += ": " + e.Key
	}
	if len(e.Fields) > 0 {
		msg += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinels for errors.Is; they carry no detail.
var (
	ErrNotFound     = &Error{Code: ENotFound, Key: "error.not_found"}
	ErrConflict     = &Error{Code: EConflict, Key: "error.conflict"}
	ErrForbidden    = &Error{Code: EForbidden, Key: "error.forbidden"}
	ErrUnauthorized = &Error{Code: EUnauthorized, Key: "error.unauthorized"}
)

// Is lets errors.Is(err, ErrNotFound) match any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && isSentinel(t) && t.Code == e.Code
}

func isSentinel(t *Error) bool {
	return t == ErrNotFound || t == ErrConflict || t == ErrForbidden || t == ErrUnauthorized
}

// ErrorCode returns the code of err: "" for nil, EInternal for anything that is not
// a *Error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// NotFound returns an ENotFound error with the given message key.
func NotFound(key string) *Error { return &Error{Code: ENotFound, Key: key} }

// Conflict returns an EConflict error with the given message key.
func Conflict(key string) *Error { return &Error{Code: EConflict, Key: key} }

// Forbidden returns an EForbidden error with the given message key.
func Forbidden(key string) *Error { return &Error{Code: EForbidden, Key: key} }

// FieldErrors collects validation failures, one message key per field (the first
// failure of a field wins, so the user sees the most basic problem first).
type FieldErrors map[string]string

// Add records key for field unless the field already has an error.
func (f FieldErrors) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Err returns nil when there are no failures, else an EInvalid *Error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid", Fields: map[string]string(f)}
}

// Names returns the fields with errors, sorted.
func (f FieldErrors) Names() []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FieldsOf returns the per-field message keys of an EInvalid error, or nil.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) && e.Code == EInvalid {
		return e.Fields
	}
	return nil
}

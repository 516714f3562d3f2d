package domain

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrorError(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Code: ENotFound}, "not_found"},
		{&Error{Code: ENotFound, Key: "volunteer.not_found"}, "not_found: volunteer.not_found"},
		{&Error{Code: EInternal, Err: io.EOF}, "internal: EOF"},
		{&Error{Code: EInternal, Key: "store.read", Err: io.EOF}, "internal: store.read: EOF"},
		{
			&Error{Code: EInvalid, Key: "error.invalid", Fields: map[string]string{"name": "field.required", "email": "field.email.invalid"}},
			"invalid: error.invalid map[email:field.email.invalid name:field.required]",
		},
		{
			&Error{Code: EInvalid, Fields: map[string]string{"plz": "field.required"}, Err: io.ErrUnexpectedEOF},
			"invalid map[plz:field.required]: unexpected EOF",
		},
		{&Error{Code: EInvalid, Fields: map[string]string{}}, "invalid"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := fmt.Errorf("driver: %w", io.EOF)
	err := &Error{Code: EInternal, Err: cause}
	if errors.Unwrap(err) != cause {
		t.Errorf("Unwrap() = %v, want the cause", errors.Unwrap(err))
	}
	if !errors.Is(err, io.EOF) {
		t.Error("errors.Is does not reach the cause's cause")
	}
	if (&Error{Code: EInternal}).Unwrap() != nil {
		t.Error("Unwrap() without cause is not nil")
	}
}

func TestErrorIs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"sentinel itself", ErrNotFound, ErrNotFound, true},
		{"same code, other key", NotFound("volunteer.not_found"), ErrNotFound, true},
		{"conflict", Conflict("match.decided"), ErrConflict, true},
		{"forbidden", Forbidden("role.accountant"), ErrForbidden, true},
		{"unauthorized", &Error{Code: EUnauthorized, Key: "login.failed"}, ErrUnauthorized, true},
		{"other code", NotFound("x"), ErrConflict, false},
		{"wrapped with %w", fmt.Errorf("store: approve: %w", Conflict("x")), ErrConflict, true},
		{"wrapped twice", fmt.Errorf("service: %w", fmt.Errorf("store: %w", ErrNotFound)), ErrNotFound, true},
		{"wrapped with %v", fmt.Errorf("store: %v", ErrNotFound), ErrNotFound, false},
		{"joined", errors.Join(io.EOF, Forbidden("x")), ErrForbidden, true},
		{"joined, other code", errors.Join(io.EOF, Forbidden("x")), ErrNotFound, false},
		// A non-sentinel target matches only itself: codes alone say nothing about
		// keys or fields.
		{"non-sentinel target", NotFound("a"), NotFound("a"), false},
		{"sentinel against non-sentinel target", ErrNotFound, NotFound("error.not_found"), false},
		{"invalid has no sentinel", FieldErrors{"a": "b"}.Err(), &Error{Code: EInvalid}, false},
		{"plain error", io.EOF, ErrNotFound, false},
		{"nil", nil, ErrNotFound, false},
		{"cause is searched too", &Error{Code: EInternal, Err: ErrConflict}, ErrConflict, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(tc.err, tc.target); got != tc.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tc.err, tc.target, got, tc.want)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	invalid := FieldErrors{"email": "field.required"}.Err()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"empty field errors", FieldErrors{}.Err(), ""},
		{"plain error", io.EOF, EInternal},
		{"wrapped plain error", fmt.Errorf("store: %w", io.EOF), EInternal},
		{"sentinel", ErrNotFound, ENotFound},
		{"constructor", Conflict("x"), EConflict},
		{"forbidden", Forbidden("x"), EForbidden},
		{"field errors", invalid, EInvalid},
		{"wrapped", fmt.Errorf("service: sign up: %w", invalid), EInvalid},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", ErrUnauthorized)), EUnauthorized},
		{"joined after a plain error", errors.Join(io.EOF, Conflict("x")), EConflict},
		{"joined, first *Error wins", errors.Join(Forbidden("x"), ErrNotFound), EForbidden},
		{"too many", &Error{Code: ETooMany}, ETooMany},
		{"internal with cause", &Error{Code: EInternal, Err: ErrNotFound}, EInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorCode(tc.err); got != tc.want {
				t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestFieldsOf(t *testing.T) {
	fields := map[string]string{"email": "field.email.invalid", "name": "field.required"}
	invalid := FieldErrors{"email": "field.email.invalid", "name": "field.required"}.Err()
	for _, tc := range []struct {
		name string
		err  error
		want map[string]string
	}{
		{"nil", nil, nil},
		{"plain error", io.EOF, nil},
		{"not found", ErrNotFound, nil},
		{"invalid", invalid, fields},
		{"wrapped", fmt.Errorf("service: %w", invalid), fields},
		{"joined", errors.Join(io.EOF, invalid), fields},
		{"fields only count on EInvalid", &Error{Code: EConflict, Fields: map[string]string{"a": "b"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, FieldsOf(tc.err)); diff != "" {
				t.Errorf("FieldsOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	fe := FieldErrors{}
	if err := fe.Err(); err != nil {
		// Compared as an interface: a typed nil *Error here would be a bug.
		t.Fatalf("Err() of no failures = %#v, want nil", err)
	}
	if got := fe.Names(); got == nil || len(got) != 0 {
		t.Errorf("Names() of none = %#v, want empty", got)
	}

	fe.Add("name", "field.required")
	fe.Add("name", "field.too_long") // the first failure of a field wins
	fe.Add("email", "field.email.invalid")
	fe.Add("age", "field.number.min")
	want := FieldErrors{"name": "field.required", "email": "field.email.invalid", "age": "field.number.min"}
	if diff := cmp.Diff(want, fe); diff != "" {
		t.Errorf("after Add (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"age", "email", "name"}, fe.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}

	err := fe.Err()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Err() = %T, want *Error", err)
	}
	wantErr := &Error{Code: EInvalid, Key: "error.invalid", Fields: map[string]string(want)}
	if diff := cmp.Diff(wantErr, e); diff != "" {
		t.Errorf("Err() (-want +got):\n%s", diff)
	}
}

func TestConstructors(t *testing.T) {
	for _, tc := range []struct {
		err       *Error
		code, key string
	}{
		{NotFound("volunteer.not_found"), ENotFound, "volunteer.not_found"},
		{Conflict("match.decided"), EConflict, "match.decided"},
		{Forbidden("role.accountant"), EForbidden, "role.accountant"},
	} {
		want := &Error{Code: tc.code, Key: tc.key}
		if diff := cmp.Diff(want, tc.err); diff != "" {
			t.Errorf("constructor (-want +got):\n%s", diff)
		}
	}
	// Each call is a fresh value, so callers cannot change a shared one.
	if NotFound("x") == NotFound("x") {
		t.Error("NotFound returns a shared value")
	}
}

package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/openaims/openaims/internal/apperr"
)

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool { return hasCode(err, "23505") }

// IsNoRows reports whether err says a query returned no row.
func IsNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// IsForeignKeyViolation reports whether err is a foreign-key violation.
func IsForeignKeyViolation(err error) bool { return hasCode(err, "23503") }

func isDuplicateDatabase(err error) bool { return hasCode(err, "42P04") }

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// MapError turns constraint violations a user can cause into apperr errors, and leaves
// every other error as it is (an internal error).
func MapError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505":
		return &apperr.Error{Code: apperr.Conflict, Message: "A record with the same key already exists"}
	case "23503":
		return &apperr.Error{Code: apperr.Invalid, Message: "A linked record does not exist or is still in use"}
	case "23514", "22001":
		return &apperr.Error{Code: apperr.Invalid, Message: "A value is not allowed"}
	}
	return err
}

package record

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/postgres"
)

// CheckOwner reports on field an owner that is not an id (none is fine); whether the id
// is a member of the workspace is the foreign key's to say (OwnerError).
func CheckOwner(v *apperr.Validation, field, owner string) {
	if owner == "" {
		return
	}
	_, err := uuid.Parse(owner)
	v.Check(err == nil, field, "Choose an owner from the list")
}

// CheckDate reports on field a date that is not a real YYYY-MM-DD date (none is fine).
func CheckDate(v *apperr.Validation, field, s string) {
	if s == "" {
		return
	}
	_, err := time.Parse(time.DateOnly, s)
	v.Check(err == nil, field, "Enter a real date, for example 2027-03-31")
}

// OwnerError turns the foreign-key violation of an owner who is not a member of the
// workspace into the message beside the owner field; other errors are wrapped with context.
func OwnerError(err error, context string) error {
	if postgres.IsForeignKeyViolation(err) {
		var v apperr.Validation
		v.Add("owner_id", "Choose an owner who is a member of this workspace")
		return v.Err()
	}
	return fmt.Errorf("%s: %w", context, err)
}

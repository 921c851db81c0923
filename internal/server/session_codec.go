package server

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/uuid"

	"github.com/openaims/openaims/web/components"
)

// sessionCodec stores a session's values as JSON of a fixed shape, one field per key the
// server puts in a session. scs's default gob codec learns the types anew for every value
// it encodes or decodes, and a signed-in request decodes and encodes its session at least
// twice each: gob took a tenth of the server's time on a list page. A fixed shape also
// encodes the same values to the same bytes, so the store tells an unchanged session by
// comparing bytes. A key without a field is refused, so a new one cannot be lost silently.
type sessionCodec struct{}

// sessionValues is the stored shape of a session.
type sessionValues struct {
	Deadline  time.Time                 `json:"deadline"`
	UserID    *uuid.UUID                `json:"user_id,omitempty"`
	UserEmail *string                   `json:"user_email,omitempty"`
	UserName  *string                   `json:"user_name,omitempty"`
	Flash     []components.FlashMessage `json:"flash,omitempty"`
}

// Encode implements scs.Codec.
func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	v := sessionValues{Deadline: deadline}
	for key, value := range values {
		ok := false
		switch key {
		case "user_id":
			var id uuid.UUID
			id, ok = value.(uuid.UUID)
			v.UserID = &id
		case "user_email":
			var s string
			s, ok = value.(string)
			v.UserEmail = &s
		case "user_name":
			var s string
			s, ok = value.(string)
			v.UserName = &s
		case "flash":
			v.Flash, ok = value.([]components.FlashMessage)
		}
		if !ok {
			return nil, fmt.Errorf("session: cannot store %q as %T", key, value)
		}
	}
	return json.Marshal(v)
}

// Decode implements scs.Codec. Sessions saved by the gob codec before this one are read
// with it, so an upgrade signs nobody out.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != '{' {
		return scs.GobCodec{}.Decode(b)
	}
	var v sessionValues
	if err := json.Unmarshal(b, &v); err != nil {
		return time.Time{}, nil, fmt.Errorf("session: %w", err)
	}
	values := map[string]any{}
	if v.UserID != nil {
		values["user_id"] = *v.UserID
	}
	if v.UserEmail != nil {
		values["user_email"] = *v.UserEmail
	}
	if v.UserName != nil {
		values["user_name"] = *v.UserName
	}
	if v.Flash != nil {
		values["flash"] = v.Flash
	}
	return v.Deadline, values, nil
}

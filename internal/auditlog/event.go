// Package auditlog is the tenant's tamper-evident audit trail: every change, sign-in,
// sign-out, failed sign-in and denied access, written in the same transaction as the change,
// hash-chained per tenant so that any edit, insertion or removal inside the chain is found
// by Verify.
package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Event is what a caller records: the action and the object it touched, with the object's
// state before and after (nil for none).
type Event struct {
	Action      string // verb in dotted form, e.g. "context.create", "auth.sign_in"
	ObjectType  string // register slug or platform object, e.g. "context", "membership"
	ObjectID    string
	ObjectLabel string // human reference shown in the trail, e.g. "CTX-7 Data-protection law"
	Before      any
	After       any
}

// Entry is one stored link of a tenant's chain.
type Entry struct {
	TenantID    uuid.UUID
	Seq         int64
	OccurredAt  time.Time
	ActorID     uuid.UUID // zero for the system
	ActorLabel  string
	Action      string
	ObjectType  string
	ObjectID    string
	ObjectLabel string
	RequestID   string
	Before      json.RawMessage
	After       json.RawMessage
	PrevHash    []byte
	Hash        []byte
}

// GenesisHash is the prev_hash of the first entry of every chain.
var GenesisHash = make([]byte, sha256.Size)

// ComputeHash returns SHA-256 over the canonical encoding of e: a JSON array of every field
// except Hash, in a fixed order, times in UTC with microseconds (what PostgreSQL keeps).
func (e Entry) ComputeHash() []byte {
	actor := ""
	if e.ActorID != uuid.Nil {
		actor = e.ActorID.String()
	}
	raw := func(m json.RawMessage) json.RawMessage {
		if len(m) == 0 {
			return json.RawMessage("null")
		}
		return m
	}
	canonical, _ := json.Marshal([]any{
		e.TenantID.String(), e.Seq, e.OccurredAt.UTC().Format(time.RFC3339Nano), actor, e.ActorLabel,
		e.Action, e.ObjectType, e.ObjectID, e.ObjectLabel, e.RequestID,
		raw(e.Before), raw(e.After), hex.EncodeToString(e.PrevHash),
	})
	sum := sha256.Sum256(canonical)
	return sum[:]
}

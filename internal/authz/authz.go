// Package authz decides what a role may do, from the casbin model and policy embedded here.
// Every route in internal/server names the object and action it needs; the permission
// matrix lives in policy.csv and nowhere else.
package authz

import (
	_ "embed"
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

// Object is a family of things a permission covers.
type Object string

// Action is what is done to an object.
type Action string

// The objects of policy.csv.
const (
	Registers Object = "registers"
	Evidence  Object = "evidence"
	Activity  Object = "activity"
	Audits    Object = "audits"
	AuditWork Object = "audit-work"
	Members   Object = "members"
	Settings  Object = "settings"
)

// The actions of policy.csv.
const (
	Read    Action = "read"
	Write   Action = "write"
	Approve Action = "approve"
	Manage  Action = "manage"
)

// Permission is an object and an action.
type Permission struct {
	Object Object
	Action Action
}

func (p Permission) String() string { return string(p.Object) + ":" + string(p.Action) }

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Enforcer answers permission questions. The policy is fixed at start-up, so it is safe
// for concurrent use.
type Enforcer struct{ e *casbin.Enforcer }

// New loads the embedded model and policy.
func New() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(policyText))
	if err != nil {
		return nil, fmt.Errorf("authz: policy: %w", err)
	}
	return &Enforcer{e: e}, nil
}

// Allowed reports whether role may perform p.
func (e *Enforcer) Allowed(role string, p Permission) bool {
	ok, err := e.e.Enforce(role, string(p.Object), string(p.Action))
	return err == nil && ok
}

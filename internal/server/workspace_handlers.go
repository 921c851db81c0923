package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/register"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/pages/workspace"
)

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return apperr.Errorf(apperr.NotFound, "No such page")
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	m := req(r).Membership
	s.render(w, r, http.StatusOK, workspace.Overview(s.page(r, m.TenantName),
		workspace.OverviewView{Base: "/t/" + m.TenantSlug, TenantName: m.TenantName, RoleLabel: m.Role.Label()}))
	return nil
}

// planned serves the page of a register that is not built yet.
func (s *Server) planned(reg register.Register) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.render(w, r, http.StatusOK, workspace.Planned(s.page(r, reg.Title), reg, tenantHref(r, "")))
		return nil
	}
}

// activity lists the tenant's audit trail, filtered by actor, object and dates, by keyset.
func (s *Server) activity(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	base := tenantHref(r, "/activity")
	v := workspace.ActivityView{Base: base, Actor: q.Get("actor"), Object: q.Get("object"), ObjectID: q.Get("id"),
		From: q.Get("from"), To: q.Get("to"), Errors: map[string]string{}}
	f := auditlog.Filter{ObjectType: v.Object, ObjectID: v.ObjectID}
	if id, err := uuid.Parse(v.Actor); err == nil {
		f.ActorID = id
	}
	for field, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if val := q.Get(field); val != "" {
			d, err := time.Parse(time.DateOnly, val)
			if err != nil {
				v.Errors[field] = "Enter a real date, for example 2026-11-01"
				continue
			}
			*dst = d
		}
	}
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := auditlog.List(r.Context(), tx, f)
		if err != nil {
			return err
		}
		v.Entries = page.Entries
		if page.NextSeq > 0 {
			next := url.Values{}
			for k := range q {
				next.Set(k, q.Get(k))
			}
			next.Set("before", strconv.FormatInt(page.NextSeq, 10))
			v.NextHref = base + "?" + next.Encode()
		}
		if f.BeforeSeq > 0 {
			first := url.Values{}
			for k := range q {
				first.Set(k, q.Get(k))
			}
			first.Del("before")
			v.FirstHref = base + "?" + first.Encode()
		}
		if v.Actors, err = memberOptions(r, tx); err != nil {
			return err
		}
		types, err := auditlog.ObjectTypes(r.Context(), tx)
		for _, t := range types {
			v.ObjectTypes = append(v.ObjectTypes, components.Option{Value: t, Label: t})
		}
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, workspace.Activity(s.page(r, "Activity"), v))
	return nil
}

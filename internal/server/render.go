package server

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/a-h/templ"

	"github.com/openaims/openaims/internal/register"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
)

// render writes component with status. It renders into a buffer first, so a failure while
// rendering becomes a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		req(r).Log.Error("render failed", "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// flash queues a message shown once on the next page.
func (s *Server) flash(r *http.Request, kind, text string) {
	msgs, _ := s.sessions.Get(r.Context(), "flash").([]components.FlashMessage)
	s.sessions.Put(r.Context(), "flash", append(msgs, components.FlashMessage{Kind: kind, Text: text}))
}

// page builds the layout of a page: navigation for a signed-in user in a tenant, the
// flashes waiting in the session, and breadcrumbs.
func (s *Server) page(r *http.Request, title string, crumbs ...layout.Crumb) layout.Page {
	rq := req(r)
	p := layout.Page{Title: title, Breadcrumbs: crumbs}
	if !rq.HasSession {
		// Reading a session that was never loaded panics in scs.
		return p
	}
	if msgs, ok := s.sessions.Pop(r.Context(), "flash").([]components.FlashMessage); ok {
		p.Flashes = msgs
	}
	if rq.User == nil {
		return p
	}
	nav := &layout.Nav{UserName: rq.User.DisplayName, UserEmail: rq.User.Email}
	for _, m := range rq.Memberships {
		current := rq.Membership != nil && m.TenantID == rq.Membership.TenantID
		nav.Tenants = append(nav.Tenants, layout.TenantLink{Slug: m.TenantSlug, Name: m.TenantName, Role: m.Role.Label(), Current: current})
	}
	if m := rq.Membership; m != nil {
		nav.TenantSlug, nav.TenantName, nav.RoleLabel = m.TenantSlug, m.TenantName, m.Role.Label()
		nav.Groups = s.navGroups(r, m.TenantSlug)
	}
	p.Nav = nav
	return p
}

// navGroups is the sidebar: the workspace pages, then every register grouped by clause.
func (s *Server) navGroups(r *http.Request, slug string) []layout.NavGroup {
	base := "/t/" + slug
	active := func(href string) bool {
		return r.URL.Path == href || strings.HasPrefix(r.URL.Path, href+"/")
	}
	workspace := layout.NavGroup{Title: "Workspace", Items: []layout.NavItem{
		{Title: "Overview", Href: base + "/", Active: r.URL.Path == base+"/", Built: true},
		{Title: "Activity", Href: base + "/activity", Active: active(base + "/activity"), Built: true},
	}}
	if s.can(r, permManageMembers) {
		workspace.Items = append(workspace.Items, layout.NavItem{Title: "Members", Href: base + "/members", Active: active(base + "/members"), Built: true})
	}
	groups := []layout.NavGroup{workspace}
	for _, g := range register.Groups {
		group := layout.NavGroup{Title: g}
		for _, reg := range register.All {
			if reg.Group == g {
				href := base + "/" + reg.Slug
				group.Items = append(group.Items, layout.NavItem{Title: reg.Title, Href: href, Clause: reg.PrimaryClause(), Active: active(href), Built: reg.Built})
			}
		}
		groups = append(groups, group)
	}
	return groups
}

// safeNext keeps a post-sign-in destination only when it is a path on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

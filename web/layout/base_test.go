package layout

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/static"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, c.Render(context.Background(), &b))
	return b.String()
}

func signedIn() *Nav {
	return &Nav{
		TenantSlug: "acme", TenantName: "Acme", RoleLabel: "Auditor", UserName: "Dana Kim", UserEmail: "dana@acme.test",
		Tenants: []TenantLink{{Slug: "acme", Name: "Acme", Role: "Auditor", Current: true}, {Slug: "globex", Name: "Globex", Role: "Executive"}},
		Groups: []NavGroup{{Title: "Planning", Items: []NavItem{
			{Title: "Risks", Href: "/t/acme/risks", Clause: "6.1.2", Active: true, Built: true},
			{Title: "Objectives", Href: "/t/acme/objectives", Clause: "6.2"},
		}}},
	}
}

func TestBaseSignedIn(t *testing.T) {
	t.Parallel()
	html := render(t, templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return Base(Page{
			Title:       "Risks",
			Nav:         signedIn(),
			Flashes:     []components.FlashMessage{{Kind: "success", Text: "Saved."}},
			Breadcrumbs: []Crumb{{Label: "Acme", Href: "/t/acme/"}, {Label: "Risks"}},
		}).Render(templ.WithChildren(ctx, templ.Raw("<p>content</p>")), w)
	}))

	require.Contains(t, html, "<title>Risks · OpenAIMS</title>")
	require.Contains(t, html, `href="`+static.Path("app.css")+`"`)
	require.Less(t, strings.Index(html, `class="skip-link"`), strings.Index(html, "<a class=\"brand\""), "skip link comes first")
	require.Contains(t, html, `href="/t/acme/" aria-current="true"`)
	require.Contains(t, html, `href="/t/globex/"`)
	require.Contains(t, html, `<form class="menu__form" method="post" action="/logout">`)
	require.Contains(t, html, `href="/t/acme/risks" aria-current="page"`)
	require.Equal(t, 2, strings.Count(html, `<span class="nav-link__planned">planned</span>`),
		"only Objectives is planned, and the nav is rendered twice (narrow and wide screens)")
	require.Contains(t, html, `<span aria-current="page">Risks</span>`)
	require.Contains(t, html, "Saved.")
	require.Contains(t, html, "<p>content</p>")
	requireNoInlineCode(t, html)
}

func TestBaseSignedOut(t *testing.T) {
	t.Parallel()
	html := render(t, Base(Page{Title: "Sign in"}))
	require.Contains(t, html, `class="solo"`)
	require.NotContains(t, html, "/logout")
	require.NotContains(t, html, "sidebar")
	requireNoInlineCode(t, html)
}

func TestErrorPage(t *testing.T) {
	t.Parallel()
	html := render(t, ErrorPage(Page{Nav: signedIn()}, 404, "Page not found", "Check the address."))
	require.Contains(t, html, "<title>Page not found · OpenAIMS</title>")
	require.Contains(t, html, "404")
	require.Contains(t, html, `href="/t/acme/"`)

	anon := render(t, ErrorPage(Page{}, 403, "Not allowed", "Sign in first."))
	require.Contains(t, anon, `href="/login"`)
	requireNoInlineCode(t, anon)
}

// requireNoInlineCode fails when html would break the strict
// Content-Security-Policy (no inline style or script).
func requireNoInlineCode(t *testing.T, html string) {
	t.Helper()
	lower := strings.ToLower(html)
	for _, banned := range []string{"style=", "<style", "<script", " onclick=", "javascript:"} {
		require.NotContains(t, lower, banned)
	}
}

package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, c.Render(context.Background(), &b))
	return b.String()
}

func TestLogin(t *testing.T) {
	t.Parallel()
	html := render(t, Login(layout.Page{Title: "Sign in"}, LoginForm{}))
	require.Contains(t, html, `action="/login"`)
	require.Contains(t, html, `name="email"`)
	require.Contains(t, html, `autocomplete="username"`)
	require.Contains(t, html, `name="password"`)
	require.Contains(t, html, `autocomplete="current-password"`)
	require.NotContains(t, html, "There is a problem")

	html = render(t, Login(layout.Page{Title: "Sign in"}, LoginForm{
		Email: "dana@acme.test", Next: "/t/acme/risks", Error: "Enter a correct email address and password", RetryAfterMinutes: 5,
	}))
	require.Contains(t, html, "There is a problem")
	require.Contains(t, html, `<a href="#email">Enter a correct email address and password</a>`)
	require.Contains(t, html, "Try again in 5 minutes.")
	require.Contains(t, html, `value="dana@acme.test"`)
	require.Contains(t, html, `name="next" value="/t/acme/risks"`)
}

func TestInviteNewUser(t *testing.T) {
	t.Parallel()
	html := render(t, Invite(layout.Page{Title: "Join Acme"}, InviteForm{
		Action: "/invite/tok", TenantName: "Acme", Email: "new@acme.test", Role: "Auditor", Name: "Jo",
		Errors:       []components.ErrorItem{{FieldID: "confirm_password", Message: "Passwords do not match"}},
		ConfirmError: "Passwords do not match",
	}))
	require.Contains(t, html, `action="/invite/tok"`)
	require.Contains(t, html, `name="name"`)
	require.Contains(t, html, `value="Jo"`)
	require.Contains(t, html, `name="confirm_password"`)
	require.Equal(t, 2, strings.Count(html, `autocomplete="new-password"`))
	require.Contains(t, html, "12 to 128 characters")
	require.Contains(t, html, `<a href="#confirm_password">Passwords do not match</a>`)
}

func TestInviteExistingUser(t *testing.T) {
	t.Parallel()
	html := render(t, Invite(layout.Page{Title: "Join Acme"}, InviteForm{
		Action: "/invite/tok", TenantName: "Acme", Email: "old@acme.test", Role: "Executive", ExistingUser: true,
	}))
	require.Contains(t, html, `autocomplete="current-password"`)
	require.NotContains(t, html, `name="name"`)
	require.NotContains(t, html, `confirm_password`)
}

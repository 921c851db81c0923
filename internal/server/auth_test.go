package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// sessionCookieOf returns the session cookie a response sets, or nil.
func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, ck := range resp.Cookies() {
		if ck.Name == "aims_session" {
			return ck
		}
	}
	return nil
}

// requireRedirectsToLogin checks that c is not signed in any more.
func requireRedirectsToLogin(t *testing.T, c *client, path string) {
	t.Helper()
	resp, _ := c.getResp(t, path)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "GET %s", path)
	require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/login?next="), "GET %s redirects to %s", path, resp.Header.Get("Location"))
}

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("sign-in sets a hardened cookie on a new token", func(t *testing.T) {
		t.Parallel()
		c := anonymous(t, b.ts)
		resp, body := c.postFormResp(t, "/login", url.Values{"email": {acmeAuditor}, "password": {demoPassword}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		require.Equal(t, "/", resp.Header.Get("Location"))
		ck := sessionCookieOf(resp)
		require.NotNil(t, ck, "sign-in sets the session cookie")
		require.True(t, ck.HttpOnly, "HttpOnly")
		require.Equal(t, http.SameSiteLaxMode, ck.SameSite, "SameSite=Lax")
		require.Equal(t, "/", ck.Path)
		first := ck.Value
		status, _ := c.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status)

		// Signing in on a session that already exists (one an attacker may have planted)
		// moves it to a new token and retires the old one: no session fixation.
		resp, body = c.postFormResp(t, "/login", url.Values{"email": {acmeAuditor}, "password": {demoPassword}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		ck = sessionCookieOf(resp)
		require.NotNil(t, ck)
		require.NotEqual(t, first, ck.Value, "the token is renewed at sign-in")
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
		requireRedirectsToLogin(t, withCookie(t, b.ts, first), "/t/acme/context")
		status, _ = c.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status, "the new token works")
	})

	t.Run("wrong password and unknown e-mail answer alike", func(t *testing.T) {
		t.Parallel()
		wrong, wrongBody := anonymous(t, b.ts).postForm(t, "/login", url.Values{"email": {acmeAdmin}, "password": {"not-the-password"}})
		unknown, unknownBody := anonymous(t, b.ts).postForm(t, "/login", url.Values{"email": {"nobody@acme.test"}, "password": {"not-the-password"}})
		require.Equal(t, http.StatusUnauthorized, wrong)
		require.Equal(t, wrong, unknown, "same status")
		require.Contains(t, wrongBody, auth.ErrBadCredentials.Message)
		require.Contains(t, unknownBody, auth.ErrBadCredentials.Message)
		// Apart from the address typed, which the form keeps, the pages are the same.
		require.Equal(t, strings.ReplaceAll(wrongBody, acmeAdmin, "EMAIL"), strings.ReplaceAll(unknownBody, "nobody@acme.test", "EMAIL"))
		require.Contains(t, wrongBody, `value="`+acmeAdmin+`"`, "the typed address is kept")
	})

	t.Run("five failures pause sign-in", func(t *testing.T) {
		t.Parallel()
		const email = "exec@globex.test"
		c := anonymous(t, b.ts)
		for range auth.MaxAccountFailures {
			status, _ := c.postForm(t, "/login", url.Values{"email": {email}, "password": {"not-the-password"}})
			require.Equal(t, http.StatusUnauthorized, status)
		}
		resp, body := c.postFormResp(t, "/login", url.Values{"email": {email}, "password": {demoPassword}})
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the right password is refused while paused")
		require.Regexp(t, regexp.MustCompile(`Try again in \d+ minutes`), body)
		require.Contains(t, body, "Try again in 15 minutes")
		// Regression: Retry-After was a Go duration ("14m59s"); HTTP wants whole seconds.
		require.Regexp(t, `^\d+$`, resp.Header.Get("Retry-After"))
		retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		require.NoError(t, err)
		require.InDelta(t, auth.ThrottleWindow.Seconds(), retry, 60)
		require.Nil(t, sessionCookieOf(resp), "no session while paused")
	})

	t.Run("sign-out destroys the session", func(t *testing.T) {
		t.Parallel()
		c := b.signIn(t, acmeOfficer)
		token := c.sessionCookie(t)
		require.NotEmpty(t, token)
		resp, _ := c.postFormResp(t, "/logout", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/login", resp.Header.Get("Location"))
		requireRedirectsToLogin(t, c, "/t/acme/context")
		// The old cookie, replayed, opens nothing.
		requireRedirectsToLogin(t, withCookie(t, b.ts, token), "/t/acme/context")
	})

	t.Run("cross-origin posts are refused", func(t *testing.T) {
		t.Parallel()
		c := b.signIn(t, acmeOfficer)
		before := len(b.issues(t, "acme"))
		for _, path := range []string{"/login", "/logout", "/t/acme/context"} {
			form := issueForm("Cross-site issue")
			form.Set("email", acmeOfficer)
			form.Set("password", demoPassword)
			r := c.newRequest(t, http.MethodPost, path, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, body := c.do(t, r)
			require.Equal(t, http.StatusForbidden, resp.StatusCode, "POST %s from another site: %.200s", path, body)
		}
		require.Len(t, b.issues(t, "acme"), before, "nothing was created")
		status, _ := c.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status, "the cross-site logout did not sign the user out")
	})

	t.Run("HTML responses carry the security headers", func(t *testing.T) {
		t.Parallel()
		// client.do checks every HTML response of every test; here the pages of each kind.
		anon, officer := anonymous(t, b.ts), b.signIn(t, acmeAuditor)
		for _, tc := range []struct {
			c      *client
			path   string
			status int
		}{
			{anon, "/login", 200}, {anon, "/no-such-page", 404}, {officer, "/t/acme/context", 200},
			{officer, "/t/acme/context/new", 403}, {officer, "/t/globex/context", 404}, {officer, "/t/acme/context/not-an-id", 404},
		} {
			resp, _ := tc.c.getResp(t, tc.path)
			require.Equal(t, tc.status, resp.StatusCode, tc.path)
			require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"), tc.path)
			csp := resp.Header.Get("Content-Security-Policy")
			require.Contains(t, csp, "default-src 'none'", tc.path)
			require.Contains(t, csp, "script-src 'self'", tc.path)
			require.Contains(t, csp, "style-src 'self'", tc.path)
			require.NotContains(t, csp, "unsafe-inline", tc.path)
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), tc.path)
			require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), tc.path)
		}
		resp, _ := anon.postFormResp(t, "/t/acme/context", issueForm("Anonymous"))
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		requireSecurityHeaders(t, "anonymous POST", resp.Header)
	})

	t.Run("an unknown path answers the 404 page", func(t *testing.T) {
		t.Parallel()
		// Regression: the 404 page of a path outside the session middleware read the session,
		// scs panicked, the recovery rendered the page again and panicked again, and the
		// connection was dropped without a response.
		for _, c := range []*client{anonymous(t, b.ts), b.signIn(t, acmeExec)} {
			for _, path := range []string{"/no-such-page", "/t", "/static/no-such-file.css"} {
				status, body := c.get(t, path)
				require.Equal(t, http.StatusNotFound, status, path)
				if path != "/static/no-such-file.css" {
					require.Contains(t, body, "Page not found", path)
				}
			}
		}
	})

	t.Run("next never leaves the site", func(t *testing.T) {
		t.Parallel()
		c := anonymous(t, b.ts)
		for next, want := range map[string]string{
			"//evil.example":         "/",
			"//evil.example/t/acme/": "/",
			"/\\evil.example":        "/",
			"https://evil.example/":  "/",
			"javascript:alert(1)":    "/",
			"/t/acme/context":        "/t/acme/context",
		} {
			resp, body := c.postFormResp(t, "/login", url.Values{"email": {acmeExec}, "password": {demoPassword}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			require.Equal(t, want, resp.Header.Get("Location"), "next=%s", next)
			// Signed in already, the sign-in page forwards to next: on site only too.
			resp, _ = c.getResp(t, "/login?next="+url.QueryEscape(next))
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Equal(t, want, resp.Header.Get("Location"), "GET /login?next=%s", next)
		}
		// The login page carries next through its form; a hostile one is kept only as text.
		_, body := anonymous(t, b.ts).get(t, "/login?next="+url.QueryEscape("//evil.example"))
		require.Contains(t, body, `name="next" value="//evil.example"`)
	})

	t.Run("health, readiness and metrics", func(t *testing.T) {
		t.Parallel()
		c := anonymous(t, b.ts)
		status, body := c.get(t, "/healthz")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "ok\n", body)
		status, body = c.get(t, "/readyz")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "ready\n", body)
		status, body = c.get(t, "/metrics")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "aims_http_request_duration_seconds")
		require.Contains(t, body, `route="/healthz"`)
		require.Contains(t, body, "aims_db_pool_connections")
	})

	t.Run("invitation", func(t *testing.T) {
		t.Parallel()
		const email = "new.auditor@example.com"
		var token string
		ctx := context.Background()
		b.inTenant(t, "acme", func(tx *postgres.Tx) (err error) {
			_, token, err = tenant.Invite(ctx, tx, email, tenant.RoleAuditor)
			return err
		})
		link := "/join/acme/" + token
		c := anonymous(t, b.ts)
		status, body := c.get(t, link)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Acme Health AI")
		require.Contains(t, body, email)
		require.Contains(t, body, "Auditor")

		// A mistake re-shows the form with the message beside the field.
		status, body = c.postForm(t, link, url.Values{"name": {"Nia New"}, "password": {"a long new password"}, "confirm_password": {"another one entirely"}})
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Enter the same password twice")
		require.Contains(t, body, `value="Nia New"`)

		resp, body := c.postFormResp(t, link, url.Values{"name": {"Nia New"}, "password": {"a long new password"}, "confirm_password": {"a long new password"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		require.Equal(t, "/t/acme/", resp.Header.Get("Location"))
		require.NotNil(t, sessionCookieOf(resp), "the new member is signed in")
		u, err := auth.FindUserByEmail(ctx, b.db, email)
		require.NoError(t, err, "the account exists")
		ms, err := tenant.MembershipsOf(ctx, b.db, u.ID)
		require.NoError(t, err)
		require.Len(t, ms, 1)
		require.Equal(t, "acme", ms[0].TenantSlug)
		require.Equal(t, tenant.RoleAuditor, ms[0].Role)
		status, body = c.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Nia New")

		// The link works once.
		for _, cl := range []*client{c, anonymous(t, b.ts)} {
			status, _ = cl.get(t, link)
			require.Equal(t, http.StatusNotFound, status)
			status, _ = cl.postForm(t, link, url.Values{"name": {"Mallory"}, "password": {"a long new password"}, "confirm_password": {"a long new password"}})
			require.Equal(t, http.StatusNotFound, status)
		}
		// The new member can sign in with the password chosen.
		status, _ = anonymous(t, b.ts).postForm(t, "/login", url.Values{"email": {email}, "password": {"a long new password"}})
		require.Equal(t, http.StatusSeeOther, status)
	})
}

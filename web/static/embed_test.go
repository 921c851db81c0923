package static

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func get(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestPathIsServedImmutable(t *testing.T) {
	t.Parallel()
	for name, contentType := range map[string]string{
		"app.css":     "text/css; charset=utf-8",
		"favicon.svg": "image/svg+xml",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := Path(name)
			require.Regexp(t, regexp.MustCompile(`^/static/[a-z]+\.[0-9a-f]{8}\.[a-z]+$`), p)

			want, err := files.ReadFile(name)
			require.NoError(t, err)

			rec := get(t, p)
			require.Equal(t, http.StatusOK, rec.Code)
			require.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
			require.Equal(t, contentType, rec.Header().Get("Content-Type"))
			require.Equal(t, want, rec.Body.Bytes())
		})
	}
}

func TestHandlerRejectsUnknownNames(t *testing.T) {
	t.Parallel()
	hashed := Path("app.css")
	wrongHash := regexp.MustCompile(`\.[0-9a-f]{8}\.`).ReplaceAllString(hashed, ".00000000.")
	require.NotEqual(t, hashed, wrongHash)

	for _, target := range []string{
		"/static/app.css",
		wrongHash,
		"/static/missing.00000000.css",
		"/static/embed.go",
		"/static/",
	} {
		rec := get(t, target)
		require.Equal(t, http.StatusNotFound, rec.Code, target)
		require.Empty(t, rec.Header().Get("Cache-Control"), target)
	}
}

func TestHandlerRejectsWrites(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path("app.css"), nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestPathPanicsOnUnknownFile(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { Path("missing.css") })
}

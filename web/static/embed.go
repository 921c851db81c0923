// Package static holds the web assets (stylesheet, favicon) embedded in the
// binary and serves them under content-hashed names so that browsers may cache
// them forever.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the URL path under which Handler expects to be mounted.
const Prefix = "/static/"

//go:embed *.css *.svg
var files embed.FS

// asset is one embedded file ready to be served.
type asset struct {
	content     []byte
	contentType string
	etag        string
}

var (
	// hashedNames maps an embedded file name to its hashed name.
	hashedNames = map[string]string{}
	// assets maps a hashed name to the file it serves.
	assets = map[string]asset{}
)

func init() {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(fmt.Sprintf("static: read embedded files: %v", err))
	}
	for _, e := range entries {
		name := e.Name()
		content, err := files.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("static: read %s: %v", name, err))
		}
		sum := sha256.Sum256(content)
		hash := hex.EncodeToString(sum[:])[:8]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		hashedNames[name] = hashed
		assets[hashed] = asset{
			content:     content,
			contentType: mime.TypeByExtension(ext),
			etag:        `"` + hash + `"`,
		}
	}
}

// Path returns the cache-busting URL of the embedded file name, such as
// "/static/app.3f2a9c1b.css" for "app.css". It panics when name is not an
// embedded file, because asset names are constants in templates and a typo
// must fail loudly in tests rather than render a broken link.
func Path(name string) string {
	hashed, ok := hashedNames[name]
	if !ok {
		panic(fmt.Sprintf("static: no embedded file %q", name))
	}
	return Prefix + hashed
}

// Handler serves the embedded files under the hashed names that Path returns,
// with a one-year immutable Cache-Control header. Any other name answers 404.
// Mount it on Prefix without stripping the prefix, e.g.
// r.Handle(static.Prefix+"*", static.Handler()) with chi.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		a, ok := assets[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("Content-Type", a.contentType)
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.content))
	})
}

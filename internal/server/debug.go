package server

import (
	"net/http"
	"net/http/pprof"
)

// DebugHandler serves Go's runtime profiles under /debug/pprof/ (CPU, heap, goroutines,
// blocking), for `go tool pprof` while the server is under load. It is mounted on its own
// listener (AIMS_DEBUG_ADDR), never on the application's routes.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
